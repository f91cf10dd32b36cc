"""The few queries every finding is computed from: relations → small tables (phase 1 of the findings).

Each is one Ibis expression on the relations of :mod:`journeymap.engine.relations` (the step visits, the
step summary, the event units, the events' properties), so it runs on DuckDB (from the journey index) and
on PySpark alike; on the journey index its result is kept under a name that spells its parameters
(:meth:`~journeymap.engine.source.EventSource.kept`), so a second run reads small tables only.

* **step days**: per day, step and next step: visits, visits followed by the next step within the window
  (and within a session), and the sum and sum of squares of ln(1 + seconds to the next step);
* **active days**: per day the customers with a visit on the journey;
* **event days**: per day and event name: events; per event name: events and customers;
* **customers**: per customer, over the first *window* after their first visit on the journey: first visit
  time, entry step, visits, goal reached (and when last), first failure, an undesigned move back within a
  session, the steps reached and the steps converted at (a progress move within the window; bit masks); and
  their segments: each scanned property's value at their first event that has it, the channel and source of
  their first event, their persona.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.goals import conversion_steps, depth_from_entry, distance_to_goal, progress_edges
from journeymap.engine.relations import EDGE_WIDTH
from journeymap.engine.source import EventSource
from journeymap.engine.where import COLUMN_KEYS, PERSONA, first_values
from journeymap.model.types import Journey

#: Steps beyond this many have no bit in the step masks (the per-step segment scan skips them).
MASK_STEPS = 62
#: Rows read to find the properties worth scanning as segments.
SAMPLE_ROWS = 200_000
#: Segment dimensions that are columns of the events (the rest are properties).
COLUMN_DIMS = COLUMN_KEYS  # the event columns that are segments (engine.where)
PERSONA_DIM = PERSONA


@dataclass
class Marks:
    """The journey's design as step indices and move codes (``a * EDGE_WIDTH + b``)."""

    ids: list[str]
    goals: list[int]
    fail_steps: list[int]
    fail_moves: set[int]
    recover_moves: set[int]
    progress: set[int]
    designed: set[int]
    back: set[int]
    conversion: list[int]
    reach_goal: set[int]

    @property
    def tag(self) -> str:
        """A name part that changes with any mark (results kept in the index spell it)."""
        parts = (self.ids, self.goals, self.fail_steps, sorted(self.fail_moves), sorted(self.recover_moves),
                 sorted(self.progress), sorted(self.back))
        return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]

    def move(self, a: int, b: int) -> int:
        return a * EDGE_WIDTH + b


def journey_marks(journey: Journey) -> Marks:
    ids = [s.id for s in journey.steps]
    pos = {s: i for i, s in enumerate(ids)}
    designed = set(journey.designed_edges())
    depth = depth_from_entry(journey)
    fail, recover, back = set(), set(), set()
    for a in ids:
        for b in ids:
            outcome = journey.move_outcome(a, b)
            code = pos[a] * EDGE_WIDTH + pos[b]
            if outcome == "failure":
                fail.add(code)
            elif outcome == "recovery":
                recover.add(code)
            if a != b and (a, b) not in designed and depth.get(b, 0) <= depth.get(a, 0):
                back.add(code)
    return Marks(
        ids=ids,
        goals=[pos[g] for g in journey.goal_steps()],
        fail_steps=[pos[s] for s in journey.steps_marked("failure")],
        fail_moves=fail,
        recover_moves=recover,
        progress={pos[a] * EDGE_WIDTH + pos[b] for a, b in progress_edges(journey)},
        designed={pos[a] * EDGE_WIDTH + pos[b] for a, b in designed if a in pos and b in pos},
        back=back,
        conversion=sorted(pos[s] for s in conversion_steps(journey)),
        reach_goal={pos[s] for s in distance_to_goal(journey)},
    )


@dataclass
class FindingsData:
    """The small tables the statistics read (see the module docstring)."""

    journey: Journey
    marks: Marks
    window_s: float
    gap_s: float
    first_day: dt.date
    last_day: dt.date
    steps_daily: pd.DataFrame
    events_daily: pd.DataFrame
    events_total: pd.DataFrame
    customers: pd.DataFrame
    active_daily: pd.DataFrame
    dims: list[str] = field(default_factory=list)
    sql: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # frames derived once (customers whose window is complete …)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def _ints(values: set[int] | list[int]) -> list[int]:
    return sorted(values) or [-1]


