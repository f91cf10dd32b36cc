"""CSV records are counted apart from the parser: an unclosed quote loses one record, not the rest of the file.

Every expectation is counted from the rows the test writes, not from what the reader returns.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.events.csvparts import UNCLOSED, physical_lines, record_items
from journeymap.events.ingest import ingest_events
from journeymap.events.quarantine import list_quarantine
from journeymap.model.workspace import Workspace

from .conftest import query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEADER = "customer_id,ts,event\n"


def _row(i: int) -> str:
    return f"c{i},2025-03-01 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},e{i}\n"


def _stored_customers(ws: Workspace) -> set[str]:
    return {c for (c,) in query_store(ws, "SELECT customer_id FROM events")}


def test_an_unclosed_quote_loses_only_its_own_record(ws: Workspace, tmp_path: Path) -> None:
    n, bad = 30_000, 25_001
    rows = [_row(i) for i in range(1, n + 1)]
    rows[bad - 1] = f'c{bad},2025-03-01 10:00:00,"never closed\n'
    src = tmp_path / "big.csv"
    src.write_text(HEADER + "".join(rows), encoding="utf-8")

    report = ingest_events(ws, [src], quiet=True, now=NOW)

    assert (report.read, report.stored, report.quarantined, report.duplicates) == (n, n - 1, 1, 0)
    assert _stored_customers(ws) == {f"c{i}" for i in range(1, n + 1) if i != bad}
    (q,) = list_quarantine(ws)
    assert (q.line, q.reason) == (bad + 1, "malformed row")  # +1: the header is line 1
    raw = json.loads(q.raw)
    assert raw["line_text"] == f'c{bad},2025-03-01 10:00:00,"never closed'
    assert raw["error"] == UNCLOSED


def test_a_small_file_with_an_unclosed_quote_is_read(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "small.csv"
    src.write_text(HEADER + _row(1) + 'c2,2025-03-01 10:00:00,"oops\n' + _row(3) + _row(4), encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (4, 3, 1)
    assert _stored_customers(ws) == {"c1", "c3", "c4"}
    assert [(q.line, q.reason) for q in list_quarantine(ws)] == [(3, "malformed row")]


def test_two_unclosed_quotes_each_lose_one_record(ws: Workspace, tmp_path: Path) -> None:
    rows = [_row(i) for i in range(1, 11)]
    rows[2] = 'c3,2025-03-01 10:00:00,"one\n'
    rows[6] = 'c7,2025-03-01 10:00:00,"two\n'
    src = tmp_path / "two.csv"
    src.write_text(HEADER + "".join(rows), encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (10, 8, 2)
    assert sorted(q.line for q in list_quarantine(ws)) == [4, 8]
    assert _stored_customers(ws) == {f"c{i}" for i in range(1, 11)} - {"c3", "c7"}


def test_line_numbers_after_blank_lines_and_quoted_line_breaks(ws: Workspace, tmp_path: Path) -> None:
    lines = [
        "customer_id,ts,event,note",                       # 1
        "c1,2025-03-01 10:00:00,view,plain",                # 2
        "",                                                 # 3 blank
        'c2,2025-03-01 10:01:00,view,"two',                 # 4 a record over two lines
        'lines"',                                           # 5
        "c3,not a time,view,x",                             # 6 quarantined: unparsable time
        "",                                                 # 7 blank
        "",                                                 # 8 blank
        "c4,2025-03-01 10:02:00,view,x,extra",              # 9 quarantined: malformed (one column too many)
        'c5,2025-03-01 10:03:00,view,"a ""quoted""',        # 10
        'and more"',                                        # 11
        ",2025-03-01 10:04:00,view,x",                      # 12 quarantined: missing customer id
    ]
    src = tmp_path / "events.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (6, 3, 3)
    got = sorted((q.line, q.reason) for q in list_quarantine(ws))
    assert got == [(6, "unparsable time"), (9, "malformed row"), (12, "missing customer id")]
    notes = dict(query_store(ws, "SELECT customer_id, properties['note'] FROM events"))
    assert notes == {"c1": "plain", "c2": "two\nlines", "c5": 'a "quoted"\nand more'}


def test_record_items_follow_quote_parity(tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    src.write_bytes(b'a,b\n\n"x\ny",1\r\n\r\n"q""",2\nlast')
    # header(1), blank(2), record over 3-4, blank(5), record 6, record 7 without a newline
    assert record_items(src) == [(1, False), (2, True), (3, False), (5, True), (6, False), (7, False)]
    assert physical_lines(src) == 7


