"""Goal and outcome on the map: conversion is progress toward the goal, the main path runs entry → goal.

Each expectation is counted by hand from the log below, on DuckDB and on PySpark, and on the journey index
of a real store (the plan decides; the numbers must not change).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from journeymap.engine.goals import (
    conversion_steps,
    depth_from_entry,
    distance_to_goal,
    is_back_edge,
    path_to_goal,
    progress_edges,
)
from journeymap.engine.overlay import main_path
from journeymap.engine.steps import step_metrics
from journeymap.engine.transitions import transitions
from journeymap.model.types import Journey

# ad → product → cart | chat;  chat → cart;  cart → pay | err;  err (failure) → pay;  pay (goal) → review
GOAL_JOURNEY = {
    "id": "goal", "title": "Goal",
    "stages": [{"id": "find", "name": "Find"}, {"id": "buy", "name": "Buy"}, {"id": "after", "name": "After"}],
    "steps": [
        {"id": "ad", "name": "Ad", "stage": "find", "channel": "social", "entry": True,
         "binding": {"events": ["ad_click"]}, "next": ["product"]},
        {"id": "product", "name": "Product", "stage": "find", "channel": "web",
         "binding": {"events": ["product_view"]}, "next": ["cart", "chat"]},
        {"id": "chat", "name": "Chat", "stage": "find", "channel": "chat",
         "binding": {"events": ["chat_started"]}, "next": ["cart"]},
        {"id": "cart", "name": "Cart", "stage": "buy", "channel": "web",
         "binding": {"events": ["add_to_cart"]}, "next": ["pay", "err"]},
        {"id": "err", "name": "Payment refused", "stage": "buy", "channel": "web", "outcome": "failure",
         "binding": {"events": ["payment_failed"]}, "next": ["pay"], "edge_outcomes": {"pay": "recovery"}},
        {"id": "pay", "name": "Pays", "stage": "buy", "channel": "web", "goal": True,
         "binding": {"events": ["payment"]}, "next": ["review"]},
        {"id": "review", "name": "Review", "stage": "after", "channel": "email",
         "binding": {"events": ["review_sent"]}, "next": []},
    ],
}

GOAL_LOG = [
    # a: straight to the goal, then reviews
    ("a", "2024-01-01 10:00", "ad_click", "social"),
    ("a", "2024-01-01 10:01", "product_view", "web"),
    ("a", "2024-01-01 10:02", "add_to_cart", "web"),
    ("a", "2024-01-01 10:03", "payment", "web"),
    ("a", "2024-01-03 10:00", "review_sent", "email"),
    # e: the payment is refused once, then succeeds
    ("e", "2024-01-02 10:00", "ad_click", "social"),
    ("e", "2024-01-02 10:01", "product_view", "web"),
    ("e", "2024-01-02 10:02", "add_to_cart", "web"),
    ("e", "2024-01-02 10:03", "payment_failed", "web"),
    ("e", "2024-01-02 10:05", "payment", "web"),
    # f: enters at the product page (not an entry step), refused, gives up
    ("f", "2024-01-02 11:00", "product_view", "web"),
    ("f", "2024-01-02 11:01", "add_to_cart", "web"),
    ("f", "2024-01-02 11:02", "payment_failed", "web"),
]


@pytest.fixture(scope="module")
def goal() -> Journey:
    return Journey.model_validate(GOAL_JOURNEY)


def test_progress_and_distance_by_hand(goal: Journey) -> None:
    # cart → err goes into a failure step: never progress; err → pay is a recovery and leads to the goal;
    # pay → review leads away from the goal (no goal can be reached from review)
    assert progress_edges(goal) == [("ad", "product"), ("product", "cart"), ("product", "chat"), ("chat", "cart"),
                                    ("cart", "pay"), ("err", "pay")]
    assert distance_to_goal(goal) == {"pay": 0, "cart": 1, "err": 1, "product": 2, "chat": 2, "ad": 3}
    assert conversion_steps(goal) == {"ad", "product", "chat", "cart", "err"}  # not the goal, not review
    assert goal.move_outcome("cart", "err") == "failure"
    assert goal.move_outcome("err", "pay") == "recovery"  # the edge's own mark wins over the target's
    assert goal.move_outcome("ad", "product") is None


def test_back_edges(goal: Journey) -> None:
    depth = depth_from_entry(goal)
    assert depth == {"ad": 0, "product": 1, "cart": 2, "chat": 2, "pay": 3, "err": 3, "review": 4}
    assert is_back_edge(goal, "pay", "cart")        # undesigned, earlier
    assert is_back_edge(goal, "cart", "chat")       # undesigned, same depth: a loop sideways
    assert not is_back_edge(goal, "err", "pay")     # designed
    assert not is_back_edge(goal, "product", "pay")  # undesigned but forward: a skip, not a loop


def test_path_to_goal_takes_the_closer_move(goal: Journey) -> None:
    # from cart most customers move to err (2 of 3), but err is a failure: the path goes to pay
    counts = {("ad", "product"): 2, ("product", "cart"): 3, ("cart", "err"): 2, ("cart", "pay"): 1,
              ("err", "pay"): 1, ("pay", "review"): 1}
    assert path_to_goal(goal, "ad", counts) == ["ad", "product", "cart", "pay"]
    assert path_to_goal(goal, "review", counts) == ["review"]


def test_conversion_is_progress_toward_the_goal(goal: Journey, backend) -> None:  # noqa: ANN001
    m = step_metrics(goal, backend.table(GOAL_LOG)).set_index("step")
    # cart: a → pay (progress), e → err and f → err (failures): 1 of 3, where "any designed next step"
    # would have said 3 of 3
    assert m.loc["cart", "reach"] == 3 and m.loc["cart", "conversion"] == pytest.approx(1 / 3)
    # err: e recovers to pay, f gives up
    assert m.loc["err", "conversion"] == pytest.approx(1 / 2)
    # the goal has no conversion (reaching it is the goal); review cannot lead to a goal
    assert math.isnan(m.loc["pay", "conversion"]) and math.isnan(m.loc["review", "conversion"])
    assert m.loc["ad", "conversion"] == 1.0 and m.loc["product", "conversion"] == 1.0
    # drop-off is unchanged by the marks: f's journey ends at err, a's at review, e's at pay
    assert m.loc["err", "dropoff"] == pytest.approx(1 / 2) and m.loc["pay", "dropoff"] == pytest.approx(1 / 2)


def test_main_path_runs_from_entry_to_goal(goal: Journey, backend) -> None:  # noqa: ANN001
    t = backend.table(GOAL_LOG)
    m = step_metrics(goal, t)
    tr = transitions(goal, t, level="step")
    path = main_path(goal, tr, dict(zip(m["step"], m["entries"], strict=True)))
    assert path == ["ad", "product", "cart", "pay"]
    # without goal marks the old walk follows the most taken designed move, into the error step
    plain = Journey.model_validate({**GOAL_JOURNEY, "steps": [
        {k: v for k, v in s.items() if k not in ("goal", "outcome", "edge_outcomes")} for s in GOAL_JOURNEY["steps"]]})
    assert main_path(plain, tr, dict(zip(m["step"], m["entries"], strict=True))) == \
        ["ad", "product", "cart", "err", "pay", "review"]


def test_goal_metrics_on_the_journey_index(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    """The same numbers when the store's journey index answers (the progress summary is kept there)."""
    from journeymap.api import ingest_events
    from journeymap.engine.source import open_source
    from journeymap.model.workspace import load_workspace

    root = make_workspace({"journeymap.yaml": "name: G\nlanguage: en\n",
                           "journeys/goal.yaml": yaml.safe_dump(GOAL_JOURNEY, sort_keys=False)})
    csv = tmp_path / "log.csv"
    csv.write_text("customer_id,ts,event,channel\n" + "".join(f"{c},{ts}:00,{e},{ch}\n" for c, ts, e, ch in GOAL_LOG),
                   encoding="utf-8")
    ingest_events([csv], root)
    ws = load_workspace(root)
    with open_source(ws) as source:
        m = step_metrics(ws.journey("goal"), source).set_index("step")
        assert any("summary-step-p" in line for line in source.plan)
    assert m.loc["cart", "conversion"] == pytest.approx(1 / 3)
    assert m.loc["err", "conversion"] == pytest.approx(1 / 2)
    assert math.isnan(m.loc["pay", "conversion"])


def test_marks_are_validated_with_file_and_line(make_workspace: Callable[..., Path]) -> None:
    from journeymap.model.workspace import load_workspace

    root = make_workspace({"journeymap.yaml": "name: G\nlanguage: en\n", "journeys/g.yaml": """
        id: g
        title: G
        stages: [{id: s, name: S}]
        steps:
          - id: a
            name: A
            stage: s
            channel: web
            edge_outcomes: {bb: recovery}
          - id: b
            name: B
            stage: s
            channel: web
            goal: true
            outcome: failure
          - id: c
            name: C
            stage: s
            channel: web
            outcome: broken
    """})
    ws = load_workspace(root, strict=False)
    messages = [str(d) for d in ws.diagnostics]
    assert any("g.yaml:9" in m and "unknown step 'bb' in 'edge_outcomes' of step 'a'" in m and "'b'" in m
               for m in messages), messages
    assert any("g.yaml:15" in m and "step 'b' is a goal and a failure at once" in m for m in messages), messages
    assert any("g.yaml:20" in m and "failure" in m and "recovery" in m for m in messages), messages