def step_days(source: EventSource, journey: Journey, window_s: float, gap_s: float) -> ir.Table:
    """Per day, step ``u`` and next step ``nu`` (NULL: none): ``n`` visits, ``inwin`` followed by ``nu`` within
    the window, ``insess`` within the session gap, ``lg_s`` and ``lg_ss`` the sums of ln(1 + seconds to the
    next step) and of their squares over the ``inwin`` visits."""
    v = source.journey(journey).visits("step")
    within = v.nu.notnull() & (v.gap <= window_s)
    lg = (v.gap + 1).ln()
    return v.group_by([v.ts.truncate("D").name("day"), "u", "nu"]).aggregate(
        n=v.count(),
        inwin=within.cast("int32").sum(),
        insess=(v.nu.notnull() & (v.gap <= gap_s)).cast("int32").sum(),
        lg_s=ibis.ifelse(within, lg, 0.0).sum(),
        lg_ss=ibis.ifelse(within, lg * lg, 0.0).sum(),
    )


def active_days(source: EventSource, journey: Journey) -> ir.Table:
    """Per day the customers with a visit on the journey (``day, customers``)."""
    v = source.journey(journey).visits("step")
    return v.group_by(v.ts.truncate("D").name("day")).aggregate(customers=v.cust.nunique())


def event_days(source: EventSource) -> tuple[ir.Table, ir.Table]:
    """(per day and event name the events; per event name the events and customers)."""
    units, names, _ordered = source.event_units()
    daily = units.group_by([units.ts.truncate("D").name("day"), "u"]).aggregate(n=units.count())
    total = units.group_by("u").aggregate(n=units.count(), customers=units.cust.nunique())
    if names is not None:
        lookup = names.select(u=names.ev, event=names.event)
        daily = daily.join(lookup, "u").select("day", "event", "n")
        total = total.join(lookup, "u").select("event", "n", "customers")
    else:
        daily = daily.select("day", event=daily.u, n=daily.n)
        total = total.select(event=total.u, n=total.n, customers=total.customers)
    return daily, total


def customer_outcomes(source: EventSource, journey: Journey, marks: Marks, window_s: float, gap_s: float) -> ir.Table:
    """Per customer the outcomes of the module docstring (``cust`` the customer key)."""
    rel = source.journey(journey)
    v = rel.visits("step")
    first = v.group_by("cust").aggregate(_first=v.ts.min())
    j = v.join(first, "cust")
    j = j.filter(j.ts <= j._first + ibis.interval(seconds=int(window_s)))
    code = j.u.cast("int64") * EDGE_WIDTH + j.nu.cast("int64")
    failed = j.u.isin(_ints(marks.fail_steps)) | (code.isin(_ints(marks.fail_moves)) & (j.gap <= window_s))
    looped = code.isin(_ints(marks.back)) & (j.gap <= gap_s)
    converted = code.isin(_ints(marks.progress)) & (j.gap <= window_s)
    per_step = j.group_by(["cust", "u"]).aggregate(
        n=j.count(), first_ts=j.ts.min(), last_ts=j.ts.max(),
        fail_ts=j.ts.min(where=failed), looped=looped.any(), converted=converted.any(), first=j._first.min(),
    )
    p = per_step
    bit = ibis.ifelse(p.u < MASK_STEPS, ibis.literal(2, "int64").pow(p.u).cast("int64"), 0)  # 1 << u, on every engine
    is_goal = p.u.isin(_ints(marks.goals))
    out = p.group_by("cust").aggregate(
        first=p.first.min(),
        entry=p.u.argmin(p.first_ts),
        n_visits=p.n.sum().cast("int64"),
        goal=is_goal.any(),
        goal_last=p.last_ts.max(where=is_goal),
        fail_first=p.fail_ts.min(),
        looped=p.looped.any(),
        reach_w=bit.sum().cast("int64"),
        conv_w=ibis.ifelse(p.converted, bit, 0).sum().cast("int64"),
    )
    ids = rel.matched.group_by("cust").aggregate(customer_id=rel.matched.customer_id.min())
    res = out.join(ids, "cust", how="left")
    return res.select(out.cust, "customer_id", *[c for c in out.columns if c != "cust"])


def scan_keys(source: EventSource, max_values: int) -> list[str]:
    """Property keys worth scanning as segments: on a sample of the events, keys with between 2 and
    ``max_values`` distinct values."""
    # the first rows as the engine reads them: cheap everywhere (the limit reaches the scan), and in the store
    # they are whole journeys of some thousands of customers, spread over the whole period
    ev = source.events.limit(SAMPLE_ROWS)
    keys_df = C.execute(ev.select(k=ev.properties.keys().unnest()).group_by("k").aggregate(n=ibis._.count()))
    keys = [str(k) for k in keys_df.sort_values("k")["k"] if k is not None and str(k) not in COLUMN_DIMS]
    if not keys:
        return []
    agg = {f"d{i}": ev.properties.get(k).nunique() for i, k in enumerate(keys)}
    counts = C.execute(ev.aggregate(**agg)).iloc[0]
    return [k for i, k in enumerate(keys) if 2 <= int(counts[f"d{i}"] or 0) <= max_values]


