"""The relations every analysis is written on, each defined once as an Ibis expression.

Like a dbt model, each function here says *what* a relation is; :mod:`.source` decides *how* it is
kept: as an expression run on the events each time (any backend), or as a table of the journey index
(:mod:`.index`, DuckDB), which writes exactly these expressions into its files. No analysis reads the
events or the index directly.

* **matched**: the events on a step of the journey, ``cust, customer_id, ts, seq, si, channel`` (``si``
  the step's index in map order; ``cust`` the customer key: the store's integer number, else the id).
* **units**: matched events at a level, ``cust, ts, seq, u``: ``u`` the step index (``si``) or the
  stage index of its step.
* **neighbours**: every unit event beside the next one of its customer in journey order:
  ``cust, ts, seq, u, nu, gap, is_end`` (``nu`` the next event's unit, NULL at the customer's last
  event; ``gap`` seconds from this event to the next; ``is_end`` this event ends a visit).
* **firsts**: each customer's first unit (the map's entry it took): ``cust, u``.
* **visits**: a *visit* is a run of consecutive events of one customer at the same unit; one row per
  visit, at its last event: ``cust, ts, seq, u, nu, gap`` (``nu`` the next visit's unit, ``gap`` the
  seconds from leaving this visit to the next one's start).
* **stage visits** and the **stage summary** come from the step visits and the step summary (a stage
  visit is a run of step visits in one stage), not from another pass over the events.
* **summary**: per customer and unit, what the step metrics need for any window: ``n_events``,
  ``n_visits``, ``min_designed_gap`` (shortest gap from a visit to a designed next unit), ``max_gap``
  (longest gap to any next visit), ``has_last`` (the journey ends there), ``n_undesigned`` (visits
  followed by a unit the design does not lead to).
* **sequences**: per customer, ``cust, customer_id, sis`` (step indices), ``tss`` (times) and ``s``
  (the steps as :data:`STEP_CHARS`, one character per event), in journey order.
* **sessions**: the matched events with ``sess``, the customer's session number (:mod:`.sessions`).
* **event units**: every event as ``cust, ts, seq, u`` with ``u`` the event name (or its integer code
  in the index, decoded after aggregation); **event counts**: ``event, channel, n``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from journeymap.engine import compile as C

#: One character per step index in the step strings (journeys with more steps have none).
STEP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: A designed edge between unit indices ``a`` and ``b`` as one integer: ``a * EDGE_WIDTH + b``.
EDGE_WIDTH = 1 << 16
MATCHED = ("cust", "customer_id", "ts", "seq", "si", "channel")


def edge_codes(edges: Sequence[tuple[int, int]]) -> list[int]:
    """Designed edges as integers (``[-1]`` when there are none, so ``isin`` always has a list)."""
    return [a * EDGE_WIDTH + b for a, b in edges] or [-1]


def matched(journey: object, events: ir.Table) -> ir.Table:
    """``MATCHED`` from any event table: the bindings matched by :func:`~.binding.match_steps`."""
    from journeymap.engine.binding import match_steps

    m = match_steps(journey, events)  # type: ignore[arg-type]
    cust = m.cust if "cust" in m.columns else m.customer_id
    return m.select(cust=cust, customer_id=m.customer_id, ts=m.ts, seq=m.seq, si=m.step_idx.cast("int16"),
                    channel=m.channel)


def units(matched_: ir.Table, stage_of_step: dict[int, int] | None = None) -> ir.Table:
    """``cust, ts, seq, u``: the step index, or with ``stage_of_step`` the index of the step's stage."""
    u = matched_.si if stage_of_step is None else matched_.si.substitute(stage_of_step, else_=ibis.null("int16"))
    t = matched_.select("cust", "ts", "seq", u=u.cast("int16"))
    return t if stage_of_step is None else t.filter(t.u.notnull())


def neighbours(units_: ir.Table, unit: str = "u", *, ordered: bool = False) -> ir.Table:
    """Each event beside its customer's next one: the columns of ``units_`` plus ``nu`` (the next event's
    ``unit``), ``gap`` and ``is_end`` (see the module docstring). Works on any table with ``ts``, ``seq``, a
    customer key and a unit column (a step, a channel, an event name …).

    ``ordered``: the plan knows ``units_`` is a scan of a table stored in journey order, so the next
    row is found by a positional join (one linear pass) instead of a window.
    """
    n = C.with_next(units_, {"nu": unit, "nts": "ts"}, ordered=ordered)
    n = n.mutate(gap=C.seconds_between(n.ts, n.nts), is_end=n.nu.isnull() | (n.nu != n[unit]))
    return n.drop("nts")


def firsts(units_: ir.Table, *, ordered: bool = False) -> ir.Table:
    """Each customer's first unit in journey order (where the journey enters the map): ``cust, u``."""
    p = C.with_next(units_, {}, prev={"pu": "u"}, ordered=ordered)
    f = p.filter(p.pu.isnull())
    return f.select("cust", "u")


def visits(neighbours_: ir.Table) -> ir.Table:
    """One row per visit (a run of one customer's consecutive events at one unit), at its last event."""
    v = neighbours_.filter(neighbours_.is_end)
    return v.drop("is_end")


def summary(neighbours_: ir.Table, designed: Sequence[tuple[int, int]]) -> ir.Table:
    """Per customer and unit, the counts and gap extremes of the module docstring, in one aggregation."""
    n = neighbours_
    is_designed = (n.u.cast("int64") * EDGE_WIDTH + n.nu.cast("int64")).isin(edge_codes(designed)).fill_null(False)
    return n.group_by(["cust", "u"]).aggregate(
        n_events=n.count().cast("int32"),
        n_visits=n.is_end.cast("int32").sum().cast("int32"),
        min_designed_gap=n.gap.min(where=n.is_end & is_designed),
        max_gap=n.gap.max(where=n.is_end),
        has_last=n.nu.isnull().any(),
        n_undesigned=(n.is_end & n.nu.notnull() & ~is_designed).cast("int32").sum().cast("int32"),
    )


