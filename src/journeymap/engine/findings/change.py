"""Change points over time, and segment × period interactions.

Every series is a rate (x of n per day) or a mean (of ln(1 + seconds) per day):

* per **visit** at a step, from the step days: conversion (a progress move within the window), failure (a
  failure move), recovery (at a failure step: a recovery or progress move), each move's probability (the
  next step within the window, or none: drop-off), the time to the next step;
* per **customer**, by the day they were first seen on the journey, over their first window: the goal
  reached, a failure, a recovery after it, a loop, each step reached.

Days whose window is not complete at the end of the data are left out (their outcomes are not known yet).
A series is tested per day when the median day has ``daily_count`` units, else per week; it needs
``min_buckets`` buckets with data. The test is the OLS-CUSUM test on the residuals x − n·p̂ (a Brownian
bridge under "no change", its variance estimated from the data); the window is the segment PELT finds that
stands furthest from the rest (:func:`journeymap.engine.stats.change_window`).

A **segment × period interaction** is a window in which a segment departs from the other customers (each
scanned property value with enough customers, for the goal, failure, recovery and loop rates): the same
two tests on the segment's excess over what the other customers' rate in each bucket predicts (so an
incident, a drift or a spike that hits everyone cancels out), the window's own test being the Breslow-Day
test of equal odds ratios (segment vs the others) in and out of the window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journeymap.engine import stats
from journeymap.engine.findings.base import Buckets, Candidate, FindingsOptions, bucketise, choose_size, daily_array
from journeymap.engine.findings.data import MASK_STEPS, FindingsData
from journeymap.engine.relations import EDGE_WIDTH
from journeymap.results import Finding


@dataclass
class Series:
    """A daily series to test: a rate (``x`` of ``n``) or, with ``ss``, a mean (``x`` the sum, ``ss`` the sum of
    squares of ``n`` values)."""

    metric: str
    steps: list[str]
    x: np.ndarray
    n: np.ndarray
    level: str  # "visit" or "customer"
    unit: str = "share"
    ss: np.ndarray | None = None
    u: int | None = None
    nus: Sequence[int | None] | None = None  # the moves the visits count (customers affected)
    segment: dict[str, str] | None = None
    mask: Any = None  # customer level: which customers (a boolean array) and what counts as x


def complete_days(data: FindingsData) -> int:
    """Days from the first whose window is complete before the data ends."""
    return max(0, data.days - math.ceil(data.window_s / 86400))


def visit_series(data: FindingsData) -> list[Series]:
    m = data.marks
    sd = data.steps_daily
    days = complete_days(data)
    out: list[Series] = []
    if sd.empty or days <= 0:
        return out
    sd = sd.assign(code=sd["u"].astype("int64") * EDGE_WIDTH + sd["nu"].fillna(-1).astype("int64"))
    ids = m.ids

    def arr(frame: pd.DataFrame, col: str) -> np.ndarray:
        return daily_array(frame, 0, days, col)

    for u in sorted(sd["u"].dropna().astype(int).unique()):
        at = sd[sd["u"] == u]
        n = arr(at, "n")
        if n.sum() <= 0:
            continue
        step = ids[u]
        if u in m.conversion:
            prog = at[at["code"].isin(m.progress)]
            out.append(Series("conversion", [step], arr(prog, "inwin"), n, "visit", u=u,
                              nus=sorted({int(v) for v in prog["nu"].dropna()})))
        fail = at[at["code"].isin(m.fail_moves)]
        if fail["inwin"].sum() > 0:
            out.append(Series("failure", [step], arr(fail, "inwin"), n, "visit", u=u,
                              nus=sorted({int(v) for v in fail["nu"].dropna()})))
        if u in m.fail_steps:
            rec = at[at["code"].isin(m.recover_moves | m.progress)]
            out.append(Series("recovery", [step], arr(rec, "inwin"), n, "visit", u=u,
                              nus=sorted({int(v) for v in rec["nu"].dropna()})))
        for nu, moves in at[at["nu"].notna()].groupby("nu"):
            if moves["inwin"].sum() >= 50:
                out.append(Series("transition", [step, ids[int(nu)]], arr(moves, "inwin"), n, "visit", u=u,
                                  nus=[int(nu)]))
        end = n - arr(at, "inwin")
        if end.sum() >= 50:
            out.append(Series("dropoff", [step], end, n, "visit", u=u, nus=[None]))
        timed = at[at["nu"].notna()]
        if timed["inwin"].sum() >= 50:
            out.append(Series("time_to_next", [step], arr(timed, "lg_s"), arr(timed, "inwin"), "visit",
                              unit="seconds", ss=arr(timed, "lg_ss"), u=u,
                              nus=sorted({int(v) for v in timed["nu"].dropna()})))
    return out


def customer_frame(data: FindingsData) -> pd.DataFrame:
    """The customers whose first window is complete (computed once per data)."""
    if "complete" not in data.cache:
        c = data.customers
        data.cache["complete"] = c[c["dayno"].to_numpy() < complete_days(data)]
    return data.cache["complete"]  # type: ignore[no-any-return]


def outcome_columns(data: FindingsData, c: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per customer-level metric: (counts, eligible) boolean arrays over the customers of ``c``."""
    m = data.marks
    everyone = np.ones(len(c), dtype=bool)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if m.goals:
        out["goal"] = (c["goal"].to_numpy(bool), everyone)
    failed = c["fail_first"].notna().to_numpy()
    if m.fail_steps or m.fail_moves:
        out["failure"] = (failed, everyone)
        recovered = (c["goal_last"] > c["fail_first"]).fillna(False).to_numpy(bool)
        if m.goals and failed.sum():
            out["recovery"] = (recovered & failed, failed)
    if m.back:
        out["loop"] = (c["looped"].to_numpy(bool), everyone)
    return out