def customer_segments(source: EventSource, keys: list[str]) -> ir.Table:
    """Per ``customer_id`` each key's value at their first event that has it, and the channel and source of
    their first event (columns ``seg:<key>``); first in the store's order, time then sequence number."""
    t = source.events_with(set(keys))
    return first_values(t, [*keys, *COLUMN_DIMS], prefix="seg:")


def event_tables(source: EventSource, max_values: int) -> tuple[ir.Table, ir.Table, ir.Table]:
    """The findings' tables that depend on the events alone, not on a journey: events per day and name, per name,
    and every customer's segments (kept beside the events part of the index; the ingest writes them, see
    :func:`prepare`)."""
    daily, total = event_days(source)
    keys = source.memo(("findings keys", max_values), lambda: scan_keys(source, max_values))
    return (source.kept("findings-eventdays", lambda: daily), source.kept("findings-eventtotals", lambda: total),
            source.kept("findings-segments-" + hashlib.sha1(repr(keys).encode()).hexdigest()[:10],
                        lambda: customer_segments(source, keys)))


def prepare(ws: Any) -> None:
    """Write the findings' tables that need no journey into the index of the workspace's store (after an ingest:
    the first ``findings`` then only measures the journey)."""
    from journeymap.engine.findings.base import FindingsOptions
    from journeymap.engine.source import open_source

    with open_source(ws) as source:
        if source.index is not None:
            event_tables(source, FindingsOptions.of(ws).segment_values)


def collect(source: EventSource, journey: Journey, ws: Any, *, window_s: float, gap_s: float,
            max_values: int) -> FindingsData:
    """Run the queries of the module docstring and return their (small) results."""
    from journeymap.engine.personas import journey_personas, personas_of

    marks = journey_marks(journey)
    totals = source.totals()
    first_ts, last_ts = pd.Timestamp(totals["first"]), pd.Timestamp(totals["last"])
    params = f"w{int(window_s)}-g{int(gap_s)}"
    sql: dict[str, str] = {}

    def run(name: str, expr: ir.Table) -> pd.DataFrame:
        df = C.execute_flat(expr)
        sql[name] = str(df.attrs.get(C.SQL_ATTR) or "")
        return df

    steps_daily = run("step days", source.kept(f"findings-stepdays-{params}",
                                                 lambda: step_days(source, journey, window_s, gap_s), journey=journey))
    active = run("active days", source.kept("findings-activedays", lambda: active_days(source, journey),
                                            journey=journey))
    events_daily_t, events_total_t, segs = event_tables(source, max_values)
    events_daily = run("event days", events_daily_t)
    events_total = run("event totals", events_total_t)
    outcomes = source.kept(f"findings-customers-{params}-m{marks.tag}",
                           lambda: customer_outcomes(source, journey, marks, window_s, gap_s), journey=journey)
    seg_cols = [c for c in segs.columns if c != "customer_id"]
    j = outcomes.join(segs, "customer_id", how="left")
    cols: list[Any] = [*outcomes.columns, *seg_cols]
    personas = journey_personas(ws, journey) if ws is not None else []
    if personas:
        pt = personas_of(ws, journey, source)
        j = j.join(pt, "customer_id", how="left")
        cols.append(j.persona.name(f"seg:{PERSONA_DIM}"))
    customers = run("customers", j.select(*cols))
    customers["first"] = pd.to_datetime(customers["first"])
    first_day = pd.Timestamp(first_ts.date())
    customers["dayno"] = ((customers["first"] - first_day).dt.days).astype("int64")
    for c in ("goal_last", "fail_first"):
        customers[c] = pd.to_datetime(customers[c])
    for c in ("goal", "looped"):
        customers[c] = customers[c].fillna(False).astype(bool)
    for c in ("reach_w", "conv_w"):
        customers[c] = customers[c].fillna(0).astype("int64")
    for frame in (steps_daily, events_daily, active):
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
        frame["dayno"] = (pd.to_datetime(frame["day"]) - first_day).dt.days.astype("int64")
    dims = [c for c in customers.columns if c.startswith("seg:")]
    return FindingsData(journey, marks, window_s, gap_s, first_ts.date(), last_ts.date(), steps_daily,
                        events_daily, events_total, customers, active, dims, sql)


