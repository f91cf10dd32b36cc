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