def customer_series(data: FindingsData, c: pd.DataFrame, where: np.ndarray | None = None,
                    segment: dict[str, str] | None = None, reach: bool = True) -> list[Series]:
    days = complete_days(data)
    if days <= 0 or c.empty:
        return []
    idx = c["dayno"].to_numpy("int64")
    sel = np.ones(len(c), dtype=bool) if where is None else where

    def daily(flags: np.ndarray) -> np.ndarray:
        return np.bincount(idx[flags & sel], minlength=days)[:days].astype("float64")

    out = []
    for metric, (hit, base) in outcome_columns(data, c).items():
        out.append(Series(metric, [], daily(hit & base), daily(base), "customer", segment=segment,
                          mask=(metric, sel)))
    if reach and len(data.marks.ids) <= MASK_STEPS:
        masks = c["reach_w"].to_numpy("int64")
        n = daily(np.ones(len(c), dtype=bool))
        for u, step in enumerate(data.marks.ids):
            hit = (masks >> u) & 1 == 1
            if hit.sum() >= 50 and (~hit).sum() >= 50:
                out.append(Series("reach", [step], daily(hit), n, "customer", segment=segment, mask=("reach", u)))
    return out


def test(series: Series, data: FindingsData, opts: FindingsOptions) -> list[tuple[float, Any, Buckets]]:
    """Each window where a series differs, with its p-value (:func:`journeymap.engine.stats.change_p`) and the
    buckets; empty when the series has too little data to be tested."""
    size = choose_size(series.n, opts.daily_count)
    arrays = [series.x, series.n] + ([series.ss] if series.ss is not None else [])
    b_arrays, buckets = bucketise(arrays, data.first_day, size)
    x, n = b_arrays[0], b_arrays[1]
    if (n > 0).sum() < opts.min_buckets or n.sum() < 100:
        return []
    p_cusum = stats.cusum_change(x, n)  # for a mean: the residuals of the sums around n × the mean
    if p_cusum != p_cusum:
        return []
    windows: list[Any] = (stats.change_windows(x, n) if series.ss is None
                          else stats.mean_change_windows(x, b_arrays[2], n))
    if not windows:
        return []
    # the first window is the most extreme; of near ties the shorter (an episode rather than the rest of
    # the data); the others only when they are episodes too (under half the buckets): the complement of an
    # episode is the baseline, not a finding
    top = max(abs(_z(w if series.ss is None else w[0])) for w in windows)
    windows.sort(key=lambda w: (abs(_z(w if series.ss is None else w[0])) < 0.99 * top,
                                _length(w if series.ss is None else w[0])))
    out = []
    for i, window in enumerate(windows):
        w = window if series.ss is None else window[0]
        if i and 2 * _length(w) >= len(x):
            continue
        p = stats.change_p(p_cusum, w, len(x), first=i == 0)
        if p == p:
            out.append((p, window, buckets))
    return out