def visit_customers(source: EventSource, journey: Journey,
                    specs: list[tuple[int, list[int | None] | None, dt.date, dt.date]]) -> list[int]:
    """Distinct customers with a visit at step ``u`` (followed by one of ``nus`` within the window, ``None`` in
    it meaning no next step) between two dates (end excluded), for each ``(u, nus, start, end)``: one query."""
    if not specs:
        return []
    v = source.journey(journey).visits("step")
    # only the visits any spec can count: their steps, between the first start and the last end
    first, last = min(sp[2] for sp in specs), max(sp[3] for sp in specs)
    v = v.filter(v.u.isin(sorted({sp[0] for sp in specs})) & (v.ts >= pd.Timestamp(first).to_pydatetime())
                 & (v.ts < pd.Timestamp(last).to_pydatetime()))
    # each spec's customers as (spec, customer) pairs, made distinct once: one hash table for all of them (a
    # distinct count per spec in one aggregate keeps one per spec, which costs gigabytes on many findings)
    parts = []
    for i, (u, nus, start, end) in enumerate(specs):
        cond = (v.u == u) & (v.ts >= pd.Timestamp(start).to_pydatetime()) & (v.ts < pd.Timestamp(end).to_pydatetime())
        if nus is not None:
            targets = [x for x in nus if x is not None]
            nxt = v.nu.isin(targets or [-1])
            if None in nus:
                nxt = nxt | v.nu.isnull()
            cond = cond & nxt
        parts.append(v.filter(cond).select(i=ibis.literal(i, "int32"), cust=v.cust))
    pairs = ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0].distinct()
    counts = C.execute(pairs.group_by("i").aggregate(n=pairs.count()))
    found = {int(r.i): int(r.n) for r in counts.itertuples()}
    return [found.get(i, 0) for i in range(len(specs))]


def event_customers(source: EventSource, specs: list[tuple[str, dt.date, dt.date]]) -> list[tuple[int, int]]:
    """(customers with event ``name`` between two dates, customers with any event then), per spec: one query."""
    if not specs:
        return []
    units, names, _ordered = source.event_units()
    if names is not None:
        lookup = C.execute(names)
        code = {str(r.event): int(r.ev) for r in lookup.itertuples()}
    aggs: dict[str, ir.Scalar] = {}
    for i, (name, start, end) in enumerate(specs):
        inside = (units.ts >= pd.Timestamp(start).to_pydatetime()) & (units.ts < pd.Timestamp(end).to_pydatetime())
        is_event = units.u == (code.get(name, -1) if names is not None else name)
        aggs[f"e{i}"] = units.cust.nunique(where=inside & is_event)
        aggs[f"a{i}"] = units.cust.nunique(where=inside)
    row = C.execute(units.aggregate(**aggs)).iloc[0]
    return [(int(row[f"e{i}"] or 0), int(row[f"a{i}"] or 0)) for i in range(len(specs))]


OTHER = "(other)"
NONE = "(none)"


@dataclass
class Segment:
    """One segment column as codes: ``codes[i]`` the value of customer ``i`` as an index into ``names``, −1 for
    customers without a value (they take no part in comparisons)."""

    codes: np.ndarray
    names: list[str]

    def counts(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Customers per value (where ``mask`` holds)."""
        ok = self.codes >= 0 if mask is None else (self.codes >= 0) & mask
        return np.bincount(self.codes[ok], minlength=len(self.names))


def segment_values(column: pd.Series, max_values: int) -> Segment | None:
    """A segment column as codes: values beyond the ``max_values`` most frequent lumped as ``(other)``; None when
    fewer than two values are left or the top values cover less than 80 % of the customers who have one (an
    identifier or an amount, not a segment)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    names = [str(v) for v in uniques]
    if len(names) < 2:
        return None
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    if len(names) > max_values:
        order = np.argsort(-counts, kind="stable")
        top = order[:max_values]
        if counts[top].sum() < 0.8 * counts.sum():
            return None
        remap = np.full(len(names), max_values, dtype="int64")
        remap[top] = np.arange(max_values)
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        names = [names[i] for i in top] + [OTHER]
    return Segment(codes.astype("int64"), names)


def segment_columns(data: FindingsData, which: str, max_values: int) -> dict[str, Segment]:
    """Each segment column (``seg:<key>``) of the customers (``which``: ``all``, or ``complete``: those whose
    window is complete) as codes (:func:`segment_values`), those that are no segment left out; once."""
    key = f"segments-{which}-{max_values}"
    if key not in data.cache:
        if which == "all":
            frame = data.customers
        else:
            from journeymap.engine.findings.change import customer_frame

            frame = customer_frame(data)
        out = {}
        for dim in data.dims:
            values = segment_values(frame[dim], max_values)
            if values is not None:
                out[dim] = values
        data.cache[key] = out
    return data.cache[key]  # type: ignore[no-any-return]