def stage_visits(step_visits: ir.Table, stage_of: dict[int, int]) -> ir.Table:
    """Stage visits from step visits: a stage visit is a run of consecutive step visits in one stage, so it ends
    at the step visit whose next visit is in another stage (or at the customer's last); its gap is that step
    visit's gap. Columns as :func:`visits`, ``u`` and ``nu`` stage indices."""
    null = ibis.null("int16")
    v = step_visits.mutate(su=step_visits.u.substitute(stage_of, else_=null).cast("int16"),
                           snu=step_visits.nu.substitute(stage_of, else_=null).cast("int16"))
    ends = v.filter(v.su.notnull() & (v.nu.isnull() | (v.snu != v.su)))
    return ends.select("cust", "ts", "seq", u=ends.su, nu=ends.snu, gap=ends.gap)


def stage_summary(stage_visits_: ir.Table, step_summary: ir.Table, stage_of: dict[int, int],
                  designed: Sequence[tuple[int, int]]) -> ir.Table:
    """Per customer and stage the columns of :func:`summary`: the events from the step summary, the rest from the
    stage visits."""
    s = step_summary.mutate(su=step_summary.u.substitute(stage_of, else_=ibis.null("int16")).cast("int16"))
    ev = s.group_by(["cust", s.su.name("u")]).aggregate(n_events=s.n_events.sum().cast("int32"))
    return summary_from_visits(stage_visits_, ev, designed)


def summary_from_visits(visits_: ir.Table, events: ir.Table, designed: Sequence[tuple[int, int]]) -> ir.Table:
    """The columns of :func:`summary` from the visits (a visit's end is where :func:`summary` counts) and
    ``events`` (``cust, u, n_events``), with ``designed`` as the designed moves: the step summary for other moves
    (a goal's progress moves) without another pass over the events, and the stage summary."""
    v = visits_
    is_designed = (v.u.cast("int64") * EDGE_WIDTH + v.nu.cast("int64")).isin(edge_codes(designed)).fill_null(False)
    vs = v.group_by(["cust", "u"]).aggregate(
        n_visits=v.count().cast("int32"),
        min_designed_gap=v.gap.min(where=is_designed),
        max_gap=v.gap.max(),
        has_last=v.nu.isnull().any(),
        n_undesigned=(v.nu.notnull() & ~is_designed).cast("int32").sum().cast("int32"),
    )
    j = events.select("cust", "u", "n_events").join(vs, ["cust", "u"])
    return j.select("cust", "u", "n_events", "n_visits", "min_designed_gap", "max_gap", "has_last", "n_undesigned")


def sequences(matched_: ir.Table, n_steps: int) -> ir.Table:
    """Per customer its steps and times in journey order, and the steps as a string of :data:`STEP_CHARS`."""
    m = matched_
    arrays = C.ordered_arrays({"sis": m.si, "tss": m.ts}, [m.ts, m.seq])
    g = m.group_by("cust").aggregate(customer_id=m.customer_id.min(), **arrays)
    chars = ibis.literal(STEP_CHARS)
    s = (g.sis.map(lambda x: chars.substr(x.cast("int32"), 1)).join("") if n_steps <= len(STEP_CHARS)
         else ibis.null("string"))
    return g.select("cust", "customer_id", "sis", "tss", s=s)


def event_units(events: ir.Table) -> ir.Table:
    """Every event as ``cust, ts, seq, u`` with ``u`` the event name."""
    cust = events.cust if "cust" in events.columns else events.customer_id
    return events.select(cust=cust, ts=events.ts, seq=events.seq, u=events.event)


def event_counts(events: ir.Table) -> ir.Table:
    """``event, channel, n``: every (event, channel) pair with its number of events."""
    return events.group_by(["event", "channel"]).aggregate(n=events.count())


def totals(events: ir.Table) -> ir.Table:
    """One row: ``events, customers, first, last``."""
    cust = events.cust if "cust" in events.columns else events.customer_id
    return events.aggregate(events=events.count(), customers=cust.nunique(), first=events.ts.min(),
                            last=events.ts.max())


def sessions(matched_: ir.Table, gap_seconds: float, key: str | None = None) -> ir.Table:
    """The columns of ``matched_`` plus ``sess``: the customer's session number (0, 1, … in journey order).

    A session starts at a customer's first event, after more than ``gap_seconds`` without an event, and
    (with ``key``, a column holding a session id) where the id differs from the previous event's; an event
    without an id, or after one without, starts a session only by the gap."""
    m = matched_
    w = ibis.window(group_by="cust", order_by=[m.ts, m.seq])
    prev_ts = m.ts.lag().over(w)
    start = prev_ts.isnull() | (C.seconds_between(prev_ts, m.ts) > gap_seconds)
    if key is not None:
        prev_key = m[key].lag().over(w)
        start = start | (prev_key.notnull() & m[key].notnull() & (prev_key != m[key]))
    s = m.mutate(_start=start.cast("int64"))
    cumulative = ibis.window(group_by="cust", order_by=[s.ts, s.seq], preceding=None, following=0)
    out = s.mutate(sess=(s._start.sum().over(cumulative) - 1).cast("int64"))
    return out.drop("_start", *([key] if key is not None else []))
