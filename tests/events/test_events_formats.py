"""Every input shape: delimiters, no header, gzip, Parquet, JSON lines, time zones, empty files."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeymap.errors import JourneymapError
from journeymap.events.ingest import ingest_events
from journeymap.events.quarantine import list_quarantine
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _rows(ws: Workspace, sql: str = "SELECT customer_id, ts, event FROM events") -> list[tuple]:  # type: ignore[type-arg]
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_semicolon_without_header_mapped_by_position(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "export.txt"
    src.write_text("c1;2025-03-01 10:00:00;view;web\nc2;2025-03-01 11:00:00;buy;app\n", encoding="utf-8")
    report = ingest_events(ws, [src], columns={"customer_id": "column0", "ts": "column1", "event": "column2",
                                               "channel": "column3"}, quiet=True, now=NOW)
    assert (report.read, report.stored) == (2, 2)
    assert report.sources[0].notes == ["delimiter ';', without header"]
    assert _rows(ws, "SELECT customer_id, ts, event, channel FROM events") == [
        ("c1", dt.datetime(2025, 3, 1, 9, 0), "view", "web"),
        ("c2", dt.datetime(2025, 3, 1, 10, 0), "buy", "app"),
    ]


def test_gzipped_csv_with_tabs(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.tsv.gz"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.write("customer_id\tts\tevent\n" + "".join(f"c{i}\t2025-05-0{i} 08:00:00\tview\n" for i in range(1, 6)))
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (5, 5, 0)
    assert _rows(ws, "SELECT count(DISTINCT customer_id) FROM events") == [(5,)]


def test_parquet_keeps_types_and_properties(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.parquet"
    pq.write_table(pa.table({
        "uid": pa.array([7, 8, None], pa.int64()),
        "when": pa.array([dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)] * 3, pa.timestamp("us", tz="UTC")),
        "event": ["view", "view", "view"],
        "amount": pa.array([1.5, None, 2.0]),
    }), src)
    report = ingest_events(ws, [src], columns={"customer_id": "uid", "ts": "when"}, quiet=True, now=NOW)
    assert (report.read, report.stored, report.reasons) == (3, 2, {"missing customer id": 1})
    assert _rows(ws, "SELECT customer_id, ts, properties FROM events") == [
        ("7", dt.datetime(2025, 6, 1, 12, 0), {"amount": "1.5"}),
        ("8", dt.datetime(2025, 6, 1, 12, 0), {}),
    ]
    (q,) = list_quarantine(ws)
    assert q.line == 3


def test_json_lines_with_bad_lines(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    src.write_text(
        '{"customer_id": "a", "ts": "2025-02-01T10:00:00Z", "event": "view", "page": "/home"}\n'
        "this is not json\n"
        "\n"
        '{"customer_id": {"id": 5}, "ts": "2025-02-01T10:00:00Z", "event": "view"}\n'
        '{"customer_id": 42, "ts": 1738404000, "event": "buy", "total": 12.5}\n',
        encoding="utf-8",
    )
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored) == (4, 2)  # the blank line is no row
    assert report.reasons == {"invalid JSON": 1, "wrong type": 1}
    assert {(q.line, q.reason) for q in list_quarantine(ws)} == {(2, "invalid JSON"), (4, "wrong type")}
    # 1738404000 is 2025-02-01 10:00:00 UTC (epoch seconds).
    assert _rows(ws, "SELECT customer_id, ts, event, properties FROM events ORDER BY event") == [
        ("42", dt.datetime(2025, 2, 1, 10, 0), "buy", {"total": "12.5"}),
        ("a", dt.datetime(2025, 2, 1, 10, 0), "view", {"page": "/home"}),
    ]


def test_time_zones(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "tz.csv"
    src.write_text(
        "customer_id,ts,event\n"
        "winter,2025-01-15 12:00:00,naive\n"          # CET: UTC+1
        "summer,2025-07-15 12:00:00,naive\n"          # CEST: UTC+2
        "zulu,2025-01-15T12:00:00Z,explicit\n"
        "offset,2025-01-15T12:00:00+05:00,explicit\n",
        encoding="utf-8",
    )
    ingest_events(ws, [src], quiet=True, now=NOW)
    assert dict((c, t) for c, t, _ in _rows(ws)) == {
        "winter": dt.datetime(2025, 1, 15, 11, 0),
        "summer": dt.datetime(2025, 7, 15, 10, 0),
        "zulu": dt.datetime(2025, 1, 15, 12, 0),
        "offset": dt.datetime(2025, 1, 15, 7, 0),
    }


def test_equal_timestamps_keep_source_order_across_files(ws: Workspace, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("customer_id,ts,event\nu,2025-01-01 10:00:00,c\nu,2025-01-01 10:00:00,a\n"
                     "u,2025-01-01 10:00:00,b\n", encoding="utf-8")
    second.write_text("customer_id,ts,event\nu,2025-01-01 10:00:00,z\nu,2025-01-01 09:00:00,early\n",
                      encoding="utf-8")
    ingest_events(ws, [first], quiet=True, now=NOW)
    ingest_events(ws, [second], quiet=True, now=NOW)
    assert [e for _, _, e in _rows(ws)] == ["early", "c", "a", "b", "z"]


def test_column_mapping_from_settings(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(extra="events:\n  columns:\n    customer_id: user\n    ts: time\n    event: what\n")
    src = tmp_path / "e.csv"
    src.write_text("user,time,what\nx,2025-01-01 00:00:00,view\n", encoding="utf-8")
    assert ingest_events(ws, [src], quiet=True, now=NOW).stored == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty: no rows to ingest"),
    (b"\n\n", "is empty: no rows to ingest"),
    (b"customer_id,ts,event\n", "has a header line but no rows to ingest"),
])
def test_empty_and_header_only_files(ws: Workspace, tmp_path: Path, content: bytes, message: str) -> None:
    src = tmp_path / "e.csv"
    src.write_bytes(content)
    with pytest.raises(JourneymapError, match=message):
        ingest_events(ws, [src], quiet=True, now=NOW)


def test_unknown_column_names_the_alternatives(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("user,time,event\nx,2025-01-01 00:00:00,view\n", encoding="utf-8")
    with pytest.raises(JourneymapError) as err:
        ingest_events(ws, [src], columns={"customer_id": "usr", "ts": "time"}, quiet=True, now=NOW)
    assert "no column 'usr' for 'customer_id' (from --columns); did you mean 'user'?" in err.value.message
    with pytest.raises(JourneymapError, match="no column for ts; map the source's columns with --columns ts="):
        ingest_events(ws, [src], columns={"customer_id": "user"}, quiet=True, now=NOW)


def test_wrong_delimiter_gives_a_mapping_message_and_no_store_change(ws: Workspace, tmp_path: Path,
                                                                      run_cli) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "e.csv"
    src.write_text("customer_id;ts;event\nx;2025-01-01 00:00:00;view\n", encoding="utf-8")
    res = run_cli("ingest", "events", str(src), "--delimiter", ",", "-w", str(ws.root), "-q")
    assert res.exit_code == 1
    assert "no column for customer_id, ts, event" in res.stderr
    assert "Traceback" not in res.output


def test_header_override_keeps_a_first_row_that_looks_like_names(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    # The first row has no date in it, so it would be taken for a header; --no-header says otherwise.
    src.write_text("alice,yesterday,view\nbob,2025-01-01 10:00:00,view\n", encoding="utf-8")
    report = ingest_events(ws, [src], columns={"customer_id": "column0", "ts": "column1", "event": "column2"},
                           header=False, quiet=True, now=NOW)
    assert (report.read, report.stored, report.reasons) == (2, 1, {"unparsable time": 1})
    assert [(q.line, q.reason) for q in list_quarantine(ws)] == [(1, "unparsable time")]


def test_quarantine_export_from_the_cli(ws: Workspace, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event\n,2025-01-01 10:00:00,view\nx,2025-01-01 10:00:00,view\n", encoding="utf-8")
    assert run_cli("ingest", "events", str(src), "-w", str(ws.root), "-q").exit_code == 0
    out = tmp_path / "q.jsonl"
    res = run_cli("quarantine", "--export", str(out), "-w", str(ws.root))
    assert res.exit_code == 0, res.output
    assert "Wrote 1 quarantined rows" in res.stdout
    assert '"reason":"missing customer id"' in out.read_text(encoding="utf-8")
    res = run_cli("quarantine", "--export", str(tmp_path / "q.xlsx"), "-w", str(ws.root))
    assert res.exit_code == 1
    assert "use a file ending in .csv, .jsonl, .ndjson" in res.stderr
