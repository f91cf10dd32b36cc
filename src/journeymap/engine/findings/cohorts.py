"""Cohort drift: conversion and path length by the month customers were first seen on the journey.

Over their first window (customers whose window is complete), in months with at least ``min_customers``
customers (three months at least): the share that reached the goal, tested for a trend over the months
(the linear-by-linear association test of the month × reached table), and the visits they made, tested for
a trend by a regression on the month's number (robust standard errors). Baseline and observed are the first
and the last month's values.
"""

from __future__ import annotations

import datetime as dt

from journeymap.engine import stats
from journeymap.engine.findings.base import Candidate, FindingsOptions
from journeymap.engine.findings.change import customer_frame
from journeymap.engine.findings.data import FindingsData
from journeymap.results import Finding


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    c = customer_frame(data)
    if c.empty:
        return []
    month = c["first"].dt.to_period("M")
    sizes = month.value_counts().sort_index()
    kept = sizes[sizes >= opts.min_customers].index
    if len(kept) < 3:
        return []
    inside = month.isin(kept).to_numpy()
    c = c[inside]
    month = month[inside]
    first_m, last_m = min(kept), max(kept)
    period = {"start": first_m.start_time.date().isoformat(),
              "end": (last_m.end_time.date() + dt.timedelta(days=1)).isoformat()}
    out: list[Candidate] = []
    if data.marks.goals:
        g = c.groupby(month)["goal"].agg(["sum", "count"]).sort_index()
        p = stats.ordinal_trend(g["sum"].to_numpy(), g["count"].to_numpy())
        if p == p:
            base = float(g["sum"].iloc[0] / g["count"].iloc[0])
            obs = float(g["sum"].iloc[-1] / g["count"].iloc[-1])
            f = Finding(kind="cohort", title="", metric="goal", period=period, baseline=base, observed=obs,
                        p_value=p, n=int(g["count"].iloc[-1]), customers=int(g["count"].iloc[-1]),
                        effect=obs - base, test=stats.TESTS["linear_by_linear"])
            f.interval = stats.diff_interval(int(g["sum"].iloc[0]), int(g["count"].iloc[0]),
                                             int(g["sum"].iloc[-1]), int(g["count"].iloc[-1]))
            f.details["months"] = {str(m): float(r["sum"] / r["count"]) for m, r in g.iterrows()}
            f.score = f.customers * abs(obs - base)
            out.append(Candidate(f, "cohort", group="cohort:goal", size=abs(obs - base),
                                 eligible=opts.big_enough(base, obs, "share")))
    visits = c["n_visits"].to_numpy("float64")
    number = (month.dt.year * 12 + month.dt.month).to_numpy("int64")
    slope, p = stats.slope_p(visits, number - number.min())
    if p == p:
        means = c.groupby(month)["n_visits"].mean().sort_index()
        base, obs = float(means.iloc[0]), float(means.iloc[-1])
        last_n = int((month == last_m).sum())
        f = Finding(kind="cohort", title="", metric="path_length", period=period, baseline=base, observed=obs,
                    p_value=p, n=last_n, customers=last_n, unit="mean", effect=obs - base,
                    test=stats.TESTS["ols_trend"])
        f.details["months"] = {str(m): float(v) for m, v in means.items()}
        f.details["slope_per_month"] = slope
        size = min(1.0, abs(obs - base) / base) if base else 0.0
        f.score = last_n * size
        out.append(Candidate(f, "cohort", group="cohort:path_length", size=size,
                             eligible=opts.big_enough(base, obs, "mean")))
    return out
