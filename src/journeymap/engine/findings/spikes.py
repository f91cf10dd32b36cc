"""Spikes in traffic or new customers, and how the spike's customers convert.

Two daily counts of customers (not of visits or events, which come in bursts from one customer): those
first seen on the journey, and those active on it. Each day is compared with
its usual level, the median of the 14 days before and the 14 after it (a median, so a step change in
level — a season, a new campaign that stays — is not a spike, only a short burst is). The spread around
that level is measured from the series itself (the dispersion of (count − level)/√level, robustly by the
MAD); the day's p-value is the Poisson upper tail, or the negative binomial one with that dispersion.

A spike is a run of consecutive days each significant and at least ``spike_ratio`` times its level, with
at least ``min_customers`` more than usual. Its details say how the customers first seen in it reached the
goal within their window against the customers first seen in the 28 days around it (two-proportion z-test).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from journeymap.engine import stats
from journeymap.engine.findings.base import Candidate, FindingsOptions, daily_array
from journeymap.engine.findings.change import customer_frame
from journeymap.engine.findings.data import FindingsData
from journeymap.results import Finding

TEST = stats.TESTS["spike"]
HALF = 14
MIN_DAYS = 10


def levels(counts: np.ndarray) -> tuple[np.ndarray, float]:
    """(each day's usual level, the series' dispersion)."""
    T = len(counts)
    base = np.full(T, np.nan)
    for t in range(T):
        around = np.concatenate([counts[max(0, t - HALF):t], counts[t + 1:t + 1 + HALF]])
        if len(around) >= MIN_DAYS:
            base[t] = float(np.median(around))
    ok = base > 0
    if ok.sum() < MIN_DAYS:
        return base, 1.0
    r = (counts[ok] - base[ok]) / np.sqrt(base[ok])
    mad = float(np.median(np.abs(r - np.median(r)))) * 1.4826
    return base, max(1.0, mad * mad)


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    out: list[Candidate] = []
    c = data.customers
    days = data.days
    idx = c["dayno"].to_numpy("int64")
    new = np.bincount(idx[(idx >= 0) & (idx < days)], minlength=days)[:days].astype("float64")
    active = daily_array(data.active_daily, 0, days, "customers")
    for metric, counts in (("new_customers", new), ("active_customers", active)):
        base, dispersion = levels(counts)
        for t in range(days):
            if not base[t] > 0:
                continue
            p = stats.count_spike_p(counts[t], base[t], dispersion)
            day = data.first_day + dt.timedelta(days=t)
            f = Finding(kind="spike", title="", metric=metric, period={"start": day.isoformat(),
                                                                      "end": (day + dt.timedelta(days=1)).isoformat()},
                        baseline=float(base[t]), observed=float(counts[t]), p_value=p, unit="count", n=1, test=TEST)
            excess = counts[t] - base[t]
            f.effect = float(excess)
            f.details["dispersion"] = dispersion
            out.append(Candidate(f, "spike", group="spike", size=float(excess),
                                 eligible=counts[t] >= opts.spike_ratio * base[t] and excess >= opts.min_customers))
    return out


def merge(shown: list[Candidate], data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    """Consecutive spike days of one metric as one finding, with the conversion of its customers."""
    out: list[Candidate] = []
    by_metric: dict[str, list[Candidate]] = {}
    for cand in shown:
        by_metric.setdefault(cand.finding.metric, []).append(cand)
    complete = customer_frame(data)
    for cands in by_metric.values():
        cands.sort(key=lambda x: x.finding.period["start"] if x.finding.period else "")
        runs: list[list[Candidate]] = []
        for cand in cands:
            assert cand.finding.period is not None
            if runs and runs[-1][-1].finding.period and runs[-1][-1].finding.period["end"] == cand.finding.period["start"]:
                runs[-1].append(cand)
            else:
                runs.append([cand])
        for run in runs:
            f = run[0].finding
            assert f.period is not None and run[-1].finding.period is not None
            f.period = {"start": f.period["start"], "end": run[-1].finding.period["end"]}
            f.baseline = float(sum(x.finding.baseline or 0 for x in run))
            f.observed = float(sum(x.finding.observed or 0 for x in run))
            f.effect = f.observed - f.baseline
            f.n = len(run)
            f.p_value = min(1.0 if x.finding.p_value is None else x.finding.p_value for x in run)
            f.q_value = min(1.0 if x.finding.q_value is None else x.finding.q_value for x in run)
            _conversion(f, complete, data)
            excess = f.effect
            gap = abs(f.details.get("conversion_difference") or 0.0)
            f.customers = int(f.observed)
            f.score = float(excess) * max(gap, 0.05)
            out.append(run[0])
    return out


def _conversion(f: Finding, c: pd.DataFrame, data: FindingsData) -> None:
    if not data.marks.goals or c.empty or f.period is None:
        return
    start, end = ((dt.date.fromisoformat(f.period[k]) - data.first_day).days for k in ("start", "end"))
    day = c["dayno"].to_numpy()
    inside = (day >= start) & (day < end)
    around = (day >= start - 28) & (day < end + 28) & ~inside
    goal = c["goal"].to_numpy(bool)
    x2, n2 = int(goal[inside].sum()), int(inside.sum())
    x1, n1 = int(goal[around].sum()), int(around.sum())
    if n1 == 0 or n2 == 0:
        return
    _z, p = stats.compare_proportions(x1, n1, x2, n2)
    f.details.update(spike_customers=n2, spike_conversion=x2 / n2, usual_conversion=x1 / n1,
                     conversion_difference=x2 / n2 - x1 / n1, conversion_p_value=None if p != p else p)
