"""Property test: hostile survey files never lose an answer or escape as a crash.

Hypothesis writes survey CSV files from answers whose fate the test decides before the ingest runs
(stored, duplicate, or quarantined for a reason it knows) and requires read = the answers written,
read = stored + quarantined + duplicates, and every count equal to the test's own classification.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from voc_helpers import write_workspace

from journeymap.voc.ingest import ingest_feedback

NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
SETTINGS = settings(max_examples=int(os.environ.get("JOURNEYMAP_PROPERTY_EXAMPLES", "12")), deadline=None,
                    derandomize="JOURNEYMAP_PROPERTY_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow])
#: (metric, lowest, highest) as docs/sentiment.md defines the scales.
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


@dataclass(frozen=True)
class Answer:
    customer: str
    ts: str
    step: str
    metric: str
    score: str
    comment: str

    @property
    def reason(self) -> str | None:
        """Why the ingest must quarantine this answer (None: it is usable), worked out by hand."""
        if not self.customer:
            return "missing customer id"
        if not self.ts:
            return "missing time"
        if self.ts.startswith("0001"):
            return "time out of range"
        if self.metric not in SCALES:
            return "unknown metric"
        try:
            score = float(self.score)
        except ValueError:
            return "not a number"
        lo, hi = SCALES[self.metric]
        if not lo <= score <= hi or score != round(score):
            return "off scale"
        if self.step not in ("", "checkout", "payment", "delivery", "customer-service"):
            return "unknown step"  # no step at all is an answer about the whole journey (an overall NPS)
        return None


answers = st.builds(
    Answer,
    customer=st.sampled_from(["c1", "c2", "", "c,3", "{guid}"]),
    ts=st.sampled_from(["2026-03-01 10:00:00", "2026-03-02 10:00:00", "", "0001-01-01 00:00:00"]),
    step=st.sampled_from(["payment", "delivery", "payment", "pay-ment", ""]),
    metric=st.sampled_from(["nps", "csat", "ces", "NPS", "stars"]).map(lambda m: m.lower() if m != "NPS" else m),
    score=st.sampled_from(["0", "5", "7", "10", "11", "-1", "4.5", "five", "3"]),
    comment=st.sampled_from(["", "Snel geleverd!", 'said "fine", then', "=cmd|' /C calc'!A0", "line\nbreak"]),
)


def _field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value


@pytest.mark.slow
@SETTINGS
@given(rows=st.lists(answers, min_size=1, max_size=20), crlf=st.booleans())
def test_hostile_survey_files_lose_nothing(rows: list[Answer], crlf: bool) -> None:
    # NPS in capitals is the same metric (metrics are matched case-insensitively)
    rows = [Answer(a.customer, a.ts, a.step, a.metric.lower(), a.score, a.comment) for a in rows]
    ws = write_workspace(Path(tempfile.mkdtemp(prefix="journeymap-fbprop-")) / "shop")
    end = "\r\n" if crlf else "\n"
    text = "customer_id,ts,step,metric,score,comment" + end + "".join(
        ",".join(_field(v) for v in (a.customer, a.ts, a.step, a.metric, a.score, a.comment)) + end for a in rows)
    src = ws.root / "survey.csv"
    src.write_text(text, encoding="utf-8", newline="")

    report = ingest_feedback(ws, [src], quiet=True, now=NOW)

    seen: set[tuple[str, ...]] = set()
    stored = duplicates = quarantined = 0
    for a in rows:
        if a.reason is not None:
            quarantined += 1
        elif (key := (a.customer, a.ts, a.step, a.metric, str(float(a.score)), a.comment)) in seen:
            duplicates += 1
        else:
            seen.add(key)
            stored += 1
    assert report.read == len(rows)
    assert report.read == report.stored + report.quarantined + report.duplicates
    assert (report.stored, report.quarantined, report.duplicates) == (stored, quarantined, duplicates)
    again = ingest_feedback(ws, [src], quiet=True, now=NOW)
    assert (again.read, again.stored) == (len(rows), 0)
