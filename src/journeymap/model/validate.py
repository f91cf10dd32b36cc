"""Semantic checks on a loaded workspace: references, duplicates, the flow.

Each check returns located diagnostics; ``load_workspace`` runs them all, so the
user sees every problem at once.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from journeymap.errors import Diagnostic, suggest
from journeymap.model import yamlio
from journeymap.model.types import Journey

if TYPE_CHECKING:
    from journeymap.model.workspace import SourceFile, Workspace


def _at(src: SourceFile, loc: tuple[Any, ...], message: str, code: str, level: str = "error") -> Diagnostic:
    line, col = yamlio.position(src.doc, src.original_loc(loc))
    return Diagnostic(src.display, line, col, message, level, code)  # type: ignore[arg-type]


def check_workspace(ws: Workspace) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    channels = set(ws.settings.channels)
    for pid, persona in ws.personas.items():
        src = ws.persona_files[pid]
        for i, ch in enumerate(persona.channels):
            if ch not in channels:
                out.append(_at(src, ("channels", i), f"unknown channel {ch!r} in persona {pid!r}; "
                               f"{suggest(ch, channels)}", "unknown-channel"))
    for jid, journey in ws.journeys.items():
        out.extend(check_journey(journey, ws.journey_files[jid], set(ws.personas), channels))
    return out


def _duplicates(src: SourceFile, items: list[Any], key: str, kind: str) -> list[Diagnostic]:
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        if item.id in seen:
            out.append(_at(src, (key, i, "id"), f"duplicate {kind} id {item.id!r} "
                           f"(first defined as {key}[{seen[item.id]}])", "duplicate-id"))
        else:
            seen[item.id] = i
    return out


def check_journey(j: Journey, src: SourceFile, personas: set[str], channels: set[str]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for key, kind in (("stages", "stage"), ("steps", "step"), ("triggers", "trigger"),
                      ("opportunities", "opportunity"), ("lanes", "lane")):
        out.extend(_duplicates(src, getattr(j, key), key, kind))
    stage_ids = {s.id for s in j.stages}
    step_ids = {s.id for s in j.steps}
    lane_ids = {lane.id for lane in j.lanes}

    def persona_ref(ref: str, loc: tuple[Any, ...], where: str) -> None:
        if ref not in personas:
            out.append(_at(src, loc, f"unknown persona {ref!r} in {where}; {suggest(ref, personas)}",
                           "unknown-persona"))

    for i, p in enumerate(j.personas):
        persona_ref(p, ("personas", i), f"journey {j.id!r}")
    for i, step in enumerate(j.steps):
        where = f"step {step.id!r}"
        if step.stage not in stage_ids:
            out.append(_at(src, ("steps", i, "stage"), f"unknown stage {step.stage!r} in {where}; "
                           f"{suggest(step.stage, stage_ids)}", "unknown-stage"))
        if step.channel not in channels:
            out.append(_at(src, ("steps", i, "channel"), f"unknown channel {step.channel!r} in {where}; "
                           f"{suggest(step.channel, channels)}", "unknown-channel"))
        if step.binding and step.binding.channel and step.binding.channel not in channels:
            out.append(_at(src, ("steps", i, "binding", "channel"), f"unknown channel {step.binding.channel!r} "
                           f"in the binding of {where}; {suggest(step.binding.channel, channels)}",
                           "unknown-channel"))
        for k, p in enumerate(step.personas):
            persona_ref(p, ("steps", i, "personas", k), where)
        for p in step.persona_emotions:
            persona_ref(p, ("steps", i, "persona_emotions", p), where)
        for k, n in enumerate(step.next or []):
            if n not in step_ids:
                out.append(_at(src, ("steps", i, "next", k), f"unknown step {n!r} in 'next' of {where}; "
                               f"{suggest(n, step_ids)}", "unknown-step"))
        for target in step.edge_outcomes:
            if target not in step_ids:
                out.append(_at(src, ("steps", i, "edge_outcomes", target), f"unknown step {target!r} in "
                               f"'edge_outcomes' of {where}; {suggest(target, step_ids)}", "unknown-step"))
        if step.goal and step.outcome == "failure":
            out.append(_at(src, ("steps", i, "outcome"), f"{where} is a goal and a failure at once; a goal is "
                           "what customers come for: remove 'goal: true' or 'outcome: failure'", "goal-failure"))
        for lane in step.lanes:
            if lane not in lane_ids:
                out.append(_at(src, ("steps", i, "lanes", lane), f"unknown lane {lane!r} in {where}; "
                               f"{suggest(lane, lane_ids)} (declare custom lanes under the journey's 'lanes')",
                               "unknown-lane"))
    for i, trig in enumerate(j.triggers):
        if trig.step and trig.step not in step_ids:
            out.append(_at(src, ("triggers", i, "step"), f"unknown step {trig.step!r} in trigger {trig.id!r}; "
                           f"{suggest(trig.step, step_ids)}", "unknown-step"))
    for i, opp in enumerate(j.opportunities):
        if opp.step and opp.step not in step_ids:
            out.append(_at(src, ("opportunities", i, "step"), f"unknown step {opp.step!r} in opportunity "
                           f"{opp.id!r}; {suggest(opp.step, step_ids)}", "unknown-step"))
        if opp.stage and opp.stage not in stage_ids:
            out.append(_at(src, ("opportunities", i, "stage"), f"unknown stage {opp.stage!r} in opportunity "
                           f"{opp.id!r}; {suggest(opp.stage, stage_ids)}", "unknown-stage"))
    for i, stage in enumerate(j.stages):
        if not j.steps_in(stage.id):
            out.append(_at(src, ("stages", i, "id"), f"stage {stage.id!r} has no steps "
                           "(add a step with 'stage: " + stage.id + "' or remove the stage)", "empty-stage"))
    if not j.steps:
        out.append(_at(src, ("steps",), f"journey {j.id!r} has no steps", "no-steps"))
    out.extend(_unreachable(j, src))
    return out


def _unreachable(j: Journey, src: SourceFile) -> list[Diagnostic]:
    if not j.steps:
        return []
    step_ids = {s.id for s in j.steps}
    starts = {j.steps[0].id} | {s.id for s in j.steps if s.entry} | {t.step for t in j.triggers if t.step}
    graph: dict[str, list[str]] = {}
    for a, b in j.designed_edges():
        graph.setdefault(a, []).append(b)
    seen = {s for s in starts if s in step_ids}
    queue = deque(seen)
    while queue:
        for nxt in graph.get(queue.popleft(), []):
            if nxt in step_ids and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    out = []
    for i, s in enumerate(j.steps):
        if s.id not in seen:
            out.append(_at(src, ("steps", i, "id"), f"step {s.id!r} is unreachable: no designed path leads to it "
                           "from the first step, an entry step or a trigger (add it to a 'next' list or set "
                           "'entry: true')", "unreachable"))
    return out
