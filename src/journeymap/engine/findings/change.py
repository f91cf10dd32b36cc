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

A **segment × period interaction** is the same test on a segment's own customer series (each scanned
property value with enough customers, for the goal, failure and loop rates), reported when the change in
that window is concentrated in the segment: the interaction of a logistic model of the outcome on segment ×
window is significant at the false-discovery rate (else the segment's change is just everyone's).
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
from journeymap.engine.findings.data import MASK_STEPS, FindingsData, segment_values
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
        return daily_array(frame, data.first_day, days, col)

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
    """The customers whose first window is complete, with their first day's index."""
    c = data.customers
    cut = data.first_day + dt.timedelta(days=complete_days(data))
    c = c[c["first"].dt.date < cut]
    return c.assign(day=c["first"].dt.date)


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
    idx = np.array([(d - data.first_day).days for d in c["day"]])
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


def test(series: Series, data: FindingsData, opts: FindingsOptions) -> tuple[float, Any, Buckets] | None:
    """(p-value, window, buckets) of a series, or None when it has too little data to be tested."""
    size = choose_size(series.n, opts.daily_count)
    arrays = [series.x, series.n] + ([series.ss] if series.ss is not None else [])
    b_arrays, buckets = bucketise(arrays, data.first_day, size)
    x, n = b_arrays[0], b_arrays[1]
    if (n > 0).sum() < opts.min_buckets or n.sum() < 100:
        return None
    p_cusum = stats.cusum_change(x, n)  # for a mean: the residuals of the sums around n × the mean
    if p_cusum != p_cusum:
        return None
    if series.ss is None:
        window: Any = stats.change_window(x, n)
        p = stats.change_p(p_cusum, window, len(x))
    else:
        window = stats.mean_change_window(x, b_arrays[2], n)
        p = stats.change_p(p_cusum, window[0] if window is not None else None, len(x))
    if p != p or window is None:
        return None
    return p, window, buckets


def _scan(series_list: list[Series], data: FindingsData, opts: FindingsOptions) -> list[tuple[Series, float, Any, Buckets]]:
    out = []
    for s in series_list:
        tested = test(s, data, opts)
        if tested is not None:
            out.append((s, *tested))
    return out


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
        in_window = (c["day"] >= start) & (c["day"] < end)
        f.customers = int(in_window.sum())
        f.score = f.customers * size
        return Candidate(f, "change", group=_group(s, period), size=size, eligible=f.customers >= opts.min_customers)
    f.customers = n_in  # visits, until the customers behind them are counted (for the findings shown)
    f.score = n_in * size
    assert s.u is not None
    return Candidate(f, "change", group=_group(s, period), size=size,
                     visit_spec=(s.u, list(s.nus) if s.nus is not None else None, start, end))


def _group(s: Series, period: dict[str, str]) -> str:
    """Changes of one step's visits belong together (conversion, drop-off, its moves), and so do the changes
    of the customers who started in a window (the goal, the steps reached); overlapping windows are merged."""
    return "change:customers" if s.level == "customer" else f"change:step:{s.steps[0]}"


def interactions(data: FindingsData, opts: FindingsOptions, c: pd.DataFrame) -> list[Candidate]:
    """Segment × period candidates (see the module docstring)."""
    out: list[Candidate] = []
    if c.empty:
        return out
    metrics = outcome_columns(data, c)
    for dim in data.dims:
        values = segment_values(c[dim], opts.segment_values)
        if values is None:
            continue
        counts = values.value_counts()
        for value in [v for v, k in counts.items() if k >= 2 * opts.min_customers and len(c) - k >= opts.min_customers]:
            sel = (values == value).to_numpy()
            seg = {dim.split(":", 1)[1]: value}
            for s in customer_series(data, c, where=sel, segment=seg, reach=False):
                tested = test(s, data, opts)
                if tested is None:
                    continue
                p, window, buckets = tested
                hit, base = metrics[s.metric]
                if p > opts.fdr:  # never shown (q >= p): the interaction model is not needed
                    out.append(Candidate(Finding(kind="interaction", title="", metric=s.metric, p_value=p),
                                         "interaction", eligible=False))
                    continue
                period = buckets.period(window.start, window.end, data.last_day)
                start, end = (dt.date.fromisoformat(period[k]) for k in ("start", "end"))
                inside = ((c["day"] >= start) & (c["day"] < end)).to_numpy()
                cells = []
                for g, gsel in ((1, sel), (0, ~sel)):
                    for wflag, wsel in ((1, inside), (0, ~inside)):
                        m = gsel & wsel & base
                        k = int((hit & m).sum())
                        cells.append((g, wflag, k, int(m.sum()) - k))
                inter = stats.interaction_p(cells)
                rest_in = (hit & ~sel & inside & base).sum() / max(1, (~sel & inside & base).sum())
                f = Finding(kind="interaction", title="", metric=s.metric, segment=seg, period=period,
                            baseline=window.baseline, observed=window.observed, p_value=p, n=int(window.n_in),
                            effect=window.observed - window.baseline, test=stats.CUSUM_TEST)
                f.interval = stats.diff_interval(int(window.x_out), int(window.n_out), int(window.x_in), int(window.n_in))
                f.customers = int((sel & inside & base).sum())
                f.score = f.customers * abs(window.observed - window.baseline)
                f.details.update(interaction_p=inter, rest_in_window=float(rest_in),
                                 buckets="day" if buckets.size == 1 else "week")
                out.append(Candidate(f, "interaction", group=f"interaction:{s.metric}",
                                     size=abs(window.observed - window.baseline),
                                     eligible=f.customers >= opts.min_customers and inter == inter and inter < opts.fdr))
    return out
