"""The ingest reads each source twice: narrow check rows first, the canonical rows straight into the sort.

Both passes come from the same expressions, so what the check rows decide (usable or not, duplicate
or not) must hold for the rows the sort stores; these tests pin the places where the two could part.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeymap.errors import JourneymapError
from journeymap.events import ingest as ingest_mod
from journeymap.events import order
from journeymap.events.ingest import ingest_events
from journeymap.events.quarantine import list_quarantine

from .conftest import query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_padding_is_trimmed_and_blank_values_count_as_missing(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(timezone="UTC")
    src = tmp_path / "padded.parquet"
    pq.write_table(pa.table({
        "customer_id": ["  c1  ", "c2", "   ", "c3", "", " c 4"],
        "anonymous_id": [None, " ", None, "k 1 ", "", None],
        "ts": ["2025-01-01 10:00:00", " 2025-01-01 11:00:00 ", "2025-01-01 12:00:00", "2025-01-01 13:00:00",
               "2025-01-01 14:00:00", "   "],
        "event": ["view", " add to cart ", "view", "  ", "view", "view"],
        "channel": [" WEB", "App ", None, "web", "web", "web"],
    }), src)
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    # Row 3: only blanks for both ids; row 4: a blank event; row 5: empty ids; row 6: a blank time.
    assert report.reasons == {"missing customer id": 2, "empty event name": 1, "missing time": 1}
    assert (report.read, report.stored) == (6, 2)
    assert query_store(ws, "SELECT customer_id, anonymous_id, raw_customer_id, ts, event, channel FROM events") == [
        ("c1", None, "c1", dt.datetime(2025, 1, 1, 10, 0), "view", "web"),
        ("c2", None, "c2", dt.datetime(2025, 1, 1, 11, 0), "add to cart", "app"),
    ]
    assert sorted((q.line, q.reason) for q in list_quarantine(ws)) == [
        (3, "missing customer id"), (4, "empty event name"), (5, "missing customer id"), (6, "missing time")]


def test_rows_without_event_ids_are_deduplicated_on_the_same_hash_in_both_passes(ws_factory,  # type: ignore[no-untyped-def]
                                                                                 tmp_path: Path) -> None:
    # Same customer, time and event, told apart only by a property: two events, not duplicates. A
    # padded copy of the first row normalises to the same row, so it is one.
    ws = ws_factory(timezone="UTC")
    src = tmp_path / "nohash.csv"
    src.write_text("customer_id,ts,event,plan\n"
                   "c1,2025-01-01 10:00:00,view,basic\n"
                   "c1,2025-01-01 10:00:00,view,pro\n"
                   " c1 ,2025-01-01 10:00:00, view ,basic\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.duplicates) == (3, 2, 1)
    assert query_store(ws, "SELECT seq, properties['plan'] FROM events") == [(1, "basic"), (2, "pro")]
    assert ingest_events(ws, [src], quiet=True, now=NOW).duplicates == 3


def test_sources_without_extra_columns_and_with_them_encode_together(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The property values the sort encodes come from each source's distinct column combinations; a source
    # with no extra columns contributes '{}'.
    monkeypatch.setattr(order, "FORCE_ENCODING", True)
    ws = ws_factory(timezone="UTC")
    plain, rich = tmp_path / "plain.csv", tmp_path / "rich.csv"
    plain.write_text("customer_id,ts,event\nc1,2025-01-01 10:00:00,view\n", encoding="utf-8")
    rich.write_text("customer_id,ts,event,plan,seats\nc1,2025-01-01 09:00:00,view,pro,3\n"
                    "c2,2025-01-01 09:00:00,view,,2\n", encoding="utf-8")
    ingest_events(ws, [plain, rich], quiet=True, now=NOW)
    assert query_store(ws, "SELECT customer_id, properties_json FROM event_rows") == [
        ("c1", '{"plan":"pro","seats":"3"}'), ("c1", "{}"), ("c2", '{"seats":"2"}')]


def test_the_check_rows_are_gone_before_the_sort(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The sort gets the memory: when it starts, only small temporary tables are left.
    seen: list[list[tuple[str, int]]] = []
    real = ingest_mod.write_ordered

    def spy(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(con.execute("SELECT table_name, estimated_size FROM duckdb_tables() WHERE temporary "
                                "ORDER BY table_name").fetchall())
        return real(con, *args, **kwargs)

    monkeypatch.setattr(ingest_mod, "write_ordered", spy)
    ws = ws_factory(timezone="UTC")
    src = tmp_path / "e.parquet"  # read in place (a CSV file is staged as a table, which the sort reads)
    pq.write_table(pa.table({"customer_id": [f"c{i % 50}" for i in range(2000)],
                             "anonymous_id": [f"k{i % 70}" for i in range(2000)],
                             "ts": pa.array([dt.datetime(2025, 1, 1, i % 24) for i in range(2000)], pa.timestamp("us")),
                             "event": ["view"] * 2000}), src)
    ingest_events(ws, [src], quiet=True, now=NOW)
    (tables,) = seen
    names = [name for name, _ in tables]
    assert "__chk" not in names and "__ids" in names
    assert max(size for _, size in tables) <= 350  # the id pairs (350 here), the stitching, the dropped rows


def test_a_parquet_file_that_changes_between_the_passes_is_not_stored(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Parquet is read in place, once to check and once to sort: a file rewritten in between could put
    # unchecked rows in the store, so the ingest is undone and says why.
    ws = ws_factory(timezone="UTC")
    first, src = tmp_path / "first.csv", tmp_path / "e.parquet"
    first.write_text("customer_id,ts,event\nc0,2025-01-01 09:00:00,view\n", encoding="utf-8")
    ingest_events(ws, [first], quiet=True, now=NOW)
    before = query_store(ws, "SELECT * FROM event_rows"), query_store(ws, "SELECT value FROM store_meta")

    def table(customers: list[str | None]) -> pa.Table:
        return pa.table({"customer_id": customers, "ts": pa.array([dt.datetime(2025, 1, 1)] * len(customers),
                                                                  pa.timestamp("us")),
                         "event": ["view"] * len(customers)})

    pq.write_table(table(["c1", "c2"]), src)
    real = ingest_mod.write_ordered

    def rewrite_then_sort(*args, **kwargs):  # type: ignore[no-untyped-def]
        pq.write_table(table(["c1", None, "c3"]), src)  # a row without ids would now be stored
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_mod, "write_ordered", rewrite_then_sort)
    with pytest.raises(JourneymapError, match=r"e\.parquet changed while it was being ingested; the store is unchanged"):
        ingest_events(ws, [src], quiet=True, now=NOW)
    assert (query_store(ws, "SELECT * FROM event_rows"), query_store(ws, "SELECT value FROM store_meta")) == before
    monkeypatch.undo()
    assert ingest_events(ws, [src], quiet=True, now=NOW).quarantined == 1
