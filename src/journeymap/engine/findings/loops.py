"""Loops and rework: undesigned moves back, within a session.

A move back is a move the design does not have to a step no later in the journey (:mod:`journeymap.engine.goals`);
within a session (the next visit within the session gap) it is rework, not a customer coming back another
day. For each move back, its rate per visit at its source step is tested against the ``loop_tolerance``
(one-sided binomial test: are significantly more visits than that going back?). Where it concentrates is
in the details: the segment value whose customers at the step loop most against the rest (two-proportion
z-test, its own q-value over those comparisons), and the week with the highest rate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from journeymap.engine import stats
from journeymap.engine.findings.base import Candidate, FindingsOptions
from journeymap.engine.findings.data import MASK_STEPS, FindingsData
from journeymap.engine.findings.segments import dimensions
from journeymap.engine.relations import EDGE_WIDTH
from journeymap.results import Finding

TEST = stats.TESTS["loop"]


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    sd = data.steps_daily
    if sd.empty or not data.marks.back:
        return []
    sd = sd.assign(code=sd["u"].astype("int64") * EDGE_WIDTH + sd["nu"].fillna(-1).astype("int64"))
    visits = sd.groupby("u")["n"].sum()
    back = sd[sd["code"].isin(data.marks.back)]
    out = []
    for (u, nu), rows in back.groupby(["u", "nu"]):
        u, nu = int(u), int(nu)
        x, n = int(rows["insess"].sum()), int(visits.get(u, 0))
        if x == 0 or n == 0:
            continue
        p = stats.binomial_greater(x, n, opts.loop_tolerance)
        rate = x / n
        f = Finding(kind="loop", title="", metric="loop", steps=[data.marks.ids[u], data.marks.ids[nu]],
                    baseline=opts.loop_tolerance, observed=rate, n=n, p_value=p, effect=rate - opts.loop_tolerance,
                    interval=stats.wilson(x, n), test=TEST)
        f.details.update(loops=x, visits=n, peak_week=_peak_week(data, sd, u, nu))
        first, last = data.first_day, data.last_day + dt.timedelta(days=1)
        out.append(Candidate(f, "loop", group=f"loop:{u}:{nu}", size=max(0.0, rate - opts.loop_tolerance),
                             visit_spec=(u, [nu], first, last)))
    return out


def _peak_week(data: FindingsData, sd: object, u: int, nu: int) -> str | None:
    import pandas as pd

    frame: pd.DataFrame = sd  # type: ignore[assignment]
    at = frame[frame["u"] == u]
    if at.empty:
        return None
    week = pd.to_datetime(at["day"]).dt.to_period("W-SUN").dt.start_time.dt.date
    n = at.groupby(week)["n"].sum()
    x = at[at["nu"] == nu].groupby(week)["insess"].sum().reindex(n.index, fill_value=0)
    rate = (x / n)[n >= 30]
    return None if rate.empty else rate.idxmax().isoformat()


def concentration(data: FindingsData, f: Finding, opts: FindingsOptions) -> None:
    """Where a shown loop concentrates: the segment value whose customers at the step loop most (details)."""
    u = data.marks.ids.index(f.steps[0])
    c = data.customers
    if u >= MASK_STEPS:
        return
    at = ((c["reach_w"].to_numpy("int64") >> u) & 1) == 1
    looped = c["looped"].to_numpy(bool)
    best: tuple[float, str, str, float, float] | None = None
    tests = []
    for key, segment in dimensions(data, "all", opts).items():
        known = segment.codes >= 0
        for i, value in enumerate(segment.names):
            sel = segment.codes == i
            rest = known & ~sel
            n1, n2 = int((at & rest).sum()), int((at & sel).sum())
            if n1 < opts.min_customers or n2 < opts.min_customers:
                continue
            x1, x2 = int((looped & at & rest).sum()), int((looped & at & sel).sum())
            _z, p = stats.compare_proportions(x1, n1, x2, n2)
            if p == p and x2 / n2 > x1 / n1:
                tests.append((p, key, str(value), x2 / n2, x1 / n1))
    if not tests:
        return
    q = stats.bh([t[0] for t in tests], opts.fdr)
    i = int(np.nanargmin(q))
    if q[i] <= opts.fdr:
        p, key, value, rate, rest = tests[i]
        best = (float(q[i]), key, value, rate, rest)
        f.details["concentrated_in"] = {"segment": {best[1]: best[2]}, "loop_rate": best[3], "rest": best[4],
                                        "q_value": best[0]}