def _z(w: stats.Window) -> float:
    from scipy.stats import norm

    return float(norm.isf(max(w.p_window, 1e-300) / 2))


def _length(w: stats.Window) -> int:
    return w.end - w.start


def _scan(series_list: list[Series], data: FindingsData, opts: FindingsOptions) -> list[tuple[Series, float, Any, Buckets]]:
    return [(s, p, window, buckets) for s in series_list for p, window, buckets in test(s, data, opts)]


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    """Change candidates (visit and customer level) and segment × period interaction candidates."""
    out: list[Candidate] = []
    c = customer_frame(data)
    tested = _scan(visit_series(data), data, opts) + _scan(customer_series(data, c), data, opts)
    for s, p, window, buckets in tested:
        out.append(_candidate(s, p, window, buckets, data, opts, c))
    out.extend(interactions(data, opts, c))
    return out


def _numbers(s: Series, window: Any) -> tuple[float, float, float, float, tuple[float, float] | None, int]:
    """(baseline, observed, effect, effect size for the score, interval, n in the window)."""
    if s.ss is None:
        w = window
        lo, hi = stats.diff_interval(int(w.x_out), int(w.n_out), int(w.x_in), int(w.n_in))
        return w.baseline, w.observed, w.observed - w.baseline, abs(w.observed - w.baseline), (lo, hi), int(w.n_in)
    w, mean_in, mean_out = window
    base, obs = math.expm1(mean_out), math.expm1(mean_in)
    size = min(1.0, abs(mean_in - mean_out))  # |ln ratio| of the times, at most 1
    return base, obs, obs - base, size, None, int(w.n_in)


def _candidate(s: Series, p: float, window: Any, buckets: Buckets, data: FindingsData, opts: FindingsOptions,
               c: pd.DataFrame) -> Candidate:
    w = window if s.ss is None else window[0]
    period = buckets.period(w.start, w.end, data.last_day)
    baseline, observed, effect, size, interval, n_in = _numbers(s, window)
    f = Finding(kind="change", title="", metric=s.metric, steps=list(s.steps), segment=s.segment, period=period,
                baseline=baseline, observed=observed, p_value=p, unit=s.unit, n=n_in, effect=effect,
                interval=interval, test=stats.CUSUM_TEST)
    f.details["level"] = s.level
    f.details["buckets"] = "day" if buckets.size == 1 else "week"
    start, end = (dt.date.fromisoformat(period[k]) for k in ("start", "end"))
    if s.level == "customer":
        dayno = c["dayno"].to_numpy()
        f.customers = int(((dayno >= (start - data.first_day).days) & (dayno < (end - data.first_day).days)).sum())
        f.score = f.customers * size
        return Candidate(f, "change", group=_group(s, period), size=size, rank=-math.log10(max(p, 1e-300)),
                         eligible=f.customers >= opts.min_customers and opts.big_enough(baseline, observed, s.unit))
    f.customers = n_in  # visits, until the customers behind them are counted (for the findings shown)
    f.score = n_in * size
    assert s.u is not None
    # of one step's changes in one window the clearest is shown (a failure rate over the time it takes)
    return Candidate(f, "change", group=_group(s, period), size=size, rank=-math.log10(max(p, 1e-300)),
                     eligible=opts.big_enough(baseline, observed, s.unit),
                     visit_spec=(s.u, list(s.nus) if s.nus is not None else None, start, end))


def _group(s: Series, period: dict[str, str]) -> str:
    """Changes of one step's visits belong together (conversion, drop-off, its moves), and so do the changes
    of the customers who started in a window (the goal, the steps reached); overlapping windows are merged."""
    return "change:customers" if s.level == "customer" else f"change:step:{s.steps[0]}"


