"""Feedback files whose column names look like the ones the ingest SQL uses: they stay data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from voc_helpers import store_rows

from journeymap.model.workspace import Workspace
from journeymap.voc.ingest import ingest_feedback

NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)



@pytest.mark.parametrize("name", ["__cust", "__line", "__n", "__raw", "__bad", "__ts", "__reason", "__id"])
def test_feedback_columns_named_like_ours_are_only_data(ws: Workspace, tmp_path: Path, name: str) -> None:
    src = tmp_path / "survey.csv"
    src.write_text(f"customer_id,ts,step,metric,score,{name}\nc1,2026-03-01 10:00:00,payment,csat,5,zz\n"
                   f"c2,2026-03-01 11:00:00,payment,csat,4,\n", encoding="utf-8")
    report = ingest_feedback(ws, [src], quiet=True, now=NOW)
    f = report.files[0]
    assert (f.read, f.stored, f.quarantined) == (2, 2, 0)
    assert store_rows(ws, "SELECT customer_id, score FROM feedback ORDER BY 1") == [("c1", 5.0), ("c2", 4.0)]


def test_placeholder_feedback_times_are_out_of_range(ws: Workspace, tmp_path: Path) -> None:
    src = tmp_path / "survey.csv"
    src.write_text("customer_id,ts,step,metric,score\nc1,1970-01-01 00:00:00,payment,csat,5\n"
                   "c2,-infinity,payment,csat,4\nc3,2026-03-01 11:00:00,payment,csat,4\n", encoding="utf-8")
    report = ingest_feedback(ws, [src], quiet=True, now=NOW)
    f = report.files[0]
    assert (f.read, f.stored, f.quarantined) == (3, 1, 2)
    assert f.reasons == {"time out of range": 2}
