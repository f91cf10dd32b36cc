"""Identity stitching: chains of links across devices resolve to one customer, incrementally too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from journeymap.events.ingest import ingest_events
from journeymap.events.status import store_status
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEADER = "customer_id,anonymous_id,ts,event\n"


def _owners(ws: Workspace) -> dict[str, str]:
    """event name → the stitched customer id (event names are unique in these tests)."""
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        return dict(con.execute("SELECT event, customer_id FROM events").fetchall())
    finally:
        con.close()


def test_chain_across_devices_resolves_to_one_customer(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text(HEADER + "\n".join([
        ",phoneB,2025-01-01 08:00:00,b_browse",        # device B, anonymous
        ",cookieA,2025-01-01 09:00:00,a_browse",       # device A, anonymous
        "cookieA,phoneB,2025-01-01 09:30:00,handoff",  # B linked to A (app only knows A's cookie)
        "C1,cookieA,2025-01-01 10:00:00,login",        # A linked to customer C1
        "C1,,2025-01-02 10:00:00,email_open",          # customer only
        ",lonely,2025-01-01 10:00:00,lonely_visit",    # linked to nobody
        "F2,shared,2025-01-03 10:00:00,f_login",       # a shared device links F2 and G3
        "G3,shared,2025-01-04 10:00:00,g_login",
        "G3,,2025-01-05 10:00:00,g_order",
    ]) + "\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert _owners(ws) == {
        "b_browse": "C1", "a_browse": "C1", "handoff": "C1", "login": "C1", "email_open": "C1",
        "lonely_visit": "lonely",
        "f_login": "F2", "g_login": "F2", "g_order": "F2",
    }
    assert report.stitch_rounds >= 2  # B reaches C1 only through A: at least two rounds of propagation
    status = store_status(ws)
    assert status.customers == 3  # C1, lonely, F2
    assert status.anonymous_ids == 4  # phoneB, cookieA, lonely, shared
    assert status.stitched_ids == 3  # phoneB, cookieA, shared


def test_a_later_link_restitches_earlier_events(ws: Workspace, tmp_path: Path) -> None:
    first, second = tmp_path / "1.csv", tmp_path / "2.csv"
    first.write_text(HEADER + ",dev9,2025-01-01 08:00:00,early_visit\n", encoding="utf-8")
    second.write_text(HEADER + "C9,dev9,2025-02-01 08:00:00,signup\n", encoding="utf-8")
    ingest_events(ws, [first], quiet=True, now=NOW)
    assert _owners(ws) == {"early_visit": "dev9"}
    ingest_events(ws, [second], quiet=True, now=NOW)
    assert _owners(ws) == {"early_visit": "C9", "signup": "C9"}
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    rows = con.execute("SELECT customer_id, event, raw_customer_id FROM events").fetchall()
    con.close()
    assert rows == [("C9", "early_visit", None), ("C9", "signup", "C9")]  # journey-ordered, raw ids kept


def _union_find_owner(rows: list[tuple[str | None, str | None]]) -> list[str]:
    """The stitched customer of each (customer id, anonymous id) row, by union-find in Python.

    A component is named after its smallest customer id; an id counts as an anonymous one when it
    appears as one in a link, and a component of anonymous ids only is named after the smallest.
    """
    links = {(a, c) for c, a in rows if a is not None and c is not None and a != c}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, c in links:
        parent[find(a)] = find(c)
    anonymous = {a for a, _ in links}
    name: dict[str, tuple[bool, str]] = {}
    for node in list(parent):
        root, key = find(node), (node in anonymous, node)
        name[root] = min(name.get(root, key), key)
    return [name[find(k)][1] if k in parent else k for k in (c if c is not None else a for c, a in rows)]


def test_random_link_graphs_match_a_union_find(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Long chains, ids that are a customer id in one row and an anonymous id in another, equal pairs.
    import random

    rng = random.Random(11)
    ids = [f"u{i}" for i in range(60)] + [f"k{i}" for i in range(90)]
    rows: list[tuple[str | None, str | None]] = []
    for _ in range(700):
        c = rng.choice(ids) if rng.random() < 0.6 else None
        a = rng.choice(ids[40:]) if (c is None or rng.random() < 0.3) else None
        rows.append((c, a))
    chain = [f"x{i:02d}" for i in range(40)]  # a chain of 40 anonymous ids ending at a customer
    rows += [(None, chain[0])] + [(chain[i + 1], chain[i]) for i in range(len(chain) - 1)] + [("z0", chain[-1])]
    ws = ws_factory(timezone="UTC")
    src = tmp_path / "links.csv"
    src.write_text(HEADER + "".join(f"{c or ''},{a or ''},2025-01-01 00:00:00,e{i}\n" for i, (c, a) in enumerate(rows)),
                   encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert report.stored == len(rows)
    owners = _owners(ws)
    assert [owners[f"e{i}"] for i in range(len(rows))] == _union_find_owner(rows)
    assert report.stitch_rounds >= len(chain)  # the customer's label travels the chain one link per round
