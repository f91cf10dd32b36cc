"""Feedback metrics with honest uncertainty: NPS, CSAT and CES, each with n and a 95 % interval.

Two halves, so the metrics scale like the event analytics:

* the engine half (:func:`metric_counts`) is one Ibis aggregation over the ``feedback``
  table: per group only counts and sums (n, promoters, detractors, top-2-box, Σscore,
  Σscore²) travel back from the database;
* the arithmetic half (:func:`nps`, :func:`csat`, :func:`ces`, :func:`wilson`) turns those
  counts into scores and intervals. It is pure, so tests check it against hand arithmetic.

Methods (all 95 %, z = 1.96):

* **NPS** = 100 · (promoters − detractors) / n. Its interval is the **adjusted Wald** interval
  on the two components (Rocks 2016, *The American Statistician* 70(4), the best of six
  methods on coverage): add 3 answers, ¾ of them promoters, ¾ detractors (``n' = n + 3``,
  ``p'_p = (promoters + ¾) / n'``, ``p'_d = (detractors + ¾) / n'``), then
  ``100 · ((p'_p − p'_d) ± z · sqrt((p'_p + p'_d − (p'_p − p'_d)²) / n'))``, clipped to
  [−100, 100]. Unlike the plain normal approximation it is never zero-width: one promoter
  gives −48.5 … +98.5, not +100 … +100.
* **CSAT** = share of 4–5 answers on the 1–5 scale (top-2-box), with a **Wilson** score
  interval, which stays inside [0, 1] and behaves for small n and shares near 0 or 1.
* **CES** (1–7, 7 = very easy) = the mean with a Student-t interval
  ``mean ± t(n − 1) · s / sqrt(n)`` (``s`` the sample standard deviation; none below 2
  answers), plus the top-2-box share (6–7) with a Wilson interval.

The t quantiles come from SciPy (``scipy.special.stdtrit``, what ``scipy.stats.t.ppf`` calls; imported only
when a mean's interval is computed: ``scipy.stats`` takes a second to import). Samples under :data:`SMALL_SAMPLE` answers are
flagged ``small_sample`` (shown, not hidden); under :data:`TOO_FEW` answers a score says
little whatever its interval, and the outputs say "too few answers".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

Metric = Literal["nps", "csat", "ces"]
METRICS: tuple[Metric, ...] = ("nps", "csat", "ces")
#: The valid score range of each metric (inclusive).
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
#: The lowest score counted in the top-2-box.
TOP2: dict[str, int] = {"nps": 9, "csat": 4, "ces": 6}
SMALL_SAMPLE = 30
#: Below this many answers the outputs say "too few answers" beside the score.
TOO_FEW = 5
CONFIDENCE = 0.95
Z95 = 1.959963984540054  # scipy.special.ndtri(0.975): the 97.5 % quantile of the standard normal
#: The adjusted Wald interval of the NPS (Rocks 2016): answers added, and the share of them that are promoters
#: (and as many detractors).
NPS_ADDED, NPS_ADDED_EACH = 3.0, 0.75
GROUPINGS: tuple[str, ...] = ("step", "stage", "persona", "channel")
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval | None:
    """The Wilson score interval of a share ``successes / n`` (None when n is 0)."""
    if n <= 0:
        return None
    from scipy.stats import norm

    from journeymap.engine.stats import wilson as wilson_interval

    low, high = wilson_interval(successes, n, alpha=float(2 * norm.sf(z)))  # statsmodels' Wilson interval
    return Interval(max(0.0, low), min(1.0, high))


@dataclass(frozen=True)
class NpsResult:
    n: int
    promoters: int
    passives: int
    detractors: int
    score: float | None  # -100 .. 100
    interval: Interval | None

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE


def nps_interval(promoters: int, passives: int, detractors: int, z: float = Z95) -> Interval | None:
    """The adjusted Wald interval of the NPS on the -100..100 scale (see the module docstring); None for no answers."""
    n = promoters + passives + detractors
    if n == 0:
        return None
    m = n + NPS_ADDED
    pp, pd_ = (promoters + NPS_ADDED_EACH) / m, (detractors + NPS_ADDED_EACH) / m
    diff = pp - pd_
    half = z * math.sqrt(max(pp + pd_ - diff * diff, 0.0) / m)
    return Interval(max(-100.0, 100 * (diff - half)), min(100.0, 100 * (diff + half)))


def nps(promoters: int, passives: int, detractors: int, z: float = Z95) -> NpsResult:
    """NPS (the sample's own score) with its adjusted Wald interval (see the module docstring)."""
    n = promoters + passives + detractors
    if n == 0:
        return NpsResult(0, 0, 0, 0, None, None)
    score = 100 * (promoters - detractors) / n
    return NpsResult(n, promoters, passives, detractors, score, nps_interval(promoters, passives, detractors, z))


@dataclass(frozen=True)
class ShareResult:
    """A top-2-box share with a Wilson interval and the mean score."""

    n: int
    top2: int
    share: float | None
    interval: Interval | None
    mean: float | None
    mean_interval: Interval | None = None

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE


def csat(n: int, top2: int, total: float | None = None) -> ShareResult:
    """CSAT: the top-2-box share (4–5 of 5) with a Wilson interval; ``total`` (Σscore) gives the mean."""
    if n == 0:
        return ShareResult(0, 0, None, None, None)
    return ShareResult(n, top2, top2 / n, wilson(top2, n), total / n if total is not None else None)


def mean_interval(n: int, total: float, total_sq: float, confidence: float = CONFIDENCE) -> Interval | None:
    """Student-t interval of a mean from n, Σx and Σx² (sample standard deviation, n − 1 degrees of freedom;
    None when n < 2: one answer says nothing about the spread)."""
    if n < 2:
        return None
    mean = total / n
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    from scipy.special import stdtrit

    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * math.sqrt(var / n)
    return Interval(mean - half, mean + half)


def ces(n: int, top2: int, total: float, total_sq: float) -> ShareResult:
    """CES: mean (normal interval) and top-2-box share (6–7 of 7, Wilson interval)."""
    if n == 0:
        return ShareResult(0, 0, None, None, None)
    return ShareResult(n, top2, top2 / n, wilson(top2, n), total / n, mean_interval(n, total, total_sq))


@dataclass(frozen=True)
class MetricRow:
    """One metric for one group and period: what ``journeymap`` reports and the map shows."""

    metric: str
    group: str | None
    period: str | None
    n: int
    value: float | None  # NPS -100..100, CSAT top-2 share 0..1, CES mean 1..7
    low: float | None
    high: float | None
    top2_share: float | None = None
    mean: float | None = None

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    @property
    def too_few(self) -> bool:
        """Fewer than :data:`TOO_FEW` answers: the score is shown but says little."""
        return self.n < TOO_FEW

    @property
    def note(self) -> str | None:
        """Why to read this row with care, as a catalogue key of ``feedback.*`` (None when nothing needs saying):
        ``no_interval`` (one answer: no spread), ``too_few`` (under 5), ``small_sample`` (under 30)."""
        if self.n and self.low is None:
            return "no_interval"
        if self.too_few:
            return "too_few"
        return "small_sample" if self.small_sample else None


def metric_counts(fb: ir.Table, by: str | None = None, period: str | None = None) -> ir.Table:
    """The engine half: counts and sums per metric (and group, and period) as one Ibis expression.

    ``fb`` needs ``metric`` and ``score`` columns, plus ``ts`` for a period and the ``by``
    column (``step``, ``stage``, ``persona``, ``channel`` …) for a grouping.
    """
    fb = fb.filter(fb.score.notnull())
    keys: dict[str, Any] = {"metric": fb.metric}
    if by:
        keys["grp"] = fb[by].cast("string")
    if period:
        keys["period"] = fb.ts.truncate(_TRUNC[period]).cast("date").cast("string")
    score = fb.score.cast("float64")
    top2 = ibis.cases(*[((fb.metric == m) & (score >= t), 1) for m, t in TOP2.items()], else_=0)
    return fb.group_by(**keys).aggregate(
        n=fb.count(),
        promoters=(score >= 9).cast("int64").sum(),
        passives=((score >= 7) & (score <= 8)).cast("int64").sum(),
        detractors=(score <= 6).cast("int64").sum(),
        top2=top2.sum(),
        total=score.sum(),
        total_sq=(score * score).sum(),
    )


_TRUNC = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def rows_from_counts(records: list[dict[str, Any]]) -> list[MetricRow]:
    """The arithmetic half: :class:`MetricRow` objects from :func:`metric_counts` records."""
    out: list[MetricRow] = []
    for r in records:
        metric, n = str(r["metric"]), int(r["n"])
        group = None if r.get("grp") is None else str(r["grp"])
        period = None if r.get("period") is None else str(r["period"])
        if metric == "nps":
            res = nps(int(r["promoters"]), int(r["passives"]), int(r["detractors"]))
            iv = res.interval
            out.append(MetricRow(metric, group, period, n, res.score, iv.low if iv else None, iv.high if iv else None,
                                 top2_share=int(r["promoters"]) / n if n else None, mean=float(r["total"]) / n))
        elif metric == "csat":
            cs = csat(n, int(r["top2"]), float(r["total"]))
            iv = cs.interval
            out.append(MetricRow(metric, group, period, n, cs.share, iv.low if iv else None, iv.high if iv else None,
                                 top2_share=cs.share, mean=cs.mean))
        elif metric == "ces":
            ce = ces(n, int(r["top2"]), float(r["total"]), float(r["total_sq"]))
            iv = ce.mean_interval
            out.append(MetricRow(metric, group, period, n, ce.mean, iv.low if iv else None, iv.high if iv else None,
                                 top2_share=ce.share, mean=ce.mean))
    out.sort(key=lambda m: (m.metric, m.group or "", m.period or ""))
    return out


def compute_metrics(fb: ir.Table, by: str | None = None, period: str | None = None) -> list[MetricRow]:
    """NPS, CSAT and CES per group and period for a feedback table (see the module docstring)."""
    from journeymap.engine import compile as C

    df = C.execute(metric_counts(fb, by, period))
    return rows_from_counts(df.to_dict("records"))
