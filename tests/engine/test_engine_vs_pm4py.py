"""Event-level transition counts equal pm4py's directly-follows graph on the same log.

pm4py is a peer installed only with the ``bench`` extra; without it these tests skip.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from journeymap.engine.transitions import transitions

from .conftest import SHOP_LOG, log_frame

pm4py = pytest.importorskip("pm4py")


def pm4py_dfg(rows: list[tuple]) -> dict[tuple[str, str], int]:
    df = log_frame(rows)
    log = pd.DataFrame({"case:concept:name": df.customer_id.astype(str), "concept:name": df.event.astype(str),
                        "time:timestamp": pd.to_datetime(df.ts)})
    dfg, _start, _end = pm4py.discover_dfg(log)
    return {(str(a), str(b)): int(n) for (a, b), n in dfg.items()}


def ours(shop, duck, rows: list[tuple]) -> dict[tuple[str, str], int]:  # noqa: ANN001
    tr = transitions(shop, duck.table(rows), level="event", collapse_repeats=False)
    return {(str(s), str(t)): int(c) for s, t, c in zip(tr.source, tr.target, tr["count"], strict=True)}


def random_log(customers: int = 300, seed: int = 7) -> list[tuple]:
    """A log with loops and repeats; timestamps strictly increase per customer (no ties to order)."""
    rng = random.Random(seed)
    names = ["ad_click", "landing_page", "product_view", "reviews_read", "add_to_cart", "payment",
             "newsletter_opened", "support_call"]
    rows = []
    for c in range(customers):
        minute = rng.randrange(0, 50_000)
        for _ in range(rng.randrange(1, 25)):
            minute += rng.randrange(1, 300)
            ts = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=minute)
            rows.append((f"c{c:04d}", ts.strftime("%Y-%m-%d %H:%M"), rng.choice(names), "web"))
    return rows


def test_shop_log_matches_pm4py(shop, duck) -> None:  # noqa: ANN001
    assert ours(shop, duck, SHOP_LOG) == pm4py_dfg(SHOP_LOG)


def test_random_log_matches_pm4py(shop, duck) -> None:  # noqa: ANN001
    rows = random_log()
    expected = pm4py_dfg(rows)
    assert sum(expected.values()) > 1000  # a real comparison, not two empty graphs
    assert ours(shop, duck, rows) == expected
