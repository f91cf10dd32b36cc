"""Day-first times (31-12-2025 14:05, as Dutch Excel exports write them): read when asked, and a hint when not."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.events.ingest import ingest_events
from journeymap.events.normalize import UNPARSABLE_DAY_FIRST, UNPARSABLE_MONTH_FIRST, UNPARSABLE_TIME
from journeymap.events.quarantine import list_quarantine
from journeymap.model.workspace import Workspace

from .conftest import query_store

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CSV = ("customer_id,ts,event\n"
       "c1,31-12-2025 14:05,view\n"       # day first, Amsterdam winter time: 13:05 UTC
       "c2,1/2/2025,view\n"               # 1 February, midnight local: 31 January 23:00 UTC
       "c3,15.07.2025 08:30:15,view\n"    # summer time: 06:30:15 UTC
       "c4,2025-03-01T10:00:00Z,view\n"   # ISO keeps working
       "c5,not a time,view\n")


def _write(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _stored(ws: Workspace) -> dict[str, dt.datetime]:
    return {c: ts for c, ts in query_store(ws, "SELECT customer_id, ts FROM events")}


def test_day_first_option_reads_day_month_year_in_the_workspace_zone(ws: Workspace, tmp_path: Path) -> None:
    report = ingest_events(ws, [_write(tmp_path)], quiet=True, now=NOW, time_format="day-first")
    assert (report.stored, report.quarantined) == (4, 1)
    assert _stored(ws) == {
        "c1": dt.datetime(2025, 12, 31, 13, 5),
        "c2": dt.datetime(2025, 1, 31, 23, 0),
        "c3": dt.datetime(2025, 7, 15, 6, 30, 15),
        "c4": dt.datetime(2025, 3, 1, 10, 0),
    }
    assert [r.reason for r in list_quarantine(ws)] == [UNPARSABLE_TIME]  # garbage stays plainly unparsable


def test_time_format_setting_in_journeymap_yaml(ws_factory: Callable[..., Workspace], tmp_path: Path) -> None:
    ws = ws_factory(timezone="UTC", extra="events:\n  time_format: '%d-%m-%Y %H:%M'\n")
    ingest_events(ws, [_write(tmp_path, "customer_id,ts,event\nc1,31-12-2025 14:05,view\n")], quiet=True, now=NOW)
    assert _stored(ws) == {"c1": dt.datetime(2025, 12, 31, 14, 5)}


def test_without_the_option_the_reason_says_how_to_read_it(ws: Workspace, tmp_path: Path) -> None:
    text = ("customer_id,ts,event\n"
            "c1,31-12-2025 14:05,view\n"    # day > 12: day first
            "c2,05-06-2025,view\n"          # ambiguous: day first is the likelier reading in nl/eu exports
            "c3,12/31/2025 14:05,view\n"    # second part > 12: month first
            "c4,yesterday,view\n")
    report = ingest_events(ws, [_write(tmp_path, text)], quiet=True, now=NOW)
    assert report.stored == 0
    reasons = {r.line: r.reason for r in list_quarantine(ws)}
    assert reasons == {2: UNPARSABLE_DAY_FIRST, 3: UNPARSABLE_DAY_FIRST, 4: UNPARSABLE_MONTH_FIRST,
                       5: UNPARSABLE_TIME}
    assert "--day-first" in UNPARSABLE_DAY_FIRST and "events.time_format" in UNPARSABLE_DAY_FIRST
    assert "month-first" in UNPARSABLE_MONTH_FIRST


def test_month_first_and_an_unknown_format(ws: Workspace, tmp_path: Path) -> None:
    ingest_events(ws, [_write(tmp_path, "customer_id,ts,event\nc1,12/31/2025 14:05,view\n")], quiet=True, now=NOW,
                  time_format="month-first")
    assert _stored(ws) == {"c1": dt.datetime(2025, 12, 31, 13, 5)}
    with pytest.raises(JourneymapError, match=r"unknown time format 'dmy'; expected day-first, month-first"):
        ingest_events(ws, [_write(tmp_path)], quiet=True, now=NOW, time_format="dmy")


def test_cli_day_first_flag(ws: Workspace, tmp_path: Path) -> None:
    path = _write(tmp_path, "customer_id,ts,event\nc1,31-12-2025 14:05,view\n")
    run = subprocess.run([sys.executable, "-m", "journeymap", "ingest", "events", str(path), "-w", str(ws.root),
                          "--day-first", "-q"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert _stored(ws) == {"c1": dt.datetime(2025, 12, 31, 13, 5)}
    clash = subprocess.run([sys.executable, "-m", "journeymap", "ingest", "events", str(path), "-w", str(ws.root),
                            "--day-first", "--time-format", "month-first"], capture_output=True, text=True, check=False)
    assert clash.returncode == 1 and "disagree" in clash.stderr and "Traceback" not in clash.stderr
