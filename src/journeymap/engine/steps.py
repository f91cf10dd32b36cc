"""Step and stage metrics: reach, conversion, drop-off, timing, revisits, entries and exits.

Definitions (the tests compute them by hand from the same words):

* A **visit** is a run of consecutive matched events of one customer at the same step
  (or stage); it starts at the run's first event. Repeats inside a run are one visit.
* **reach**: customers with at least one event at the step; **events**: matched events;
  **share**: reach / all customers in the data.
* **conversion**: share of reached customers with at least one visit whose next visit is a
  designed next step (the step's ``next`` edges) starting within the window (default 14 days).
* **drop-off**: share of reached customers with at least one visit that has no next visit
  within the window (the journey ends or stalls there).
* **median / p90 seconds**: from the start of a visit to the start of the next visit, over
  all visits that have a next visit (interpolated quantiles).
* **revisits**: visits beyond a customer's first at the step (count), and the share of
  reached customers with two or more visits (a loop back).
* **entries / exits**: customers whose first / last visit is at the step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.binding import match_steps
from journeymap.errors import JourneymapError
from journeymap.model.types import Journey

DEFAULT_WINDOW = dt.timedelta(days=14)
ORDER = ("ts", "seq")


def window_seconds(window: dt.timedelta | float | int | None) -> float:
    """A conversion window in seconds; zero or negative windows are refused with a clear message."""
    if window is None:
        window = DEFAULT_WINDOW
    seconds = window.total_seconds() if isinstance(window, dt.timedelta) else float(window)
    if seconds <= 0:
        raise JourneymapError(f"the conversion window must be positive (got {seconds:g} seconds); "
                              "the default is 14 days")
    return seconds


def customer_window(t: ir.Table) -> Any:
    """Per customer, in journey order (time, then source order)."""
    return ibis.window(group_by="customer_id", order_by=[t.ts, t.seq])


def visits(t: ir.Table, unit: str) -> ir.Table:
    """Collapse runs of the same ``unit`` (step or stage) per customer into visits.

    Adds ``next_unit``, ``next_ts``, ``gap_s`` (seconds to the next visit), ``is_first`` and
    ``is_last`` (the customer's first / last visit).
    """
    w = customer_window(t)
    marked = t.mutate(_prev=t[unit].lag().over(w))
    runs = marked.filter(marked._prev.isnull() | (marked._prev != marked[unit])).drop("_prev")
    w2 = customer_window(runs)
    out = runs.mutate(
        next_unit=runs[unit].lead().over(w2),
        next_ts=runs.ts.lead().over(w2),
        prev_unit=runs[unit].lag().over(w2),
    )
    return out.mutate(
        gap_s=C.seconds_between(out.ts, out.next_ts),
        is_first=out.prev_unit.isnull(),
        is_last=out.next_unit.isnull(),
    )


def designed_stage_edges(journey: Journey) -> list[tuple[str, str]]:
    """Stage-level design: a stage leads to the stages its steps' ``next`` edges reach."""
    stage_of = {s.id: s.stage for s in journey.steps}
    edges = {(stage_of[a], stage_of[b]) for a, b in journey.designed_edges()
             if a in stage_of and b in stage_of and stage_of[a] != stage_of[b]}
    return sorted(edges)


def _edge_key(a: ir.StringValue, b: ir.StringValue) -> ir.StringValue:
    return a.concat("\u2192", b)


def unit_metrics_expr(matched: ir.Table, unit: str, edges: list[tuple[str, str]], window_s: float) -> ir.Table:
    """One expression: per ``unit`` value, every metric of the module docstring (no shares yet)."""
    v = visits(matched.select("customer_id", "ts", "seq", unit), unit)
    designed_keys = [f"{a}\u2192{b}" for a, b in edges] or ["\u2205"]
    v = v.mutate(
        _conv=(v.next_unit.notnull() & _edge_key(v[unit], v.next_unit).isin(designed_keys)
               & (v.gap_s <= window_s)).fill_null(False),
        _drop=(v.next_unit.isnull() | (v.gap_s > window_s)).fill_null(False),
    )
    per_customer = v.group_by(["customer_id", unit]).aggregate(
        n_visits=v.count(),
        conv=v._conv.cast("int64").max(),
        dropv=v._drop.cast("int64").max(),
        entry=v.is_first.cast("int64").max(),
        exit=v.is_last.cast("int64").max(),
    )
    cust = per_customer.group_by(unit).aggregate(
        reach=per_customer.count(),
        visits=per_customer.n_visits.sum(),
        converted=per_customer.conv.sum(),
        dropped=per_customer.dropv.sum(),
        revisit_customers=(per_customer.n_visits >= 2).cast("int64").sum(),
        entries=per_customer.entry.sum(),
        exits=per_customer.exit.sum(),
    )
    timed = v.filter(v.next_unit.notnull())
    times = timed.group_by(unit).aggregate(
        median_seconds=timed.gap_s.median(),
        p90_seconds=timed.gap_s.quantile(0.9),
    )
    events = matched.group_by(unit).aggregate(events=matched.count())
    joined = events.join(cust, unit, how="left").join(times, unit, how="left")
    return joined.select(
        unit, "events", "reach", "visits", "converted", "dropped", "revisit_customers", "entries", "exits",
        "median_seconds", "p90_seconds",
    )


def _finish(df: pd.DataFrame, unit: str, ids: list[str], names: dict[str, str], total: int,
            has_next: set[str]) -> pd.DataFrame:
    sql = df.attrs.get(C.SQL_ATTR)
    base = pd.DataFrame({unit: ids, "name": [names[i] for i in ids]})
    out = base.merge(df, on=unit, how="left")
    for col in ("events", "reach", "visits", "converted", "dropped", "revisit_customers", "entries", "exits"):
        out[col] = out[col].fillna(0).astype("int64")
    reach = out["reach"].where(out["reach"] > 0)
    out["share"] = out["reach"] / total if total else float("nan")
    out["conversion"] = (out["converted"] / reach).where(out[unit].isin(has_next))
    out["dropoff"] = out["dropped"] / reach
    out["revisits"] = out["visits"] - out["reach"]
    out["revisit_share"] = out["revisit_customers"] / reach
    out["median_seconds"] = out["median_seconds"].astype("float64")
    out["p90_seconds"] = out["p90_seconds"].astype("float64")
    out = out[[unit, "name", "reach", "events", "share", "conversion", "dropoff", "median_seconds", "p90_seconds",
               "visits", "revisits", "revisit_share", "entries", "exits", "converted", "dropped"]]
    out.attrs[C.SQL_ATTR] = sql
    return out


def customers_count(t: ir.Table) -> int:
    """Distinct customers in the data."""
    return int(C.scalar(t.customer_id.nunique()) or 0)


def step_metrics(journey: Journey, table: ir.Table, *, window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """Per step of the map (map order): reach, events, share, conversion, drop-off, timing, revisits.

    Steps never seen in the data have reach 0 and empty rates (assumed, not observed).
    Conversion is empty for steps with no designed next step (the end of the journey).
    """
    seconds = window_seconds(window)
    matched = match_steps(journey, table)
    df = C.execute(unit_metrics_expr(matched, "step", journey.designed_edges(), seconds))
    has_next = {a for a, _b in journey.designed_edges()}
    return _finish(df, "step", [s.id for s in journey.steps], {s.id: s.name for s in journey.steps},
                   customers_count(table), has_next)


def stage_metrics(journey: Journey, table: ir.Table, *, window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """The same metrics per stage; a stage visit is a run of events in the stage's steps."""
    seconds = window_seconds(window)
    matched = match_steps(journey, table)
    edges = designed_stage_edges(journey)
    df = C.execute(unit_metrics_expr(matched, "stage", edges, seconds))
    return _finish(df, "stage", [s.id for s in journey.stages], {s.id: s.name for s in journey.stages},
                   customers_count(table), {a for a, _b in edges})


def filter_period(table: ir.Table, since: dt.datetime | dt.date | None, until: dt.datetime | dt.date | None) -> ir.Table:
    """Events with ``since <= ts < until`` (either bound optional; dates mean midnight UTC)."""
    t = table
    if since is not None:
        t = t.filter(t.ts >= as_datetime(since))
    if until is not None:
        t = t.filter(t.ts < as_datetime(until))
    return t


def as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)
