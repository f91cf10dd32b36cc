"""Peak-end: which moments customers remember, from their scored touchpoints.

Kahneman's peak-end rule: people judge an experience mostly by its most intense moment
and by its end. Per customer with at least :data:`MIN_TOUCHPOINTS` scored touchpoints
(see :mod:`.touchpoints`):

* **peak** = the touchpoint with the largest ``|value|`` (ties: the later one — the more
  recent of two equally intense moments is the one recalled);
* **end** = the last touchpoint in time;
* **journey score** = the mean of all touchpoints, the peak value, the end value, and the
  peak-end score ``(peak + end) / 2``.

Per step: how often it is a customer's peak and how often the end. Against NPS: the
correlation (Pearson) between each customer's journey scores and their latest NPS answer,
with n. The NPS answers themselves are left out of the journey scores for this, so the
correlation is not NPS with itself. Everything is one Ibis expression per figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from journeymap.engine import compile as C

MIN_TOUCHPOINTS = 2


@dataclass
class StepShare:
    step: str
    peak: int          # customers whose peak is this step
    end: int           # customers whose end is this step
    peak_share: float  # of customers with a peak-end journey
    end_share: float


@dataclass
class Correlation:
    """Pearson correlation of one journey score with NPS, over n customers (None when n < 3)."""

    score: str
    r: float | None
    n: int


@dataclass
class PeakEndReport:
    customers: int
    mean: float | None = None
    peak: float | None = None
    end: float | None = None
    peak_end: float | None = None
    steps: list[StepShare] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)

    def memorable(self, top: int = 3) -> list[str]:
        """The steps that shape memory most: highest peak share plus end share."""
        ranked = sorted(self.steps, key=lambda s: -(s.peak_share + s.end_share))
        return [s.step for s in ranked[:top] if s.peak + s.end > 0]


def journey_scores(tp: ir.Table, min_touchpoints: int = MIN_TOUCHPOINTS) -> ir.Table:
    """Per customer: ``n, mean, peak, end, peak_end, peak_step, end_step``."""
    w_peak = ibis.window(group_by=tp.customer_id, order_by=[tp.value.abs().desc(), tp.ts.desc()])
    w_end = ibis.window(group_by=tp.customer_id, order_by=[tp.ts.desc()])
    w_all = ibis.window(group_by=tp.customer_id)
    ranked = tp.mutate(
        _peak_rank=ibis.row_number().over(w_peak), _end_rank=ibis.row_number().over(w_end),
        _n=tp.count().over(w_all),
    )
    ranked = ranked.filter(ranked._n >= min_touchpoints)
    per = ranked.group_by("customer_id").aggregate(
        n=ranked.count(),
        mean=ranked.value.mean(),
        peak=ranked.value.max(where=ranked._peak_rank == 0),
        end=ranked.value.max(where=ranked._end_rank == 0),
        peak_step=ranked.step.max(where=ranked._peak_rank == 0),
        end_step=ranked.step.max(where=ranked._end_rank == 0),
    )
    return per.mutate(peak_end=(per.peak + per.end) / 2.0)


def _latest_nps(fb: ir.Table) -> ir.Table:
    nps = fb.filter(fb.metric == "nps")
    w = ibis.window(group_by=nps.customer_id, order_by=[nps.ts.desc()])
    ranked = nps.mutate(_r=ibis.row_number().over(w))
    return ranked.filter(ranked._r == 0).select(customer_id=ranked.customer_id, nps_score=ranked.score)


def peak_end(tp: ir.Table, fb: ir.Table | None = None, min_touchpoints: int = MIN_TOUCHPOINTS) -> PeakEndReport:
    """Peak-end figures for a touchpoint table (and NPS correlations when ``fb`` is given)."""
    js = journey_scores(tp, min_touchpoints)
    totals: Any = C.execute(js.aggregate(
        customers=js.count(), mean=js["mean"].mean(), peak=js.peak.mean(), end=js.end.mean(),
        peak_end=js.peak_end.mean(),
    )).iloc[0]
    customers = int(totals["customers"])
    report = PeakEndReport(customers)
    if not customers:
        return report
    report.mean, report.peak = float(totals["mean"]), float(totals["peak"])
    report.end, report.peak_end = float(totals["end"]), float(totals["peak_end"])
    peaks = js.group_by(step=js.peak_step).aggregate(peak=js.count())
    ends = js.group_by(step=js.end_step).aggregate(end=js.count())
    both = peaks.outer_join(ends, peaks.step == ends.step).select(
        step=ibis.coalesce(peaks.step, ends.step), peak=peaks.peak.fill_null(0), end=ends.end.fill_null(0))
    for row in C.execute(both.filter(both.step.notnull())).to_dict("records"):
        report.steps.append(StepShare(str(row["step"]), int(row["peak"]), int(row["end"]),
                                      int(row["peak"]) / customers, int(row["end"]) / customers))
    report.steps.sort(key=lambda s: (-(s.peak + s.end), s.step))
    if fb is not None:
        report.correlations = nps_correlations(tp, fb, min_touchpoints)
    return report


def nps_correlations(tp: ir.Table, fb: ir.Table, min_touchpoints: int = MIN_TOUCHPOINTS) -> list[Correlation]:
    """Pearson r of mean, peak, end and peak-end scores with each customer's latest NPS answer."""
    without_nps = tp.filter(tp.metric.isnull() | (tp.metric != "nps"))
    js = journey_scores(without_nps, min_touchpoints)
    nps = _latest_nps(fb)
    joined = js.join(nps, js.customer_id == nps.customer_id)
    names = ("mean", "peak", "end", "peak_end")
    agg = {f"r_{s}": joined[s].corr(joined.nps_score.cast("float64"), how="pop") for s in names}
    row: Any = C.execute(joined.aggregate(n=joined.count(), **agg)).iloc[0]
    n = int(row["n"])
    out = []
    for s in names:
        r = row[f"r_{s}"]
        ok = n >= 3 and r is not None and r == r  # NaN when a column is constant
        out.append(Correlation(s, float(r) if ok else None, n))
    return out
