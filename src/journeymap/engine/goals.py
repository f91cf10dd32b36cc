"""What a journey is for: goal steps, failures and recoveries, and what counts as progress.

A journey marks its **goal** steps (``goal: true``: an order, a signed contract) and marks steps or moves
as **failure** (an error page, a payment refused) or **recovery** (help after a failure), see
:meth:`~journeymap.model.types.Journey.move_outcome`. From these marks and the designed ``next`` edges:

* a **progress** move is a designed move that is not a failure and leads to a step from which a goal can
  still be reached along designed, non-failure moves (or is a goal). Without goal steps every designed
  move that is not a failure is progress (the journey's own end is its goal).
* a step's **conversion** is the share of its customers who make a progress move within the window
  (:mod:`.steps`); it is empty on a goal step (reaching it *is* the goal) and on a step with no progress
  move (e.g. after the goal, when the design does not lead back to it).
* the **distance to the goal** of a step is the fewest designed, non-failure moves from it to a goal; the
  main path (:func:`path_to_goal`) takes, at each step, the move customers take most among those that
  bring them strictly closer, so it always ends at a goal.
* a **back-edge** is a move the design does not have, to a step that comes earlier in the journey (fewer
  designed moves from an entry step): rework, a loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from journeymap.model.types import Journey


def _graph(journey: Journey, *, skip_failures: bool = True) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a, b in journey.designed_edges():
        if skip_failures and journey.move_outcome(a, b) == "failure":
            continue
        out.setdefault(a, []).append(b)
    return out


def distance_to_goal(journey: Journey) -> dict[str, int]:
    """Fewest designed, non-failure moves from each step to a goal step (goal steps 0); steps that cannot
    reach a goal are absent. Without goal steps: empty."""
    goals = journey.goal_steps()
    reverse: dict[str, list[str]] = {}
    for a, targets in _graph(journey).items():
        for b in targets:
            reverse.setdefault(b, []).append(a)
    dist = {g: 0 for g in goals}
    queue = deque(goals)
    while queue:
        b = queue.popleft()
        for a in reverse.get(b, []):
            if a not in dist:
                dist[a] = dist[b] + 1
                queue.append(a)
    return dist


def progress_edges(journey: Journey) -> list[tuple[str, str]]:
    """The designed moves that are progress (see the module docstring), in design order."""
    dist = distance_to_goal(journey)
    has_goal = bool(journey.goal_steps())
    out = []
    for a, b in journey.designed_edges():
        if journey.move_outcome(a, b) == "failure":
            continue
        if has_goal and b not in dist:
            continue
        out.append((a, b))
    return out


def conversion_steps(journey: Journey) -> set[str]:
    """The steps that have a conversion: a progress move leaves them and they are not a goal."""
    goals = set(journey.goal_steps())
    return {a for a, _b in progress_edges(journey) if a not in goals}


def depth_from_entry(journey: Journey) -> dict[str, int]:
    """Fewest designed moves from an entry step (the first step, ``entry: true`` steps and trigger targets)."""
    if not journey.steps:
        return {}
    starts = [journey.steps[0].id, *[s.id for s in journey.steps if s.entry],
              *[t.step for t in journey.triggers if t.step]]
    graph = _graph(journey, skip_failures=False)
    depth = {s: 0 for s in starts}
    queue = deque(depth)
    while queue:
        a = queue.popleft()
        for b in graph.get(a, []):
            if b not in depth:
                depth[b] = depth[a] + 1
                queue.append(b)
    order = len(journey.steps)
    for s in journey.steps:  # unreachable steps (validation reports them) come last
        depth.setdefault(s.id, order)
    return depth


def is_back_edge(journey: Journey, source: str, target: str, designed: set[tuple[str, str]] | None = None,
                 depth: Mapping[str, int] | None = None) -> bool:
    """A move the design does not have, to a step no later in the journey than where it starts."""
    designed = set(journey.designed_edges()) if designed is None else designed
    depth = depth_from_entry(journey) if depth is None else depth
    if (source, target) in designed:
        return False
    return depth.get(target, 0) <= depth.get(source, 0)


def path_to_goal(journey: Journey, start: str, counts: Mapping[tuple[str, str], int]) -> list[str]:
    """From ``start``, the most taken move among those that bring a customer strictly closer to a goal, until
    a goal step (ties: map order). ``[start]`` when no goal can be reached from it."""
    dist = distance_to_goal(journey)
    order = {s.id: i for i, s in enumerate(journey.steps)}
    graph = _graph(journey)
    path = [start]
    while path[-1] in dist and dist[path[-1]] > 0:
        here = path[-1]
        options = [b for b in graph.get(here, []) if b in dist and dist[b] < dist[here]]
        if not options:
            break
        path.append(max(options, key=lambda b: (counts.get((here, b), 0), -order.get(b, 0))))
    return path
