"""CSV exports neutralise cells a spreadsheet would run as formulas (OWASP: prefix with ``'``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from journeymap.csvsafe import safe_cell
from journeymap.engine.formatting import to_csv
from journeymap.voc.followup import FollowUp, TimelineItem, export_followups

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-5 stars", "@SUM(A1)", "\tcmd", "\r=1", "  =1+2"]


def test_safe_cell_prefixes_formula_starts_and_leaves_the_rest() -> None:
    assert [safe_cell(v) for v in HOSTILE] == [
        "'=HYPERLINK(\"http://evil\",\"x\")", "'+1+1", "'-5 stars", "'@SUM(A1)", "'\tcmd", "'\r=1", "'  =1+2"]
    assert [safe_cell(v) for v in ["ok", "a-b", "café & co", "", -5, 2.5, None]] == [
        "ok", "a-b", "café & co", "", -5, 2.5, None]


def test_followup_csv_export_reads_back_neutralised(tmp_path: Path) -> None:
    items = [FollowUp("=cmd|' /C calc'!A0", ["-5 stars"], "2026-01-01",
                      [TimelineItem("2026-01-01", "text", "@web", "+step", "=what", "=HYPERLINK(\"x\")", -0.75)])]
    target = export_followups(items, tmp_path / "f.csv")
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "'-5 stars", "2026-01-01", "text", "'@web", "'+step", "'=what",
                       "'=HYPERLINK(\"x\")", "-0.75"]
    # JSON is not a spreadsheet: it stays exact
    raw = json.loads(export_followups(items, tmp_path / "f.json").read_text(encoding="utf-8"))
    assert raw[0]["customer_id"] == "=cmd|' /C calc'!A0"
    assert raw[0]["timeline"][0]["text"] == "=HYPERLINK(\"x\")"


def test_analytics_csv_keeps_numbers_and_neutralises_text() -> None:
    df = pd.DataFrame({"step": ["=evil()", "pay"], "delta": [-3, 4], "note": ["-5 stars", "fine"]})
    rows = list(csv.reader(io.StringIO(to_csv({"t": df}))))
    assert rows == [["step", "delta", "note"], ["'=evil()", "-3", "'-5 stars"], ["pay", "4", "fine"]]
