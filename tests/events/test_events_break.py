"""What a break test found: column names like ours, overlapping exports, placeholder times, odd epochs and ids.

Each expectation is counted by hand from the planted rows.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeymap.events.ingest import ingest_events
from journeymap.events.quarantine import list_quarantine
from journeymap.model.workspace import Workspace

from .conftest import query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

#: Every name our SQL gives a column of its own; a source column may carry any of them.
OURS = ["__eid", "__cust", "__event", "__anon", "__channel", "__source", "__bad", "__reason", "__line", "__raw",
        "__n", "__ts", "__seq", "__props", "__src", "file_row_number"]


def _collision_rows() -> list[dict[str, str]]:
    return [{"customer_id": f"c{i}", "ts": f"2025-02-0{i} 10:00:00", "event": "view",
             **{name: f"x{i}" for name in OURS}} for i in (1, 2, 3)]


def _check_collisions_are_data(ws: Workspace, report_read: int, report_stored: int) -> None:
    assert (report_read, report_stored) == (3, 3)
    got = query_store(ws, "SELECT customer_id, event, properties FROM events ORDER BY customer_id")
    assert [(c, e) for c, e, _ in got] == [("c1", "view"), ("c2", "view"), ("c3", "view")]
    # our names stay the user's data: every one of them is a property, with the value of its row
    for cid, _, props in got:
        i = cid[1:]
        assert props == {name: f"x{i}" for name in OURS}


def test_csv_columns_named_like_ours_are_only_data(ws: Workspace, tmp_path: Path) -> None:
    rows = _collision_rows()
    src = tmp_path / "events.csv"
    header = list(rows[0])
    src.write_text(",".join(header) + "\n" + "".join(",".join(r[h] for h in header) + "\n" for r in rows),
                   encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    _check_collisions_are_data(ws, report.read, report.stored)


def test_jsonl_keys_named_like_ours_are_only_data(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in _collision_rows()), encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    _check_collisions_are_data(ws, report.read, report.stored)


def test_parquet_columns_named_like_ours_are_only_data(ws: Workspace, tmp_path: Path) -> None:
    rows = _collision_rows()
    src = tmp_path / "events.parquet"
    pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), src)
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    _check_collisions_are_data(ws, report.read, report.stored)


def test_a_quarantined_row_with_our_column_names_keeps_them_in_its_raw_text(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_text("customer_id,ts,event,__line,__reason\nc1,not a time,view,7,fine\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.quarantined) == (1, 1)
    (q,) = list_quarantine(ws)
    assert (q.line, q.reason) == (2, "unparsable time")
    assert json.loads(q.raw) == {"customer_id": "c1", "ts": "not a time", "event": "view", "__line": "7",
                                 "__reason": "fine"}


def _export(path: Path, days: range) -> Path:
    lines = [f"c{d % 7},2025-01-{d:02d} 1{h}:00:00,ev{h}\n" for d in days for h in range(5)]
    path.write_text("customer_id,ts,event\n" + "".join(lines), encoding="utf-8")
    return path


def test_overlapping_exports_without_event_ids_are_stored_once(ws: Workspace, tmp_path: Path) -> None:
    jan = _export(tmp_path / "jan.csv", range(1, 21))        # days 1–20: 100 rows
    jan_feb = _export(tmp_path / "jan_feb.csv", range(11, 31))  # days 11–30: 100 rows, 50 of them in jan.csv
    first = ingest_events(ws, [jan], quiet=True, now=NOW)
    second = ingest_events(ws, [jan_feb], quiet=True, now=NOW)
    assert (first.stored, first.duplicates) == (100, 0)
    assert (second.read, second.stored, second.duplicates) == (100, 50, 50)
    assert query_store(ws, "SELECT count(*) FROM events") == [(150,)]


def test_a_renamed_copy_or_the_gzip_of_an_ingested_file_adds_nothing(ws: Workspace, tmp_path: Path) -> None:
    src = _export(tmp_path / "events.csv", range(1, 11))
    copy = tmp_path / "renamed.csv"
    shutil.copy(src, copy)
    gz = tmp_path / "events.csv.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    ingest_events(ws, [src], quiet=True, now=NOW)
    again = ingest_events(ws, [copy, gz], quiet=True, now=NOW)
    assert (again.read, again.stored, again.duplicates) == (100, 0, 100)
    assert query_store(ws, "SELECT count(*) FROM events") == [(50,)]


def test_keep_duplicates_stores_identical_rows_as_repeats(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "clicks.csv"
    src.write_text("customer_id,ts,event\nc1,2025-01-01 10:00:00,click\nc1,2025-01-01 10:00:00,click\n"
                   "c1,2025-01-01 10:00:00,click\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW, keep_duplicates=True)
    assert (report.read, report.stored, report.duplicates) == (3, 3, 0)
    # a second ingest of the same file is still the same file: its rows are in the store already
    again = ingest_events(ws, [src], quiet=True, now=NOW, keep_duplicates=True)
    assert (again.stored, again.duplicates) == (0, 3)
    assert query_store(ws, "SELECT count(*) FROM events") == [(3,)]


def test_keep_duplicates_still_drops_repeated_event_ids(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("event_id,customer_id,ts,event\ne1,c1,2025-01-01 10:00:00,click\n"
                   "e1,c1,2025-01-01 10:00:00,click\ne2,c1,2025-01-01 10:00:00,click\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW, keep_duplicates=True)
    assert (report.stored, report.duplicates) == (2, 1)


PLACEHOLDERS = ["-infinity", "infinity", "epoch", "0001-01-01", "1900-01-01 00:00:00", "1970-01-01 00:00:00"]


def test_placeholder_times_are_quarantined_as_out_of_range(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    body = "".join(f"c{i},{t},view\n" for i, t in enumerate(PLACEHOLDERS)) + "ok,2025-01-01 10:00:00,view\n"
    src.write_text("customer_id,ts,event\n" + body, encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (7, 1, 6)
    assert report.reasons == {"time out of range": 6}


def test_the_earliest_time_is_configurable(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = ws_factory(extra="events:\n  earliest: 2020-01-01\n")
    src = tmp_path / "events.csv"
    src.write_text("customer_id,ts,event\nc1,2019-12-31 10:00:00,view\nc1,2020-01-02 10:00:00,view\n",
                   encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.stored, report.reasons) == (1, {"time out of range": 1})


def test_epochs_in_seconds_milli_micro_and_nanoseconds(ws: Workspace, tmp_path: Path) -> None:
    instant = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    s = int(instant.timestamp())
    values = [s, s * 1000, s * 1_000_000, s * 1_000_000_000]
    csv_src = tmp_path / "epochs.csv"
    csv_src.write_text("customer_id,ts,event\n" + "".join(f"t{i},{v},view\n" for i, v in enumerate(values)),
                       encoding="utf-8")
    pq_src = tmp_path / "epochs.parquet"
    pq.write_table(pa.table({"customer_id": [f"p{i}" for i in range(4)], "ts": pa.array(values, pa.int64()),
                             "event": ["view"] * 4}), pq_src)
    report = ingest_events(ws, [csv_src, pq_src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (8, 8, 0)
    assert {t for (t,) in query_store(ws, "SELECT DISTINCT ts FROM events")} == {instant.replace(tzinfo=None)}


def test_nan_and_infinite_numbers_are_missing_not_text(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.parquet"
    pq.write_table(pa.table({
        "customer_id": pa.array([1.0, math.nan, math.inf, None], pa.float64()),
        "ts": pa.array([1.74e9, 1.74e9, 1.74e9, math.nan], pa.float64()),
        "event": ["view"] * 4,
    }), src)
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored) == (4, 1)
    assert report.reasons == {"missing customer id": 3}
    assert query_store(ws, "SELECT customer_id FROM events") == [("1.0",)]


def test_a_nan_time_is_unparsable(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.parquet"
    pq.write_table(pa.table({"customer_id": ["a", "b"], "ts": pa.array([math.nan, 1.74e9], pa.float64()),
                             "event": ["view", "view"]}), src)
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.stored, report.reasons) == (1, {"unparsable time": 1})


def test_a_nested_id_is_a_wrong_type_not_a_missing_one(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    src.write_text('{"customer_id": {"id": 7}, "ts": "2025-01-01 10:00:00", "event": "view"}\n'
                   '{"customer_id": [7], "ts": "2025-01-01 10:00:00", "event": "view"}\n'
                   '{"customer_id": "7", "ts": "2025-01-01 10:00:00", "event": "view"}\n', encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.stored, report.reasons) == (1, {"wrong type": 2})


def test_reingest_from_another_working_directory_adds_no_quarantine(ws: Workspace, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "events.csv").write_text("customer_id,ts,event\nc1,soon,view\nc1,2025-01-01 10:00:00,view\n",
                                     encoding="utf-8")
    monkeypatch.chdir(data)
    ingest_events(ws, ["events.csv"], quiet=True, now=NOW)
    monkeypatch.chdir(tmp_path)
    again = ingest_events(ws, ["data/events.csv"], quiet=True, now=NOW)
    assert (again.quarantined, again.duplicates) == (1, 1)
    assert len(list_quarantine(ws)) == 1


def test_redact_removes_every_credential_form() -> None:
    from journeymap.events.postgres import redact

    cases = {
        "postgresql://u:S3CRET@h:5432/db": "postgresql://u:***@h:5432/db",
        "postgresql://h/db?user=u&password=S3CRET&sslmode=require": "postgresql://h/db?user=u&password=***&sslmode=require",
        "postgres://u@h/db?sslpassword=S3CRET": "postgres://u@h/db?sslpassword=***",
        "host=h user=u password=S3CRET dbname=db": "host=h user=u password=*** dbname=db",
        "host=h password='S3 CRET' dbname=db": "host=h password=*** dbname=db",
        "postgresql://u@h/db": "postgresql://u@h/db",
    }
    for url, want in cases.items():
        assert redact(url) == want


def test_json_lines_with_an_empty_key_a_slash_key_and_carriage_returns(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    src.write_bytes(b'{"customer_id": "a", "ts": "2025-01-01 10:00:00", "event": "view", "": "e", "a/b~c": 1}\r\n'
                    b'{"customer_id": "b", "ts": "2025-01-01 10:00:00", "event": "raw\rreturn"}\n'
                    b'\r\n'
                    b'{"customer_id": "c", "ts": "2025-01-01 10:00:00", "event": "view", "note": "escaped \\r"}\n')
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    # line 2 holds a raw carriage return inside a string: invalid JSON (RFC 8259 wants it escaped), and it
    # neither splits the line nor shifts the line numbers after it; line 3 is blank, no record
    assert (report.read, report.stored, report.reasons) == (3, 2, {"invalid JSON": 1})
    assert [(q.line, q.reason) for q in list_quarantine(ws)] == [(2, "invalid JSON")]
    got = query_store(ws, "SELECT customer_id, properties FROM events ORDER BY customer_id")
    assert got == [("a", {"": "e", "a/b~c": "1"}), ("c", {"note": "escaped \r"})]


def test_ids_and_names_that_start_with_a_bracket_are_text(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_text("customer_id,ts,event\n"
                   "{3F2504E0-4F89-11D3-9A0C-0305E82C3301},2025-01-01 10:00:00,[beta] checkout\n"
                   "[7,2025-01-01 10:00:00,nan\n"
                   '"{""id"": 7}",2025-01-01 10:00:00,view\n'
                   "c1,2025-01-01 10:00:00,[1]\n"
                   "c2,2025-01-01 10:00:00,-1.5e3\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    # JSON objects and lists, and plain numbers as event names, are a wrong type; bracketed text is text
    assert (report.stored, report.reasons) == (2, {"wrong type": 3})
    assert sorted(query_store(ws, "SELECT customer_id, event FROM events")) == [
        ("[7", "nan"), ("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "[beta] checkout")]


def test_mixed_line_ends_with_a_quoted_field_before_a_bare_lf(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_bytes(b"customer_id,ts,event\r\nc0,2025-03-01 12:00:00,a\r\nc0,2025-03-01 12:00:00,b\r\n"
                    b'c0,2025-03-01 12:00:00,","\nc0,2025-03-01 12:00:00,d\r\n')
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (4, 4, 0)
    assert sorted(e for (e,) in query_store(ws, "SELECT event FROM events")) == [",", "a", "b", "d"]


def test_the_quarantine_listing_shows_control_characters_instead_of_obeying_them(ws: Workspace, tmp_path: Path,
                                                                                  run_cli) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "events.jsonl"
    src.write_bytes(b'{"customer_id": "a", "ts": "2025-01-01 10:00:00", "event": "x\x1b[2J\ry"}\n')
    ingest_events(ws, [src], quiet=True, now=NOW)
    res = run_cli("quarantine", "-w", str(ws.root))
    assert "\x1b" not in res.stdout and "\r" not in res.stdout
    assert '"event": "x\\x1b[2J\\ry"' in res.stdout


def test_invalid_utf8_before_an_unclosed_quote_loses_only_that_record(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_bytes(b'customer_id,ts,event\nc0,2025-03-01 12:00:00,caf\xe9","\nc0,2025-03-01 12:00:00,a\n'
                    b"c1,2025-03-01 12:00:00,b\n")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    assert [(q.line, q.reason) for q in list_quarantine(ws)] == [(2, "malformed row")]


def test_a_delimiter_inside_quoted_values_does_not_fool_the_guess(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    src.write_text('customer_id,ts,event\nc0,2025-03-01 12:00:00,";;"\nc1,2025-03-01 12:00:00,"a;b;c"\n',
                   encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored) == (2, 2)
    assert sorted(query_store(ws, "SELECT event FROM events")) == [(";;",), ("a;b;c",)]
