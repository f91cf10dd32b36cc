"""What every kind of finding shares: the options, the candidates (tests) and the time buckets."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeymap.engine.steps import DEFAULT_WINDOW
from journeymap.model.types import AnalysisSettings, EventSettings
from journeymap.results import Finding

#: The defaults are the workspace settings' own (one definition; a workspace without ``analysis`` gets them).
_ANALYSIS, _EVENTS = AnalysisSettings(), EventSettings()


@dataclass
class FindingsOptions:
    """How findings are judged (``analysis`` in ``journeymap.yaml``, see docs/findings.md)."""

    fdr: float = _ANALYSIS.false_discovery_rate
    min_customers: int = _ANALYSIS.min_customers
    window_s: float = DEFAULT_WINDOW.total_seconds()
    gap_s: float = _EVENTS.session_gap_minutes * 60.0
    loop_tolerance: float = _ANALYSIS.loop_tolerance
    spike_ratio: float = _ANALYSIS.spike_ratio
    segment_values: int = _ANALYSIS.segment_values
    #: Days at the start of the data in which nothing "appears" (journeys already under way look new there).
    warmup_days: int = 28
    #: Fewest buckets (days or weeks) with data for a series to be tested.
    min_buckets: int = 8
    #: A daily series needs this median count per day, else it is tested per week.
    daily_count: int = 20
    #: The smallest effect worth showing: a share whose odds change by less than this factor, or a time or
    #: mean that changes by less, is real on a million customers but needs no attention.
    min_ratio: float = 1.1

    def big_enough(self, baseline: float | None, observed: float | None, unit: str) -> bool:
        """Whether observed differs from baseline by at least :attr:`min_ratio` (in odds for a share)."""
        import math

        if baseline is None or observed is None or baseline != baseline or observed != observed:
            return False
        if unit == "share":
            lo, hi = 1e-9, 1 - 1e-9
            b, o = min(max(baseline, lo), hi), min(max(observed, lo), hi)
            return abs(math.log(o / (1 - o)) - math.log(b / (1 - b))) >= math.log(self.min_ratio)
        if baseline <= 0 or observed <= 0:
            return baseline != observed
        return abs(math.log(observed / baseline)) >= math.log(self.min_ratio)

    @classmethod
    def of(cls, ws: Any, window_s: float | None = None) -> FindingsOptions:
        from journeymap.engine.sessions import session_spec

        a = ws.settings.analysis
        return cls(fdr=a.false_discovery_rate, min_customers=a.min_customers,
                   window_s=window_s if window_s is not None else cls.window_s,
                   gap_s=session_spec(ws).gap_seconds, loop_tolerance=a.loop_tolerance, spike_ratio=a.spike_ratio,
                   segment_values=a.segment_values)


@dataclass
class Candidate:
    """One test: its finding (p-value filled, q-value later) and whether it is big enough to report.

    Every test counts in the Benjamini–Hochberg correction, reported or not; ``eligible`` only decides
    what is shown among the significant ones (removing discoveries never raises the false-discovery rate).
    """

    finding: Finding
    title_key: str
    title_args: dict[str, Any] = field(default_factory=dict)
    eligible: bool = True
    #: Findings about the same thing (a step in one window …): only the highest score is shown, the others are
    #: listed in its details.
    group: str | None = None
    #: The size of the effect the score multiplies the customers by.
    size: float = 0.0
    #: Within its group the candidate with the highest rank is shown (default: the score); segments rank by the
    #: size of the difference, so the segment that differs is shown rather than the mirror image of it.
    rank: float | None = None
    #: Customers affected still to count (one query for all shown findings): a visit spec
    #: ``(u, next steps or None, start, end)`` or an event spec ``(name, start, end)``.
    visit_spec: tuple[int, list[int | None] | None, dt.date, dt.date] | None = None
    event_spec: tuple[str, dt.date, dt.date] | None = None


@dataclass
class Buckets:
    """A daily series cut into buckets of ``size`` days from ``start`` (weeks start on Monday)."""

    start: dt.date
    size: int
    count: int

    def date(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=i * self.size)

    def period(self, a: int, b: int, last: dt.date) -> dict[str, str]:
        """Buckets ``[a, b)`` as ISO dates, the end excluded and never past the day after ``last``."""
        end = min(self.date(b), last + dt.timedelta(days=1))
        return {"start": self.date(a).isoformat(), "end": end.isoformat()}


def daily_array(frame: pd.DataFrame, offset: int, days: int, column: str) -> np.ndarray:
    """``column`` summed per day of ``frame['dayno']`` (days from the data's first day) as an array over ``days``
    days from day ``offset``."""
    out = np.zeros(days)
    if frame.empty:
        return out
    idx = frame["dayno"].to_numpy("int64") - offset
    ok = (idx >= 0) & (idx < days)
    np.add.at(out, idx[ok], frame[column].to_numpy(dtype="float64")[ok])
    return out


def bucketise(arrays: list[np.ndarray], first: dt.date, size: int) -> tuple[list[np.ndarray], Buckets]:
    """Daily arrays summed into buckets of ``size`` days (weeks aligned to Monday)."""
    if size == 1:
        return arrays, Buckets(first, 1, len(arrays[0]))
    pad = first.weekday() if size == 7 else 0
    start = first - dt.timedelta(days=pad)
    out = []
    for a in arrays:
        padded = np.concatenate([np.zeros(pad), a])
        k = math.ceil(len(padded) / size)
        padded = np.concatenate([padded, np.zeros(k * size - len(padded))])
        out.append(padded.reshape(k, size).sum(axis=1))
    return out, Buckets(start, size, len(out[0]))


def choose_size(n: np.ndarray, daily_count: int) -> int:
    """1 (days) when the median day with data has ``daily_count`` units, else 7 (weeks)."""
    seen = n[n > 0]
    return 1 if len(seen) and float(np.median(seen)) >= daily_count else 7


def fmt_date(value: str | dt.date, lang: str) -> str:
    from journeymap.i18n import format_date

    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, lang)


def period_text(period: dict[str, str] | None, lang: str) -> str:
    """``6 October 2025 – 19 October 2025`` (the last day shown is the one before the excluded end)."""
    if not period:
        return ""
    last = dt.date.fromisoformat(period["end"]) - dt.timedelta(days=1)
    start = dt.date.fromisoformat(period["start"])
    if last <= start:
        return fmt_date(start, lang)
    return f"{fmt_date(start, lang)} – {fmt_date(last, lang)}"
