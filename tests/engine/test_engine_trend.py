"""The trend compares like with like: the last complete weeks against as many weeks before, by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from journeymap.engine.overlay import build_overlay, trend_periods
from journeymap.model.workspace import load_workspace

from .conftest import SHOP_JOURNEY

# The last event is on Wednesday 13 March 2024: the last complete week ends on Sunday 10 March, so the current
# period is 12 February – 10 March and the previous one 15 January – 11 February.
LOG = [
    ("p6", "2024-01-05 10:00", "product_view", "web"),   # before both periods
    ("p1", "2024-01-20 10:00", "product_view", "web"),   # previous
    ("p4", "2024-02-01 10:00", "product_view", "web"),   # previous
    ("p1", "2024-02-20 10:00", "product_view", "web"),   # current
    ("p2", "2024-03-01 10:00", "product_view", "web"),   # current
    ("p3", "2024-03-10 23:00", "product_view", "web"),   # current (the last complete day)
    ("p5", "2024-03-12 10:00", "product_view", "web"),   # the incomplete week: left out
    ("p5", "2024-03-13 10:00", "add_to_cart", "web"),
]


def test_periods_by_hand() -> None:
    first, last = dt.datetime(2024, 1, 5, 10), dt.datetime(2024, 3, 13, 10)
    cur, prev = trend_periods(first, last, None, None, weeks=4)  # type: ignore[misc]
    assert cur == (dt.datetime(2024, 2, 12), dt.datetime(2024, 3, 11))
    assert prev == (dt.datetime(2024, 1, 15), dt.datetime(2024, 2, 12))
    # a Sunday's last event completes its week
    cur, _prev = trend_periods(first, dt.datetime(2024, 3, 10, 23), None, None, weeks=4)  # type: ignore[misc]
    assert cur[1] == dt.datetime(2024, 3, 11)
    assert trend_periods(dt.datetime(2024, 2, 1), last, None, None, weeks=4) is None  # 6 weeks: too short
    # with --since/--until: that period against the one as long before it
    since, until = dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 8)
    assert trend_periods(first, last, since, until) == ((since, until), (dt.datetime(2024, 2, 23), since))


@pytest.mark.parametrize("min_customers, expected", [(1, 0.5), (3, None)])
def test_trend_on_the_map(make_workspace: Callable[..., Path], backend, min_customers: int,  # noqa: ANN001
                          expected: float | None) -> None:
    root = make_workspace({"journeymap.yaml": f"name: T\nlanguage: en\nanalysis:\n  min_customers: {min_customers}\n",
                           "journeys/shop.yaml": yaml.safe_dump(SHOP_JOURNEY)}, name=f"ws{min_customers}")
    o = build_overlay(load_workspace(root), "shop", backend.table(LOG))
    # product: p1, p2, p3 now against p1, p4 before: +50 %; shown only where both periods have enough customers
    assert o.steps["product"].trend == (pytest.approx(expected) if expected is not None else None)
    assert o.trend_periods == (("2024-02-12", "2024-03-11"), ("2024-01-15", "2024-02-12"))
    note = "Trend: reach 12 February 2024 – 10 March 2024 against 15 January 2024 – 11 February 2024"
    assert (note in o.notes) == (expected is not None)