def test_mixed_line_ends_are_read(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "mixed.csv"
    src.write_bytes(b"customer_id,ts,event\r\n" + b"c1,2025-03-01 10:00:00,a\r\n" + b"c2,2025-03-01 10:01:00,b\n"
                    + b"c3,bad time,c\r\n" + b"c4,2025-03-01 10:03:00,d\n")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (4, 3, 1)
    assert _stored_customers(ws) == {"c1", "c2", "c4"}
    assert [(q.line, q.reason) for q in list_quarantine(ws)] == [(4, "unparsable time")]
    assert dict(query_store(ws, "SELECT customer_id, event FROM events")) == {"c1": "a", "c2": "b", "c4": "d"}


def test_a_two_megabyte_field_is_stored_whole(ws: Workspace, tmp_path: Path) -> None:
    big = "x" * 2_000_000
    src = tmp_path / "wide.csv"
    src.write_text("customer_id,ts,event,blob\n" + f"c1,2025-03-01 10:00:00,view,{big}\n"
                   + f"c2,2025-03-01 10:00:00,view,{big},extra\n", encoding="utf-8")
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (2, 1, 1)
    ((blob,),) = query_store(ws, "SELECT properties['blob'] FROM events")
    assert blob == big
    (q,) = list_quarantine(ws)
    assert q.line == 3
    assert json.loads(q.raw)["line_text"] == f"c2,2025-03-01 10:00:00,view,{big},extra"  # whole, not cut


def test_a_latin1_row_keeps_its_bytes(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "latin1.csv"
    src.write_bytes(HEADER.encode() + b"c1,2025-03-01 10:00:00,caf\xe9view\n" + _row(2).encode())
    report = ingest_events(ws, [src], quiet=True, now=NOW)
    assert (report.read, report.stored, report.quarantined) == (2, 1, 1)
    (q,) = list_quarantine(ws)
    assert (q.line, q.reason) == (2, "invalid UTF-8")
    assert json.loads(q.raw)["line_text"] == "c1,2025-03-01 10:00:00,caf\\xe9view"


def test_a_truncated_gzip_is_one_clear_error_and_stores_nothing(ws: Workspace, tmp_path: Path) -> None:
    whole = gzip.compress((HEADER + "".join(_row(i) for i in range(1, 5001))).encode())
    src = tmp_path / "cut.csv.gz"
    src.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(JourneymapError) as err:
        ingest_events(ws, [src], quiet=True, now=NOW)
    text = str(err.value)
    assert "cut.csv.gz" in text and "complete" in text
    assert "\n" not in text and "SELECT" not in text


def test_a_gzip_file_counts_the_same_as_the_plain_one(ws_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [_row(i) for i in range(1, 101)]
    rows[40] = 'c41,2025-03-01 10:00:00,"open\n'
    text = HEADER + "".join(rows)
    plain, packed = tmp_path / "e.csv", tmp_path / "e2.csv.gz"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode()))
    a = ingest_events(ws_factory("a"), [plain], quiet=True, now=NOW)
    b = ingest_events(ws_factory("b"), [packed], quiet=True, now=NOW)
    assert (a.read, a.stored, a.quarantined) == (b.read, b.stored, b.quarantined) == (100, 99, 1)
