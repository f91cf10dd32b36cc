"""``event_rows.cust`` (customer number in journey order) and ``store_meta.generation``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from journeymap.events import ingest as ingest_mod
from journeymap.events.ingest import ingest_events
from journeymap.events.store import EVENT_COLUMNS, connect, store_generation, store_path
from journeymap.model.workspace import Workspace

from .conftest import STITCH_CSV, query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _generation(ws: Workspace) -> str | None:
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        return store_generation(con)
    finally:
        con.close()


def test_cust_numbers_customers_in_journey_order(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(timezone="UTC")
    # Text order a10 < a9 < b < ck-2; ck-1 is stitched to a9.
    src = tmp_path / "e.csv"
    src.write_text(STITCH_CSV, encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    assert query_store(ws, "SELECT typeof(cust) FROM event_rows LIMIT 1") == [("INTEGER",)]
    rows = query_store(ws, "SELECT cust, customer_id, event FROM event_rows ORDER BY cust, ts, seq")
    assert rows == [
        (1, "a10", "a10_early"), (1, "a10", "a10_late"), (2, "a9", "anon_visit"), (2, "a9", "login"),
        (3, "b", "b1"), (4, "ck-2", "lost"),
    ]
    assert rows == query_store(ws, "SELECT cust, customer_id, event FROM event_rows")  # the physical order too
    # A second ingest with a customer that sorts first renumbers everyone.
    more = tmp_path / "more.csv"
    more.write_text("customer_id,ts,event\na0,2025-01-03 10:00:00,first\n", encoding="utf-8")
    ingest_events(ws, [more], quiet=True, now=NOW)
    assert query_store(ws, "SELECT DISTINCT cust, customer_id FROM event_rows ORDER BY cust") == [
        (1, "a0"), (2, "a10"), (3, "a9"), (4, "b"), (5, "ck-2")]


def test_events_view_does_not_show_cust(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event\nc1,2025-01-01 10:00:00,view\n", encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    assert [(n, t) for n, t, *_ in query_store(ws, "DESCRIBE events")] == list(EVENT_COLUMNS)


def test_a_store_without_cust_gets_it_and_still_deduplicates(ws: Workspace, tmp_path: Path) -> None:
    path = store_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    cols = ", ".join(f"{n} {t}" for n, t in EVENT_COLUMNS[:-1])
    con.execute(f"CREATE TABLE event_rows ({cols}, properties_json VARCHAR)")
    con.execute("""INSERT INTO event_rows VALUES
        ('c1', '2025-01-01 10:00:00', 'view', 'web', 'shop', NULL, 'c1', 'e1', 1, '{}'),
        ('c2', '2025-01-01 11:00:00', 'buy', 'web', 'shop', NULL, 'c2', 'e2', 2, '{}')""")
    con.close()
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event,event_id\nc1,2025-01-01 10:00:00,view,e1\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)  # nothing new: the table is not rebuilt
    assert (report.read, report.stored, report.duplicates, report.events) == (1, 0, 1, 2)
    assert query_store(ws, "SELECT cust, customer_id FROM event_rows") == [(1, "c1"), (2, "c2")]
    assert _generation(ws) is not None


def test_every_committed_ingest_gets_a_new_generation(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event,event_id\nc1,2025-01-01 10:00:00,view,e1\n", encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    first = _generation(ws)
    assert first is not None and len(first) == 32
    ingest_events(ws, [src], quiet=True, now=NOW)  # adds nothing, but commits
    second = _generation(ws)
    assert second is not None and second != first
    backend = connect(ws)  # an Ibis backend works too
    try:
        assert store_generation(backend) == second
    finally:
        backend.disconnect()


def test_a_failed_ingest_keeps_the_generation(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event\nc1,2025-01-01 10:00:00,view\n", encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    before = _generation(ws)

    def boom(*_args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest_mod, "resolve_identities", boom)
    other = tmp_path / "other.csv"
    other.write_text("customer_id,ts,event\nc2,2025-01-01 10:00:00,view\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        ingest_events(ws, [other], quiet=True, now=NOW)
    assert _generation(ws) == before


def test_no_generation_without_the_table() -> None:
    con = duckdb.connect()
    try:
        assert store_generation(con) is None
    finally:
        con.close()
