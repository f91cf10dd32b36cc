"""The store's physical layout: properties as JSON text behind the ``events`` view, journey order, old stores."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from journeymap.events.ingest import ingest_events
from journeymap.events.store import EVENT_COLUMNS, store_path
from journeymap.model.workspace import Workspace

from .conftest import STITCH_CSV, query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_events_view_has_the_adr_columns_and_types(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event,plan\nc1,2025-01-01 10:00:00,view,gold\n", encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    described = [(name, typ) for name, typ, *_ in query_store(ws, "DESCRIBE events")]
    assert described == list(EVENT_COLUMNS)
    assert query_store(ws, "SELECT properties_json FROM event_rows") == [('{"plan":"gold"}',)]


def test_awkward_property_names_and_values_round_trip(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.parquet"
    pq.write_table(pa.table({
        "customer_id": ["c1", "c2"],
        "ts": pa.array([dt.datetime(2025, 6, 1, 12, 0)] * 2, pa.timestamp("us")),
        "event": ["view", "buy"],
        'say "hi"': ['a "quoted" \\ value', None],
        "größe": ["ß€😀", "x"],
        "n": pa.array([3, None], pa.int64()),
        "ok": pa.array([True, False]),
        "line": ["two\nlines\ttab", ""],
    }), src)
    ingest_events(ws, [src], quiet=True, now=NOW)
    props = dict(query_store(ws, "SELECT customer_id, properties FROM events"))
    # Expected by hand: NULLs left out, empty strings kept, every value as text.
    assert props == {
        "c1": {'say "hi"': 'a "quoted" \\ value', "größe": "ß€😀", "n": "3", "ok": "true", "line": "two\nlines\ttab"},
        "c2": {"größe": "x", "ok": "false", "line": ""},
    }


def test_a_query_without_properties_reads_no_json(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event,plan\nc1,2025-01-01 10:00:00,view,gold\n", encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    plan = "\n".join(str(r[1]) for r in query_store(ws, "EXPLAIN SELECT customer_id, count(*) FROM events GROUP BY 1"))
    assert "customer_id" in plan
    assert "properties_json" not in plan and "json" not in plan.lower()


def test_stitched_rows_sort_with_their_customer_in_text_order(ws: Workspace, tmp_path: Path) -> None:
    # Text order of the ids: a10 < a9 < b (not numeric order). ck-1 is a9's cookie; its anonymous
    # visit (before a9 logged in) must sit inside a9's journey, ck-2 stays its own journey.
    src = tmp_path / "e.csv"
    src.write_text(STITCH_CSV, encoding="utf-8")
    ingest_events(ws, [src], quiet=True, now=NOW)
    assert [(c, e) for c, e in query_store(ws, "SELECT customer_id, event FROM events")] == [
        ("a10", "a10_early"), ("a10", "a10_late"), ("a9", "anon_visit"), ("a9", "login"), ("b", "b1"),
        ("ck-2", "lost"),
    ]


def test_physical_order_holds_across_row_groups_and_threads(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(timezone="UTC")
    rng = random.Random(7)
    n = 300_000  # several row groups, so a parallel insert could interleave sorted runs
    customers = [f"u{rng.randrange(5000)}" for _ in range(n)]
    seconds = [rng.randrange(86_400 * 30) for _ in range(n)]
    base = dt.datetime(2025, 1, 1)
    src = tmp_path / "big.parquet"
    pq.write_table(pa.table({
        "customer_id": customers,
        "ts": pa.array([base + dt.timedelta(seconds=s) for s in seconds], pa.timestamp("us")),
        "event": [f"e{i}" for i in range(n)],  # rows without an event id are deduplicated on content
    }), src)
    ingest_events(ws, [src], quiet=True, now=NOW, threads=2)
    stored = query_store(ws, "SELECT customer_id, ts, seq FROM events")
    # Independently: Python's sort of the source rows by (customer, time, position in the file).
    expected = sorted((c, base + dt.timedelta(seconds=s), i + 1) for i, (c, s) in enumerate(zip(customers, seconds, strict=True)))
    assert stored == expected


def test_a_store_in_the_old_layout_is_converted_and_still_deduplicates(ws: Workspace, tmp_path: Path) -> None:
    path = store_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    cols = ", ".join(f"{name} {typ}" for name, typ in EVENT_COLUMNS)
    con.execute(f"CREATE TABLE events ({cols})")
    con.execute("CREATE TABLE quarantine (source_file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR, "
                "ingested_at TIMESTAMP)")
    con.execute("""INSERT INTO events VALUES
        ('c1', '2025-01-01 10:00:00', 'view', 'web', 'shop', NULL, 'c1', 'e1', 1, MAP {'plan': 'gold'}),
        ('c1', '2025-01-01 11:00:00', 'buy', 'web', 'shop', NULL, 'c1', 'e2', 2, MAP {})""")
    con.close()
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event,event_id\nc1,2025-01-01 10:00:00,view,e1\nc0,2025-01-01 12:00:00,view,e3\n",
                   encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.duplicates, report.events) == (2, 1, 1, 3)
    assert query_store(ws, "SELECT customer_id, event_id, seq, properties FROM events") == [
        ("c0", "e3", 4, {}),  # seq continues after the old store's highest (2), from the file's second row
        ("c1", "e1", 1, {"plan": "gold"}),
        ("c1", "e2", 2, {}),
    ]
    assert query_store(ws, "SELECT table_type FROM information_schema.tables WHERE table_name = 'events'") == [("VIEW",)]


def test_journey_order_holds_for_stitched_rows_across_two_ingests(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(timezone="UTC")
    # Stitched cookies join their customer's journey, and a second file merges with the stored rows.
    rng = random.Random(11)
    base = dt.datetime(2025, 1, 1)
    rows: list[tuple[str, str, int]] = []  # (customer_id or "", anonymous_id or "", seconds)
    for _ in range(600):
        c = f"c{rng.randrange(60)}"
        if rng.random() < 0.3:  # an anonymous visit on the customer's cookie, stitched by a login row below
            rows.append(("", f"ck-{c}", rng.randrange(86_400)))
        rows.append((c, f"ck-{c}" if rng.random() < 0.5 else "", rng.randrange(86_400)))
    lines = ["customer_id,anonymous_id,ts,event"] + [
        f"{c},{a},{base + dt.timedelta(seconds=s)},e{i}" for i, (c, a, s) in enumerate(rows)]
    half = len(lines) // 2
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    second.write_text("\n".join([lines[0], *lines[half:]]) + "\n", encoding="utf-8")
    ingest_events(ws, [first], quiet=True, now=NOW)
    ingest_events(ws, [second], quiet=True, now=NOW)
    # Independently: every row's customer (a cookie belongs to the customer named in it), sorted in Python.
    # seq counts the data lines in file order across both files, 1-based.
    stitched = {a: c for c, a, _ in rows if c and a}
    expected = sorted((c or stitched.get(a, a), base + dt.timedelta(seconds=s), i + 1)
                      for i, (c, a, s) in enumerate(rows))
    assert query_store(ws, "SELECT customer_id, ts, seq FROM events") == expected
