"""Property tests: hostile CSV, JSON lines and Parquet files never lose a row or escape as a crash.

Hypothesis writes files from records whose fate the test knows before the ingest runs: a good record
(a customer, a sane time, an event) is stored unless an earlier record had the same content (then it is
a duplicate); a hostile one (no customer, a placeholder or unparsable time, a quote that never closes,
bytes that are not UTF-8, a line that is not a JSON object …) is quarantined. The test counts the records
it wrote, independently of any parser, and requires

* ``read`` = the records written, and ``read = stored + quarantined + duplicates``;
* stored, quarantined and duplicates each equal the test's own classification;
* the stored events are exactly the good records (customer, event) — nothing merged, nothing cut;
* nothing but a :class:`~journeymap.errors.JourneymapError` ever escapes.

Each run draws new examples; the counts are kept small so that the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymap.events.ingest import ingest_events
from journeymap.model.workspace import load_workspace

from .conftest import query_store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
#: Examples per test; JOURNEYMAP_PROPERTY_EXAMPLES=500 for a long hunt.
SETTINGS = settings(max_examples=int(os.environ.get("JOURNEYMAP_PROPERTY_EXAMPLES", "12")), deadline=None,
                    derandomize="JOURNEYMAP_PROPERTY_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow])

#: Text a field may hold: delimiters, quotes, our own column names, accents, emoji, a tab, brackets.
_ALPHABET = st.sampled_from(list('abcxyz019 ,;"\'|é€😀\t{[') + ["__cust", "__line", "=1+1", "\\", "nan"])
_NUMBER = re.compile(r"[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?")
#: No padding (the ingest trims spaces around values, which would make two written values one), and no
#: plain number: a number in the event column is a wrong type (a column mapped wrongly), see docs/formats.md.
_TEXT = (st.lists(_ALPHABET, min_size=1, max_size=6).map("".join)
         .filter(lambda s: s.strip() == s and s.strip() and not _NUMBER.fullmatch(s)))
#: Customer ids, some of which look like JSON or brackets but are text.
_CUSTOMER = st.sampled_from(["c0", "c1", "c2", "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "[7", "7", "c,3", 'c"4'])

GOOD, MISSING_ID, BAD_TIME, OLD_TIME, UNCLOSED, BAD_UTF8 = "good", "no id", "bad time", "old time", "unclosed", "utf8"


@dataclass(frozen=True)
class Record:
    kind: str
    customer: str
    ts: str
    event: str
    props: str = ""  # JSON lines: the extra keys, as JSON text (they are properties, part of a row's content)

    @property
    def fate(self) -> str:
        return "good" if self.kind == GOOD else "quarantined"


@st.composite
def records(draw: st.DrawFn, kinds: tuple[str, ...]) -> list[Record]:
    n = draw(st.integers(min_value=1, max_value=25))
    out = []
    for _ in range(n):
        kind = draw(st.sampled_from((GOOD,) * 4 + kinds))
        customer = "" if kind == MISSING_ID else draw(_CUSTOMER)
        if kind == BAD_TIME:
            ts = draw(st.sampled_from(["not a time", "2025-13-45 99:00:00", "yesterday"]))
        elif kind == OLD_TIME:
            ts = draw(st.sampled_from(["0001-01-01 00:00:00", "1969-07-20 20:17:00"]))
        else:
            day = draw(st.integers(0, 3))  # few distinct times, so that duplicates happen
            ts = (dt.datetime(2025, 3, 1, 12) + dt.timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")
        out.append(Record(kind, customer, ts, draw(_TEXT)))
    return out


def expected(recs: list[Record]) -> tuple[int, int, int, Counter[tuple[str, str]]]:
    """(stored, quarantined, duplicates, stored (customer, event) pairs) as the test classifies them."""
    seen: set[tuple[str, str, str]] = set()
    stored: Counter[tuple[str, str]] = Counter()
    quarantined = duplicates = 0
    for r in recs:
        if r.fate != "good":
            quarantined += 1
        elif (r.customer, r.ts, r.event, r.props) in seen:
            duplicates += 1
        else:
            seen.add((r.customer, r.ts, r.event, r.props))
            stored[(r.customer, r.event)] += 1
    return sum(stored.values()), quarantined, duplicates, stored


def _field(value: str) -> str:
    """RFC 4180 quoting, written by hand (not by the parser under test)."""
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _unquoted(text: str, default: str) -> str:
    # what is left must still be a value _TEXT could draw: no padding (ingest trims it), no plain number
    # ("0," unquoted is "0", which ingest rightly calls a wrong type for an event name)
    out = "".join(c for c in text if c not in ',"\r\n').strip() or default
    return out + "x" if _NUMBER.fullmatch(out) else out


def after_unclosed(recs: list[Record]) -> list[Record]:
    """Records after a quote that never closes hold no quote and need none.

    By RFC 4180 a later quote would close it, making one record of every line in between: no parser (and no
    reader) can tell that from a quote that was never meant to close, so the test does not write it.
    """
    out, open_quote = [], False
    for r in recs:
        if open_quote:
            r = Record(r.kind, _unquoted(r.customer, "c9") if r.customer else "", r.ts, _unquoted(r.event, "x"))
        open_quote = open_quote or r.kind == UNCLOSED
        out.append(r)
    return out


def csv_bytes(recs: list[Record], crlf: list[bool], blank_after: list[bool]) -> bytes:
    out = [b"customer_id,ts,event\r\n" if crlf[0] else b"customer_id,ts,event\n"]
    for i, r in enumerate(recs):
        end = b"\r\n" if crlf[i % len(crlf)] else b"\n"
        if r.kind == UNCLOSED:  # the quote opens in the last field and never closes
            line = f"{_field(r.customer)},{r.ts},\"{r.event.replace(chr(34), '')}".encode()
        elif r.kind == BAD_UTF8:  # a well-formed quoted field holding bytes that are not UTF-8
            line = f"{_field(r.customer)},{r.ts},".encode() + b'"caf\xe9' + r.event.replace('"', '""').encode() + b'"'
        else:
            line = f"{_field(r.customer)},{_field(r.ts)},{_field(r.event)}".encode()
        out.append(line + end)
        if blank_after[i % len(blank_after)]:
            out.append(end)
    return b"".join(out)


def _fresh_workspace() -> tuple[Path, object]:
    root = Path(tempfile.mkdtemp(prefix="journeymap-prop-"))
    (root / "ws").mkdir()
    (root / "ws" / "journeymap.yaml").write_text("name: prop\ntimezone: UTC\n", encoding="utf-8")
    return root, load_workspace(root / "ws")


def _check(ws: object, path: Path, recs: list[Record]) -> None:
    report = ingest_events(ws, [path], quiet=True, now=NOW)  # type: ignore[arg-type]
    stored, quarantined, duplicates, pairs = expected(recs)
    assert report.read == len(recs)
    assert report.read == report.stored + report.quarantined + report.duplicates
    assert (report.stored, report.quarantined, report.duplicates) == (stored, quarantined, duplicates)
    got = Counter((c, e) for c, e in query_store(ws, "SELECT customer_id, event FROM events"))  # type: ignore[arg-type]
    assert got == pairs
    # a second ingest of the same file adds nothing and quarantines nothing new
    again = ingest_events(ws, [path], quiet=True, now=NOW)  # type: ignore[arg-type]
    assert (again.read, again.stored) == (len(recs), 0)
    assert query_store(ws, "SELECT count(*) FROM quarantine")[0][0] == quarantined  # type: ignore[arg-type]


@pytest.mark.slow
@SETTINGS
@given(recs=records((MISSING_ID, BAD_TIME, OLD_TIME, UNCLOSED, BAD_UTF8)),
       crlf=st.lists(st.booleans(), min_size=1, max_size=4), blank_after=st.lists(st.booleans(), min_size=1, max_size=4))
def test_hostile_csv_loses_nothing(recs: list[Record], crlf: list[bool], blank_after: list[bool]) -> None:
    recs = after_unclosed(recs)
    root, ws = _fresh_workspace()
    path = root / "events.csv"
    path.write_bytes(csv_bytes(recs, crlf, blank_after))
    _check(ws, path, recs)


JSON_BAD = "not json"


@st.composite
def json_records(draw: st.DrawFn) -> tuple[list[Record], bytes]:
    recs = draw(records((MISSING_ID, BAD_TIME, OLD_TIME, BAD_UTF8, JSON_BAD)))
    lines, out = [], []
    for r in recs:
        end = draw(st.sampled_from([b"\n", b"\r\n"]))
        if r.kind == JSON_BAD:
            line = draw(st.sampled_from([b"{not json", b"[1, 2]", b'"text"', b"42", b'{"a": "raw\rreturn"}',
                                         b'{"customer_id": "c1", "ts": "2025-03-01 12:00:00"']))
        elif r.kind == BAD_UTF8:
            line = json.dumps({"customer_id": r.customer, "ts": r.ts, "event": "x"}).encode()[:-2] + b'\xff"}'
        else:
            obj: dict[str, object] = {"customer_id": r.customer or None, "ts": r.ts, "event": r.event}
            extra = draw(st.sampled_from([{}, {"": "empty key"}, {"a/b~c": 1}, {"__cust": "zz"}, {"nested": {"k": [1]}}]))
            line = json.dumps({**obj, **extra}, ensure_ascii=draw(st.booleans())).encode()
            r = Record(r.kind, r.customer, r.ts, r.event, json.dumps(extra, sort_keys=True))
        out.append(r)
        lines.append(line + end)
        if draw(st.booleans()):
            lines.append(b"\n")  # a blank line is no record
    return out, b"".join(lines)


@pytest.mark.slow
@SETTINGS
@given(data=json_records())
def test_hostile_json_lines_lose_nothing(data: tuple[list[Record], bytes]) -> None:
    recs, content = data
    recs = [Record("quarantined", r.customer, r.ts, r.event) if r.kind == JSON_BAD else r for r in recs]
    root, ws = _fresh_workspace()
    path = root / "events.jsonl"
    path.write_bytes(content)
    _check(ws, path, recs)


@st.composite
def parquet_tables(draw: st.DrawFn) -> tuple[pa.Table, int, int]:
    """A table with a hostile time column type, and how many of its rows have a usable time and id."""
    n = draw(st.integers(1, 20))
    kind = draw(st.sampled_from(["float_s", "int_ms", "int_us", "uint64_s", "ts_ns", "text"]))
    base = 1_740_830_400  # 2025-03-01 12:00 UTC
    seconds = [base + draw(st.integers(0, 3)) * 86_400 for _ in range(n)]
    broken = [draw(st.sampled_from([None, "nan", "inf", "zero", "huge"])) if draw(st.booleans()) else None
              for _ in range(n)]
    ids = [draw(st.sampled_from(["c1", "c2", None, ""])) for _ in range(n)]
    good = sum(1 for b, c in zip(broken, ids, strict=True) if b is None and c)

    def value(s: int, b: str | None, scale: int) -> float | int | None:
        if b == "nan":
            return math.nan if kind == "float_s" else None
        if b == "inf":
            return math.inf if kind == "float_s" else None
        if b == "zero":
            return 0
        if b == "huge":
            return 2**62 if kind != "float_s" else 1e300
        return s * scale

    if kind == "float_s":
        col = pa.array([value(s, b, 1) for s, b in zip(seconds, broken, strict=True)], pa.float64())
    elif kind in ("int_ms", "int_us"):
        scale = 1000 if kind == "int_ms" else 1_000_000
        col = pa.array([value(s, b, scale) for s, b in zip(seconds, broken, strict=True)], pa.int64())
    elif kind == "uint64_s":
        col = pa.array([value(s, b, 1) for s, b in zip(seconds, broken, strict=True)], pa.uint64())
    elif kind == "ts_ns":
        col = pa.array([value(s, b, 1_000_000_000) if b != "huge" else None
                        for s, b in zip(seconds, broken, strict=True)], pa.timestamp("ns"))
        good = sum(1 for b, c in zip(broken, ids, strict=True) if b is None and c)
    else:
        col = pa.array([dt.datetime.fromtimestamp(s, dt.UTC).isoformat() if b is None else str(b)
                        for s, b in zip(seconds, broken, strict=True)], pa.string())
    events = pa.array([f"e{i}" for i in range(n)], pa.string())  # distinct: no duplicates in this test
    return pa.table({"customer_id": pa.array(ids, pa.string()), "ts": col, "event": events}), n, good


@pytest.mark.slow
@SETTINGS
@given(data=parquet_tables())
def test_hostile_parquet_loses_nothing(data: tuple[pa.Table, int, int]) -> None:
    table, n, good = data
    root, ws = _fresh_workspace()
    path = root / "events.parquet"
    pq.write_table(table, path)
    report = ingest_events(ws, [path], quiet=True, now=NOW)  # type: ignore[arg-type]
    assert report.read == n
    assert report.read == report.stored + report.quarantined + report.duplicates
    assert report.duplicates == 0
    assert report.stored == good
    assert query_store(ws, "SELECT count(*) FROM events")[0][0] == good  # type: ignore[arg-type]
