"""Steps, moves and events that appear or vanish: active only in a bounded window.

For each **step** (customers reaching it within their first window, by the day they were first seen), each
**move** between steps (visits at its source step followed by it, per day) and each **event name** (events
per day), the window from its first to its last day with activity is compared with the traffic it could
have had: its weight ``W`` is the share of the traffic (customers first seen, visits at the source step,
all events) that falls in the window. Were it as likely on any day as the traffic says, all ``N``
independent occurrences would fall in some window of that weight with probability at most ``K·W^N`` (``K``
the number of windows there are, T(T+1)/2 for T days: a union bound), which is the p-value. ``N`` counts
customers (for moves and events the occurrences divided by their number per customer, so one busy customer
is not many occurrences).

Moves and events are not looked at in the first ``warmup_days`` of the data (a customer who started before
the export looks new there and their later steps seem to begin), and moves not in the last days whose
window is incomplete. A window that starts after the beginning is an *appearance* (ended before the end:
a bounded one), one that starts at the beginning and ends before the end a *vanishing*.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from journeymap.engine import stats
from journeymap.engine.findings.base import Candidate, FindingsOptions, daily_array
from journeymap.engine.findings.change import complete_days, customer_frame
from journeymap.engine.findings.data import MASK_STEPS, FindingsData
from journeymap.results import Finding

TEST = stats.TESTS["window"]
#: Days from either end of the tested range within which activity still counts as "from the start" / "to the end".
EDGE_DAYS = 7


def window_p(hits: np.ndarray, weights: np.ndarray, n_eff: float) -> tuple[float, int, int, float] | None:
    """(p-value, first active index, last active index, weight share of that window); None without activity."""
    active = np.flatnonzero(hits > 0)
    if not len(active) or weights.sum() <= 0:
        return None
    a, b = int(active[0]), int(active[-1])
    share = float(weights[a:b + 1].sum() / weights.sum())
    T = len(hits)
    k = T * (T + 1) / 2
    if share >= 1.0 or n_eff <= 0:
        return 1.0, a, b, share
    log_p = math.log(k) + n_eff * math.log(max(share, 1e-300))
    return min(1.0, math.exp(log_p)) if log_p < 0 else 1.0, a, b, share


def _kind(a: int, b: int, T: int) -> str | None:
    starts_late, ends_early = a > EDGE_DAYS, b < T - 1 - EDGE_DAYS
    if starts_late:
        return "appear"
    if ends_early:
        return "vanish"
    return None


def _finding(kind: str | None, metric: str, p: float, a: int, b: int, T: int, first: dt.date,
             last: dt.date) -> Finding:
    start = first + dt.timedelta(days=a)
    end = min(first + dt.timedelta(days=b + 1), last + dt.timedelta(days=1))
    f = Finding(kind=kind or "appear", title="", metric=metric, period={"start": start.isoformat(),
                                                                      "end": end.isoformat()},
                p_value=p, unit="share", baseline=0.0, test=TEST)
    f.details["bounded"] = kind == "appear" and b < T - 1 - EDGE_DAYS
    return f


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    out: list[Candidate] = []
    out += _steps(data, opts)
    out += _moves(data, opts)
    out += _events(data, opts)
    return out


def _steps(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    c = customer_frame(data)
    days = complete_days(data)
    if c.empty or days <= 2 * EDGE_DAYS or len(data.marks.ids) > MASK_STEPS:
        return []
    idx = c["dayno"].to_numpy("int64")
    weights = np.bincount(idx, minlength=days)[:days].astype("float64")
    masks = c["reach_w"].to_numpy("int64")
    out = []
    for u, step in enumerate(data.marks.ids):
        hit = (masks >> u) & 1 == 1
        hits = np.bincount(idx[hit], minlength=days)[:days].astype("float64")
        found = window_p(hits, weights, float(hits.sum()))
        if found is None:
            continue
        p, a, b, _share = found
        kind = _kind(a, b, days)
        f = _finding(kind, "reach", p, a, b, days, data.first_day, data.last_day)
        f.steps = [step]
        inside = weights[a:b + 1].sum()
        f.customers = int(hits.sum())
        f.observed = f.customers / inside if inside else None
        f.n = int(inside)
        f.score = f.customers * (f.observed or 0.0)
        out.append(Candidate(f, kind or "appear", group=f"appear:{step}", size=f.observed or 0.0,
                             eligible=kind is not None and f.customers >= opts.min_customers))
    return out


def _moves(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    sd = data.steps_daily
    start, end = opts.warmup_days, complete_days(data)
    if sd.empty or end - start <= 2 * EDGE_DAYS:
        return []
    first = data.first_day + dt.timedelta(days=start)
    T = end - start
    reach = data.customers["reach_w"].to_numpy("int64")
    out = []
    for u, at in sd.groupby("u"):
        u = int(u)
        weights = daily_array(at, start, T, "n")
        visits, customers = at["n"].sum(), int(((reach >> u) & 1).sum()) if u < MASK_STEPS else 0
        per_customer = visits / customers if customers else 1.0
        for nu, moves in at[at["nu"].notna()].groupby("nu"):
            nu = int(nu)
            hits = daily_array(moves, start, T, "inwin")
            found = window_p(hits, weights, float(hits.sum()) / max(per_customer, 1.0))
            if found is None:
                continue
            p, a, b, _share = found
            kind = _kind(a, b, T)
            f = _finding(kind, "transition", p, a, b, T, first, data.last_day)
            f.steps = [data.marks.ids[u], data.marks.ids[nu]]
            f.customers = int(hits.sum())
            inside = weights[a:b + 1].sum()
            f.observed = float(hits.sum() / inside) if inside else None
            f.n = int(inside)
            f.score = f.customers * (f.observed or 0.0)
            s, e = (dt.date.fromisoformat(f.period[k]) for k in ("start", "end")) if f.period else (first, first)
            out.append(Candidate(f, kind or "appear", group=f"appear:{f.steps[1]}", size=f.observed or 0.0,
                                 eligible=kind is not None, visit_spec=(u, [nu], s, e)))
    return out


def _events(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    ed = data.events_daily
    start = opts.warmup_days
    T = data.days - start
    if ed.empty or T <= 2 * EDGE_DAYS:
        return []
    first = data.first_day + dt.timedelta(days=start)
    weights = daily_array(ed, start, T, "n")
    totals = {str(r.event): (int(r.n), int(r.customers)) for r in data.events_total.itertuples()}
    out = []
    for name, rows in ed.groupby("event"):
        hits = daily_array(rows, start, T, "n")
        n, customers = totals.get(str(name), (int(hits.sum()), int(hits.sum())))
        found = window_p(hits, weights, customers * (hits.sum() / n) if n else 0.0)
        if found is None:
            continue
        p, a, b, _share = found
        kind = _kind(a, b, T)
        f = _finding(kind, "events", p, a, b, T, first, data.last_day)
        f.events = [str(name)]
        f.n = int(hits.sum())
        s, e = (dt.date.fromisoformat(f.period[k]) for k in ("start", "end")) if f.period else (first, first)
        out.append(Candidate(f, kind or "appear", group=f"appear-event:{name}", size=1.0,
                             eligible=kind is not None, event_spec=(str(name), s, e)))
    return out
