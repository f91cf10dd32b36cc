"""Step and stage metrics: reach, conversion, drop-off, timing, revisits, entries and exits.

Definitions (the tests compute them by hand from the same words):

* A **visit** is a run of consecutive matched events of one customer at the same step
  (or stage). Repeats inside a run are one visit; time to the next visit runs from the
  run's last event.
* **reach**: customers with at least one event at the step; **events**: matched events;
  **share**: reach / all customers in the data.
* **conversion**: share of reached customers with at least one visit whose next visit is a
  designed next step (the step's ``next`` edges) starting within the window (default 14 days).
* **drop-off**: share of reached customers with at least one visit that has no next visit
  within the window (the journey ends or stalls there).
* **median / p90 seconds**: from leaving a visit (its last event) to the start of the next
  visit, over all visits that have a next visit (interpolated quantiles).
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
from journeymap.engine.index import JourneyIndex, journey_index, store_index
from journeymap.engine.prepared import customer_key, distinct_customers, prepared_steps
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


def visits(t: ir.Table, unit: str, *, with_first: bool = False) -> ir.Table:
    """Collapse runs of the same ``unit`` (step or stage) per customer into visits.

    One row per visit, at the run's last event (``ts``), with ``next_unit`` and ``next_ts``
    (the next visit's first event), ``gap_s`` (seconds from leaving this visit to the next
    one) and ``is_last`` (the customer's last visit). One window pass (one sort by customer
    and time) gives all of it; ``with_first`` adds ``is_first`` (the customer's first visit)
    at the cost of a second, smaller pass.
    """
    marked = C.with_next(t, {"next_unit": unit, "next_ts": "ts"})
    ends = marked.filter(marked.next_unit.isnull() | (marked.next_unit != marked[unit]))
    out = ends.mutate(gap_s=C.seconds_between(ends.ts, ends.next_ts), is_last=ends.next_unit.isnull())
    if with_first:
        out = out.mutate(is_first=ibis.row_number().over(customer_window(out)) == 0)
    return out


def designed_stage_edges(journey: Journey) -> list[tuple[str, str]]:
    """Stage-level design: a stage leads to the stages its steps' ``next`` edges reach."""
    stage_of = {s.id: s.stage for s in journey.steps}
    edges = {(stage_of[a], stage_of[b]) for a, b in journey.designed_edges()
             if a in stage_of and b in stage_of and stage_of[a] != stage_of[b]}
    return sorted(edges)


def _edge_key(a: ir.StringValue, b: ir.StringValue) -> ir.StringValue:
    return a.concat("\u2192", b)


def unit_metrics_expr(matched: ir.Table, unit: str, edges: list[tuple[int, int]], window_s: float) -> ir.Table:
    """One expression: per ``unit`` value (an integer column: the step's or stage's index in map
    order), every metric of the module docstring (no shares yet).

    A single pass beside the next and previous rows flags each event (run start, run end, next
    unit, gap); everything else is aggregation, on integers only.
    """
    key = customer_key(matched)
    t = matched.filter(matched[unit].notnull()).select(*dict.fromkeys([key, "ts", "seq", unit]))
    rows = C.with_next(t, {"_next": unit, "_next_ts": "ts"}, prev={"_prev": unit})
    width = 1 << 16  # unit indices are small: one integer per (unit, next unit) edge
    designed = [a * width + b for a, b in edges] or [-1]
    is_end = rows._next.isnull() | (rows._next != rows[unit])
    gap = C.seconds_between(rows.ts, rows._next_ts)
    rows = rows.mutate(
        _start=(rows._prev.isnull() | (rows._prev != rows[unit])).cast("int64"),
        _gap=ibis.ifelse(is_end & rows._next.notnull(), gap, ibis.null("float64")),
        _conv=(is_end & rows._next.notnull() & (rows[unit].cast("int64") * width + rows._next).isin(designed)
               & (gap <= window_s)).fill_null(False).cast("int64"),
        _drop=(is_end & (rows._next.isnull() | (gap > window_s))).fill_null(False).cast("int64"),
        _entry=rows._prev.isnull().cast("int64"),
        _exit=rows._next.isnull().cast("int64"),
    )
    per_customer = rows.group_by([key, unit]).aggregate(
        n_events=rows.count(), n_visits=rows._start.sum(), conv=rows._conv.max(), dropv=rows._drop.max(),
        entry=rows._entry.max(), exit=rows._exit.max(),
    )
    cust = per_customer.group_by(unit).aggregate(
        events=per_customer.n_events.sum(),
        reach=per_customer.count(),
        visits=per_customer.n_visits.sum(),
        converted=per_customer.conv.sum(),
        dropped=per_customer.dropv.sum(),
        revisit_customers=(per_customer.n_visits >= 2).cast("int64").sum(),
        entries=per_customer.entry.sum(),
        exits=per_customer.exit.sum(),
    )
    times = rows.group_by(unit).aggregate(_q=C.quantiles(rows._gap, [0.5, 0.9]))
    times = times.select(unit, median_seconds=times._q[0], p90_seconds=times._q[1])
    joined = cust.join(times, unit, how="left")
    return joined.select(
        unit, "events", "reach", "visits", "converted", "dropped", "revisit_customers", "entries", "exits",
        "median_seconds", "p90_seconds",
    )


def _unit_metrics(matched: ir.Table, unit: str, ids: list[str], edges: list[tuple[str, str]],
                  window_s: float) -> pd.DataFrame:
    """``unit_metrics_expr`` on the ``{unit}_idx`` column, run, with the ids of ``ids`` back in ``unit``."""
    pos = {x: i for i, x in enumerate(ids)}
    df = C.execute(unit_metrics_expr(matched, f"{unit}_idx", [(pos[a], pos[b]) for a, b in edges], window_s))
    sql = df.attrs.get(C.SQL_ATTR)
    df.insert(0, unit, [ids[int(i)] for i in df.pop(f"{unit}_idx")])
    df.attrs[C.SQL_ATTR] = sql
    return df


def _indexed_step_metrics(ji: JourneyIndex, ids: list[str], window_s: float) -> pd.DataFrame:
    """The step metrics from the journey index's per-customer summaries: the same numbers as
    :func:`unit_metrics_expr` (the tests compare both), without a pass over the events.

    A customer converted at a step when its shortest gap to a designed next step is inside the
    window, and dropped when its journey ends there or its longest gap to a next visit is not.
    """
    st = ji.steps
    per_step = st.group_by("si").aggregate(
        events=st.n_events.sum(),
        reach=st.count(),
        visits=st.n_visits.sum(),
        converted=(st.min_designed_gap <= window_s).fill_null(False).cast("int64").sum(),
        dropped=(st.has_last | (st.max_gap > window_s).fill_null(False)).cast("int64").sum(),
        revisit_customers=(st.n_visits >= 2).cast("int64").sum(),
    )
    seqs = ji.seqs
    entries = seqs.group_by(si=seqs.sis[0]).aggregate(entries=seqs.count())
    exits = seqs.group_by(si=seqs.sis[-1]).aggregate(exits=seqs.count())
    gaps = ji.gaps
    times = gaps.group_by("si").aggregate(_q=C.quantiles(gaps.gap, [0.5, 0.9]))
    times = times.select("si", median_seconds=times._q[0], p90_seconds=times._q[1])
    joined = (per_step.join(entries, "si", how="left").join(exits, "si", how="left")
              .join(times, "si", how="left"))
    expr = joined.select("si", "events", "reach", "visits", "converted", "dropped", "revisit_customers",
                         entries=joined.entries.fill_null(0), exits=joined.exits.fill_null(0),
                         median_seconds=joined.median_seconds, p90_seconds=joined.p90_seconds)
    df = C.execute(expr)
    sql = df.attrs.get(C.SQL_ATTR)
    df.insert(0, "step", [ids[int(i)] for i in df.pop("si")])
    df.attrs[C.SQL_ATTR] = sql
    return df


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
    """Distinct customers in the data (on DuckDB from the journey index, or with the events' fingerprint,
    once per read-only connection)."""
    index = store_index(t)
    if index is not None:
        return index.customers()
    if C.backend_name(t) == "duckdb":
        return distinct_customers(t)
    return int(C.scalar(t.customer_id.nunique()) or 0)


def step_metrics(journey: Journey, table: ir.Table, *, window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """Per step of the map (map order): reach, events, share, conversion, drop-off, timing, revisits.

    Steps never seen in the data have reach 0 and empty rates (assumed, not observed).
    Conversion is empty for steps with no designed next step (the end of the journey).
    """
    seconds = window_seconds(window)
    ji = journey_index(journey, table)
    if ji is not None:
        df = _indexed_step_metrics(ji, [s.id for s in journey.steps], seconds)
    else:
        matched = prepared_steps(journey, table)
        df = _unit_metrics(matched, "step", [s.id for s in journey.steps], journey.designed_edges(), seconds)
    has_next = {a for a, _b in journey.designed_edges()}
    return _finish(df, "step", [s.id for s in journey.steps], {s.id: s.name for s in journey.steps},
                   customers_count(table), has_next)


def stage_metrics(journey: Journey, table: ir.Table, *, window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """The same metrics per stage; a stage visit is a run of events in the stage's steps."""
    seconds = window_seconds(window)
    matched = prepared_steps(journey, table)
    edges = designed_stage_edges(journey)
    df = _unit_metrics(matched, "stage", [s.id for s in journey.stages], edges, seconds)
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
