"""Journey ordering with text columns carried through the sort as temporary ENUMs (or as text when they do not repeat)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeymap.events import order
from journeymap.events.ingest import ingest_events
from journeymap.events.store import EVENT_COLUMNS

from .conftest import query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _source(tmp_path: Path, n: int, unique_props: bool) -> tuple[Path, list[tuple[str, dt.datetime, int, str, str | None, str]]]:
    rng = random.Random(5)
    base = dt.datetime(2025, 3, 1)
    customers = [f"u{rng.randrange(40)}" for _ in range(n)]
    times = [base + dt.timedelta(seconds=rng.randrange(86_400)) for _ in range(n)]
    events = [rng.choice(["View", "view", "a much longer event name ß€", "x"]) for _ in range(n)]
    channels = [rng.choice(["web", None, "app"]) for _ in range(n)]
    notes = [f"note {i}" if unique_props else rng.choice(["a", "ß€😀 quite a long property value", ""]) for i in range(n)]
    src = tmp_path / "e.parquet"
    pq.write_table(pa.table({"customer_id": customers, "ts": pa.array(times, pa.timestamp("us")), "event": events,
                             "channel": channels, "note": notes}), src)
    expected = sorted((c, t, i + 1, e, ch, note)
                      for i, (c, t, e, ch, note) in enumerate(zip(customers, times, events, channels, notes, strict=True)))
    return src, expected


@pytest.mark.parametrize("force", [False, True])
def test_encoded_columns_come_back_unchanged_and_in_journey_order(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch, force: bool) -> None:
    monkeypatch.setattr(order, "FORCE_ENCODING", force)
    ws = ws_factory(timezone="UTC")
    src, expected = _source(tmp_path, 3000, unique_props=False)
    ingest_events(ws, [src], quiet=True, now=NOW)
    rows = query_store(ws, "SELECT customer_id, ts, seq, event, channel, properties['note'] FROM events")
    assert rows == expected
    assert [(n, t) for n, t, *_ in query_store(ws, "DESCRIBE events")] == list(EVENT_COLUMNS)
    assert query_store(ws, "SELECT DISTINCT typeof(event), typeof(channel), typeof(properties_json) FROM event_rows") == [
        ("VARCHAR", "VARCHAR", "VARCHAR")]



def _spy_on_encoding(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The columns each ingest chooses to encode, with ``SMALL`` lowered to 10 (so 3000 distinct
    values in 3000 rows count as many)."""
    monkeypatch.setattr(order, "SMALL", 10)
    chosen: list[list[str]] = []
    real = order._encode
    monkeypatch.setattr(order, "_encode", lambda *a: chosen.append(real(*a)) or chosen[-1])
    return chosen


def test_text_that_does_not_repeat_travels_as_text(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = _spy_on_encoding(monkeypatch)
    ws = ws_factory(timezone="UTC")
    src, expected = _source(tmp_path, 3000, unique_props=True)
    ingest_events(ws, [src], quiet=True, now=NOW)
    assert chosen == [["event"]]  # event has long values and repeats; channel is short; the properties are unique
    assert query_store(ws, "SELECT customer_id, ts, seq, event, channel, properties['note'] FROM events") == expected


def test_reingest_merges_encoded_rows_with_stored_ones(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order, "FORCE_ENCODING", True)
    ws = ws_factory(timezone="UTC")
    src, expected = _source(tmp_path, 2000, unique_props=False)
    ingest_events(ws, [src], quiet=True, now=NOW)
    more = tmp_path / "more.csv"
    more.write_text("customer_id,ts,event,channel,note\nu0,2025-03-01 00:00:00,brand new event,sms,new value\n",
                    encoding="utf-8")
    report = ingest_events(ws, [more, src], quiet=True, now=NOW)
    assert (report.stored, report.duplicates) == (1, 2000)
    rows = query_store(ws, "SELECT customer_id, event, channel, properties['note'] FROM events WHERE event = 'brand new event'")
    assert rows == [("u0", "brand new event", "sms", "new value")]
    assert query_store(ws, "SELECT count(*) FROM events")[0][0] == 2001
    stored = query_store(ws, "SELECT customer_id, ts, seq FROM events")
    assert stored == sorted(stored)


def test_report_totals_match_a_scan_of_the_store(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The totals come from cust and the id-pair table; a plain scan of the rows must agree.
    ws = ws_factory(timezone="UTC")
    rng = random.Random(3)
    lines = ["customer_id,anonymous_id,ts,event"]
    for i in range(1500):
        c = f"c{rng.randrange(80)}" if rng.random() < 0.7 else ""
        a = f"k{rng.randrange(120)}" if (not c or rng.random() < 0.4) else ""
        if c and rng.random() < 0.05:
            a = c  # an anonymous id equal to the customer id links nothing
        lines.append(f"{c},{a},2025-01-01 {i % 24:02d}:{i % 60:02d}:00,e{i % 7}")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("\n".join(lines[:800]) + "\n", encoding="utf-8")
    second.write_text("\n".join([lines[0], *lines[800:]]) + "\n", encoding="utf-8")
    for src in (first, second, second):  # the last one adds nothing and rebuilds nothing
        report = ingest_events(ws, [src], quiet=True, now=NOW)
        scanned = query_store(ws, "SELECT count(*), count(DISTINCT customer_id), count(DISTINCT anonymous_id) "
                             "FILTER (WHERE customer_id <> anonymous_id) FROM events")[0]
        assert (report.events, report.customers, report.stitched_ids) == scanned
    assert report.stored == 0 and scanned[2] > 0


def test_a_small_reingest_looks_at_the_stored_rows_too(ws_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # One new row alone would make its unique property look encodable; the stored rows show otherwise.
    chosen = _spy_on_encoding(monkeypatch)
    ws = ws_factory(timezone="UTC")
    src, _ = _source(tmp_path, 3000, unique_props=True)
    ingest_events(ws, [src], quiet=True, now=NOW)
    more = tmp_path / "more.csv"
    more.write_text("customer_id,ts,event,note\nu1,2025-03-02 00:00:00,x,a fairly long and new property value\n",
                    encoding="utf-8")
    ingest_events(ws, [more], quiet=True, now=NOW)
    assert chosen == [["event"], ["event"]]
    assert query_store(ws, "SELECT count(*), count(DISTINCT properties_json) FROM event_rows") == [(3001, 3001)]