def interactions(data: FindingsData, opts: FindingsOptions, c: pd.DataFrame) -> list[Candidate]:
    """Segment × period candidates (see the module docstring): for each segment value and customer-level
    metric, where the segment departs from the other customers over time."""
    out: list[Candidate] = []
    if c.empty:
        return out
    days = complete_days(data)
    idx = c["dayno"].to_numpy("int64")
    metrics = outcome_columns(data, c)
    from journeymap.engine.findings.segments import dimensions

    for key, segment in dimensions(data, "complete", opts).items():
        known = segment.codes >= 0
        counts = segment.counts()
        total = int(counts.sum())
        for i in [i for i, k in enumerate(counts) if k >= 2 * opts.min_customers and total - k >= opts.min_customers]:
            sel = segment.codes == i
            seg = {key: segment.names[i]}
            for metric, (hit, base) in metrics.items():
                arrays = [np.bincount(idx[m], minlength=days)[:days].astype("float64")
                          for m in (hit & base & sel, base & sel, hit & base & known & ~sel, base & known & ~sel)]
                out.extend(_interaction(metric, seg, arrays, data, opts))
    return out


def _interaction(metric: str, seg: dict[str, str], daily: list[np.ndarray], data: FindingsData,
                 opts: FindingsOptions) -> list[Candidate]:
    """The windows where a segment's rate departs from the other customers' (the common ups and downs of
    both cancel out): the CUSUM test on the segment's excess over what the others' rate that bucket predicts,
    the windows by PELT, each tested by the Breslow-Day test of equal odds ratios in and out of it."""
    size = choose_size(daily[1], opts.daily_count)
    (xs, ns, xr, nr), buckets = bucketise(daily, data.first_day, size)
    if (ns > 0).sum() < opts.min_buckets or ns.sum() < 100 or nr.sum() < 100:
        return []
    rest = np.where(nr > 0, xr / np.maximum(nr, 1), xr.sum() / nr.sum())
    expected = ns * rest
    scale = xs.sum() / expected.sum() if expected.sum() > 0 else 1.0  # the segment's constant difference
    q = np.clip(rest * scale, 1e-6, 1 - 1e-6)
    resid = xs - ns * q
    from statsmodels.stats.diagnostic import breaks_cusumolsresid

    if not np.any(resid):
        return []
    p_cusum = float(breaks_cusumolsresid(resid, ddof=1)[1])
    z = resid / np.sqrt(np.maximum(ns * q * (1 - q), 1e-9))
    edges = stats._segments(z, 2)
    T = len(xs)
    found = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b - a < 2 or T - (b - a) < 2 or 2 * (b - a) >= T + 1 and len(edges) > 3:
            continue
        cells = []
        for g, (x, n) in ((1, (xs, ns)), (0, (xr, nr))):
            inside_x, inside_n = x[a:b].sum(), n[a:b].sum()
            cells.append((g, 1, int(inside_x), int(inside_n - inside_x)))
            cells.append((g, 0, int(x.sum() - inside_x), int(n.sum() - inside_n - (x.sum() - inside_x))))
        p_window = stats.odds_ratio_change_p(cells)
        if p_window == p_window:
            found.append((p_window, a, b, cells))
    found.sort()
    out = []
    for i, (p_window, a, b, cells) in enumerate(found):
        scan = p_window * T * (T + 1) / 2
        p = min(1.0, 2 * min(p_cusum, scan)) if i == 0 else min(1.0, scan)
        c_in = next(x for x in cells if x[:2] == (1, 1))
        c_out = next(x for x in cells if x[:2] == (1, 0))
        r_in = next(x for x in cells if x[:2] == (0, 1))
        n_in, n_out = c_in[2] + c_in[3], c_out[2] + c_out[3]
        if not n_in or not n_out:
            continue
        observed, baseline = c_in[2] / n_in, c_out[2] / n_out
        period = buckets.period(a, b, data.last_day)
        f = Finding(kind="interaction", title="", metric=metric, segment=seg, period=period, baseline=baseline,
                    observed=observed, p_value=p, n=n_in, effect=observed - baseline, customers=n_in,
                    test=stats.TESTS["breslow_day"])
        f.interval = stats.diff_interval(c_out[2], n_out, c_in[2], n_in)
        rest_n = r_in[2] + r_in[3]
        f.details.update(rest_in_window=r_in[2] / rest_n if rest_n else None, window_p_value=p_window,
                         buckets="day" if buckets.size == 1 else "week")
        f.score = n_in * abs(observed - baseline)
        out.append(Candidate(f, "interaction", group=f"interaction:{metric}:{','.join(f'{k}={v}' for k, v in seg.items())}",
                             size=abs(observed - baseline),
                             eligible=n_in >= opts.min_customers and opts.big_enough(baseline, observed, "share")))
    return out
