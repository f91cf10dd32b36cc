"""``journeymap status``: figures computed by hand on a small log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from journeymap.events.ingest import ingest_events
from journeymap.events.status import store_status
from journeymap.model.workspace import Workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _log(tmp_path: Path) -> Path:
    src = tmp_path / "log.csv"
    src.write_text(
        "customer_id,anonymous_id,ts,event,channel,source\n"
        "a,,2025-03-01 10:00:00,view,web,shop\n"
        "a,,2025-03-02 10:00:00,open,email,crm\n"
        "b,,2025-03-03 10:00:00,view,web,shop\n"
        ",k1,2025-03-04 10:00:00,view,web,shop\n"
        "b,k1,2025-03-05 10:00:00,login,web,shop\n"
        ",,2025-03-06 10:00:00,view,web,shop\n",
        encoding="utf-8",
    )
    return src


def test_status_figures(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(timezone="UTC")
    ingest_events(ws, [_log(tmp_path)], quiet=True, now=NOW)
    s = store_status(ws)
    assert (s.events, s.customers) == (5, 2)
    assert (s.first_ts, s.last_ts) == (dt.datetime(2025, 3, 1, 10), dt.datetime(2025, 3, 5, 10))
    assert s.per_channel == {"web": 4, "email": 1}
    assert s.per_source == {"shop": 4, "crm": 1}
    assert (s.anonymous_ids, s.stitched_ids) == (1, 1)
    assert s.quarantined == {"missing customer id": 1}


def test_status_cli_and_missing_store(ws: Workspace, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("status", "-w", str(ws.root))
    assert res.exit_code == 1
    assert "no events yet: run journeymap ingest events FILE or journeymap demo" in res.stderr
    ingest_events(ws, [_log(tmp_path)], quiet=True, now=NOW)
    res = run_cli("status", "-w", str(ws.root))
    assert res.exit_code == 0, res.output
    assert "events: 5" in res.stdout
    assert "customers: 2 journeys (2 identified, 0 anonymous visitors never identified)" in res.stdout
    assert "per channel: web 4, email 1" in res.stdout
    assert "stitched to a customer: 1" in res.stdout


def test_open_events_gives_the_adr_columns(ws: Workspace, tmp_path: Path) -> None:
    from journeymap.events.store import EVENT_COLUMNS, open_events

    ingest_events(ws, [_log(tmp_path)], quiet=True, now=NOW)
    t = open_events(ws)
    assert list(t.columns) == [c for c, _ in EVENT_COLUMNS]
    df = t.execute()
    assert len(df) == 5
    assert list(df["customer_id"]) == ["a", "a", "b", "b", "b"]


def test_anonymous_visitors_are_told_apart_from_identified_customers(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(timezone="UTC")
    src = tmp_path / "anon.csv"
    # a and b have ids; k1's visit is stitched to b by b's login; k2 and k3 never log in
    src.write_text("customer_id,anonymous_id,ts,event\n"
                   "a,,2025-03-01 10:00:00,view\n"
                   ",k1,2025-03-01 11:00:00,view\n"
                   "b,k1,2025-03-01 12:00:00,login\n"
                   ",k2,2025-03-02 10:00:00,view\n"
                   ",k3,2025-03-02 11:00:00,view\n"
                   ",k3,2025-03-02 11:05:00,cart\n", encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    s = store_status(ws)
    assert (s.customers, s.identified) == (4, 2)  # journeys a, b, k2, k3; identified a and b


def test_the_figures_are_kept_per_store_generation_and_follow_every_change(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api
    from journeymap.events.status import KEPT
    from journeymap.events.store import store_path

    ws = ws_factory(timezone="UTC")
    api.ingest_events([_log(tmp_path)], ws.root)  # as the command does: the store, then its index
    first = store_status(ws)
    kept = list((store_path(ws).parent / "cache").glob(f"*/{KEPT}"))
    assert len(kept) == 1
    assert store_status(ws) == first  # read back from the kept file: the same figures, times and all
    more = tmp_path / "more.csv"
    more.write_text("customer_id,ts,event,channel,source\nc,2025-04-01 09:00:00,view,app,newsletter\n"
                    "c,2025-04-02 09:00:00,open,app,newsletter\n", encoding="utf-8")
    api.ingest_events([more], ws.root)
    second = store_status(ws)  # a new generation: counted again
    assert (second.events, second.customers, second.last_ts) == (7, 3, dt.datetime(2025, 4, 2, 9))
    assert second.per_source == {"shop": 4, "newsletter": 2, "crm": 1}
    assert len(list((store_path(ws).parent / "cache").glob(f"*/{KEPT}"))) == 1  # the older generation's is gone
    api.forget("newsletter", ws.root)  # the source column names it
    assert store_status(ws) == first
    (only,) = (store_path(ws).parent / "cache").glob(f"*/{KEPT}")
    only.write_text("{not json", encoding="utf-8")  # damaged: counted again, and written anew
    assert store_status(ws) == first
    assert only.read_text(encoding="utf-8").startswith("{\"events\": 5")
