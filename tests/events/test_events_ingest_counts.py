"""Planted bad rows of every kind: the counts add up, nothing is lost, re-ingest adds nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb

from journeymap.events.ingest import ingest_events
from journeymap.events.quarantine import export_quarantine, list_quarantine
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEADER = b"user,time,event,anon,channel,price\n"
# (raw line, expected outcome) — outcomes written by hand; line numbers follow from the order (header = line 1).
ROWS: list[tuple[bytes, str]] = [
    (b"u1,2025-01-15 12:00:00,view,,web,3", "stored"),
    (b",2025-01-15 12:01:00,view,,web,", "missing customer id"),
    (b"u2,not a time,view,,web,", "unparsable time"),
    (b"u3,2030-01-01 00:00:00,view,,web,", "time in the future"),
    (b"u4,2025-01-15 12:02:00,,,web,", "empty event name"),
    (b"u5,2025-01-15 12:03:00,12345,,web,", "wrong type"),
    (b'u5,2025-01-15 12:04:00,"{""a"": 1}",,web,', "wrong type"),
    (b"u1,2025-01-15 12:00:00,view,,web,3", "duplicate"),
    (b"u6,2025-01-15 12:0\xff0:00,view,,web,", "invalid UTF-8"),
    (b"u7,2025-01-14 09:00:00,view,,web,", "stored"),
    (b"u8,2025-01-15 12:00:00,view,,web,1,extra", "malformed row"),
    (b"u1,2025-01-15 11:00:00,cart,,web,", "stored"),
    (b"u9,,view,,web,", "missing time"),
    (b"u9,2025-01-16 08:00:00,buy,,web,9.95", "stored"),
]


def _write(path: Path) -> Path:
    path.write_bytes(HEADER + b"\n".join(line for line, _ in ROWS) + b"\n")
    return path


def _expected_reasons() -> dict[str, int]:
    out: dict[str, int] = {}
    for _, outcome in ROWS:
        if outcome not in ("stored", "duplicate"):
            out[outcome] = out.get(outcome, 0) + 1
    return out


def test_counts_add_up_per_reason(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "events.csv")
    report = ingest_events(ws, [src], columns={"customer_id": "user", "ts": "time", "anonymous_id": "anon"},
                           quiet=True, now=NOW)
    (counts,) = report.sources
    outcomes = [o for _, o in ROWS]
    assert counts.read == len(ROWS) == 14
    assert counts.stored == outcomes.count("stored") == 4
    assert counts.duplicates == outcomes.count("duplicate") == 1
    assert counts.quarantined == 9
    assert counts.read == counts.stored + counts.quarantined + counts.duplicates
    assert counts.reasons == _expected_reasons()


def test_quarantine_keeps_line_reason_and_raw_row(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "events.csv")
    ingest_events(ws, [src], columns={"customer_id": "user", "ts": "time", "anonymous_id": "anon"}, quiet=True, now=NOW)
    got = {(r.line, r.reason) for r in list_quarantine(ws)}
    want = {(i + 2, o) for i, (_, o) in enumerate(ROWS) if o not in ("stored", "duplicate")}
    assert got == want
    (unparsable,) = list_quarantine(ws, reason="unparsable time")
    assert json.loads(unparsable.raw) == {"user": "u2", "time": "not a time", "event": "view", "anon": None,
                                          "channel": "web", "price": None}
    (malformed,) = list_quarantine(ws, reason="malformed row")
    assert "u8,2025-01-15 12:00:00,view,,web,1,extra" in json.loads(malformed.raw)["line_text"]


def test_second_ingest_adds_nothing(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "events.csv")
    cols = {"customer_id": "user", "ts": "time", "anonymous_id": "anon"}
    ingest_events(ws, [src], columns=cols, quiet=True, now=NOW)
    again = ingest_events(ws, [src], columns=cols, quiet=True, now=NOW)
    (counts,) = again.sources
    assert counts.stored == 0
    assert counts.duplicates == 5  # the 4 stored rows and the planted duplicate
    assert counts.read == counts.stored + counts.quarantined + counts.duplicates
    assert again.events == 4
    assert len(list_quarantine(ws)) == 9  # the quarantine is not doubled either


def test_store_is_journey_ordered_in_utc(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "events.csv")
    ingest_events(ws, [src], columns={"customer_id": "user", "ts": "time", "anonymous_id": "anon"}, quiet=True, now=NOW)
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    rows = con.execute("SELECT customer_id, ts, event, properties FROM events").fetchall()
    con.close()
    # Amsterdam is UTC+1 in January; u1's 11:00 'cart' came later in the file but happened first.
    assert rows == [
        ("u1", dt.datetime(2025, 1, 15, 10, 0), "cart", {}),
        ("u1", dt.datetime(2025, 1, 15, 11, 0), "view", {"price": "3"}),
        ("u7", dt.datetime(2025, 1, 14, 8, 0), "view", {}),
        ("u9", dt.datetime(2025, 1, 16, 7, 0), "buy", {"price": "9.95"}),
    ]


def test_quarantine_export_csv_and_jsonl(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "events.csv")
    ingest_events(ws, [src], columns={"customer_id": "user", "ts": "time", "anonymous_id": "anon"}, quiet=True, now=NOW)
    n = export_quarantine(ws, tmp_path / "out" / "q.csv", reason="wrong type")
    with (tmp_path / "out" / "q.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert n == len(rows) == 2
    assert sorted(int(r["line"]) for r in rows) == [7, 8]
    n = export_quarantine(ws, tmp_path / "q.jsonl")
    lines = (tmp_path / "q.jsonl").read_text(encoding="utf-8").splitlines()
    assert n == len(lines) == 9
    assert {json.loads(ln)["reason"] for ln in lines} == set(_expected_reasons())
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp file left


def test_cli_prints_the_balance(ws: Workspace, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    src = _write(tmp_path / "events.csv")
    res = run_cli("ingest", "events", str(src), "--columns", "customer_id=user,ts=time,anonymous_id=anon",
                  "-w", str(ws.root), "--quiet")
    assert res.exit_code == 0, res.output
    assert "read 14 = stored 4 + quarantined 9 + duplicates 1" in res.stdout
    assert "quarantined, wrong type: 2" in res.stdout
    res = run_cli("quarantine", "--reason", "wrong typ", "-w", str(ws.root))
    assert res.exit_code == 1
    assert "unknown quarantine reason 'wrong typ'; did you mean 'wrong type'?" in res.stderr
    res = run_cli("quarantine", "--reason", "wrong type", "-w", str(ws.root))
    assert res.exit_code == 0
    assert ":7: wrong type:" in res.stdout and ":8: wrong type:" in res.stdout
