"""Neighbours by positional join where the plan knows the order, windows elsewhere; results never stale.

Expectations are computed in plain Python (sort each customer's events, look one to the
left and right), independently of the SQL under test.
"""

from __future__ import annotations

import random
from typing import Any

import ibis
import ibis.expr.operations as ops
import pandas as pd
import pyarrow as pa
import pytest

from journeymap.engine import compile as C
from journeymap.engine.steps import step_metrics
from journeymap.engine.transitions import transitions

from .conftest import SCHEMA, log_frame


def _events(n: int, seed: int) -> pd.DataFrame:
    """Random events of a few customers, with equal timestamps (source order decides) and one-event customers."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        customer = f"c{rng.randint(1, 25):02d}"
        ts = f"2026-01-{rng.randint(1, 3):02d} 10:{rng.randint(0, 3):02d}"
        rows.append((customer, ts, rng.choice(["a", "b", "c", "d"])))
    rows.append(("zz-single", "2026-01-01 00:00", "a"))
    return log_frame(rows)


def _table(con: Any, df: pd.DataFrame) -> Any:
    arrow = pa.Table.from_pandas(df.assign(properties=[list(p.items()) for p in df.properties]),
                                 schema=SCHEMA.to_pyarrow(), preserve_index=False)
    return con.create_table("ev", arrow, overwrite=True)


def _expected(df: pd.DataFrame) -> dict[int, tuple[Any, Any, Any]]:
    """seq → (next event, next ts, previous event) within the customer, in (ts, seq) order."""
    out: dict[int, tuple[Any, Any, Any]] = {}
    for _c, g in df.groupby("customer_id"):
        recs = sorted(g.itertuples(), key=lambda r: (r.ts, r.seq))
        for i, r in enumerate(recs):
            nxt = recs[i + 1] if i + 1 < len(recs) else None
            prv = recs[i - 1] if i > 0 else None
            out[r.seq] = (nxt.event if nxt else None, nxt.ts if nxt else None, prv.event if prv else None)
    return out


@pytest.mark.parametrize("shuffle", [False, True], ids=["stored-in-order", "shuffled"])
def test_with_next_matches_python(shuffle: bool) -> None:
    df = _events(400, seed=7)
    expected = _expected(df)
    stored = df.sample(frac=1, random_state=3).reset_index(drop=True) if shuffle else df
    con = ibis.duckdb.connect()
    t = _table(con, stored)
    # the caller's plan says whether the stored order holds: then the positional join runs (a raw SQL relation),
    # else the window functions do; both give the neighbours Python computes
    out = C.with_next(t, {"nxt": "event", "nxt_ts": "ts"}, prev={"prv": "event"}, ordered=not shuffle)
    assert isinstance(out.op(), ops.SQLQueryResult) is (not shuffle)
    got = C.execute(out)
    assert len(got) == len(df)
    for r in got.itertuples():
        nxt, nxt_ts, prv = expected[r.seq]
        assert (None if pd.isna(r.nxt) else r.nxt) == nxt
        assert (None if pd.isna(r.nxt_ts) else pd.Timestamp(r.nxt_ts)) == (None if nxt_ts is None else pd.Timestamp(nxt_ts))
        assert (None if pd.isna(r.prv) else r.prv) == prv


def test_with_next_after_a_filter() -> None:
    """A filter keeps the stored order: the fast path sees only the kept rows as neighbours."""
    df = _events(300, seed=11)
    con = ibis.duckdb.connect()
    t = _table(con, df)
    kept = t.filter(t.event != "b")
    expected = _expected(df[df.event != "b"])
    got = C.execute(C.with_next(kept, {"nxt": "event"}, ordered=True))
    assert {r.seq: (None if pd.isna(r.nxt) else r.nxt) for r in got.itertuples()} == \
        {seq: v[0] for seq, v in expected.items()}


def test_event_graph_counts_by_hand(shop) -> None:  # noqa: ANN001
    df = _events(500, seed=5)
    expected: dict[tuple[str, str], int] = {}
    for _c, g in df.groupby("customer_id"):
        ev = [r.event for r in sorted(g.itertuples(), key=lambda r: (r.ts, r.seq))]
        for a, b in zip(ev, ev[1:], strict=False):
            expected[(a, b)] = expected.get((a, b), 0) + 1
    con = ibis.duckdb.connect()
    tr = transitions(shop, _table(con, df), level="event", collapse_repeats=False, detail=False)
    assert {(r.source, r.target): int(r.count) for r in tr.itertuples()} == expected


SHOP_ROWS = [
    ("u1", "2026-01-01 10:00", "ad_click"), ("u1", "2026-01-01 10:05", "product_view"),
    ("u1", "2026-01-01 10:09", "add_to_cart"), ("u2", "2026-01-01 11:00", "landing_home"),
    ("u2", "2026-01-01 11:02", "product_view"),
]


def test_changed_events_give_new_numbers(shop) -> None:  # noqa: ANN001
    """Results are kept per source only: the same connection and table name with more events gives new figures."""
    con = ibis.duckdb.connect()
    t = _table(con, log_frame(SHOP_ROWS))
    first = step_metrics(shop, t).set_index("step")
    assert first.loc["product", "reach"] == 2 and first.loc["pay", "reach"] == 0
    # u2 goes on to the cart and pays; u3 arrives: same connection, same table name
    more = log_frame([*SHOP_ROWS, ("u2", "2026-01-01 11:04", "add_to_cart"), ("u2", "2026-01-01 11:06", "payment"),
                      ("u3", "2026-01-02 09:00", "ad_click")])
    t2 = _table(con, more)
    second = step_metrics(shop, t2).set_index("step")
    assert second.loc["cart", "reach"] == 2 and second.loc["pay", "reach"] == 1 and second.loc["ad", "reach"] == 2
    assert second.loc["cart", "conversion"] == 0.5  # u2 went on to pay, u1 did not
    assert int(second["events"].sum()) == 8
    # nothing is left behind on the connection: no temporary tables
    assert con.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0] == 0


def test_a_changed_event_name_is_seen(shop) -> None:  # noqa: ANN001
    """Same count, same customers and times, one event renamed: the new name's step."""
    con = ibis.duckdb.connect()
    before = step_metrics(shop, _table(con, log_frame(SHOP_ROWS))).set_index("step")
    renamed = [*SHOP_ROWS[:2], ("u1", "2026-01-01 10:09", "payment"), *SHOP_ROWS[3:]]
    after = step_metrics(shop, _table(con, log_frame(renamed))).set_index("step")
    assert (before.loc["cart", "reach"], before.loc["pay", "reach"]) == (1, 0)
    assert (after.loc["cart", "reach"], after.loc["pay", "reach"]) == (0, 1)


def test_read_only_store_reopened_after_a_write(shop, tmp_path) -> None:  # noqa: ANN001
    """A write needs the reader closed, and the next reader sees the new events."""
    path = str(tmp_path / "store.duckdb")
    writer = ibis.duckdb.connect(path)
    _table(writer, log_frame(SHOP_ROWS))
    writer.disconnect()
    reader = ibis.duckdb.connect(path, read_only=True)
    once = step_metrics(shop, reader.table("ev")).set_index("step")
    again = step_metrics(shop, reader.table("ev")).set_index("step")
    assert once.loc["cart", "reach"] == again.loc["cart", "reach"] == 1
    reader.disconnect()
    writer = ibis.duckdb.connect(path)
    _table(writer, log_frame([*SHOP_ROWS, ("u2", "2026-01-01 11:04", "add_to_cart")]))
    writer.disconnect()
    reader = ibis.duckdb.connect(path, read_only=True)
    assert step_metrics(shop, reader.table("ev")).set_index("step").loc["cart", "reach"] == 2
    reader.disconnect()
