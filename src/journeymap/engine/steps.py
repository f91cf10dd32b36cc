"""Step and stage metrics: reach, conversion, drop-off, timing, revisits, entries and exits.

Definitions (the tests compute them by hand from the same words):

* A **visit** is a run of consecutive matched events of one customer at the same step
  (or stage). Repeats inside a run are one visit; time to the next visit runs from the
  run's last event.
* **reach**: customers with at least one event at the step; **events**: matched events;
  **share**: reach / all customers in the data.
* **conversion**: share of reached customers with at least one visit whose next visit is a
  *progress* move (:mod:`.goals`: a designed ``next`` step that is not a failure and from which a
  goal step can still be reached) starting within the window (default 14 days). Empty on goal
  steps and on steps with no progress move. A journey without goal steps or failure marks counts
  every designed next step, as before goals existed. At stage level: the designed stage moves.
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
import hashlib

import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine import relations as R
from journeymap.engine.goals import conversion_steps, progress_edges
from journeymap.engine.index import journey_key, step_positions
from journeymap.engine.source import EventSource, JourneyRelations, Level, as_datetime
from journeymap.errors import JourneymapError
from journeymap.model.types import Journey

DEFAULT_WINDOW = dt.timedelta(days=14)

__all__ = ["DEFAULT_WINDOW", "as_datetime", "customers_count", "designed_stage_edges", "stage_metrics",
           "step_metrics", "window_seconds"]


def window_seconds(window: dt.timedelta | float | int | None) -> float:
    """A conversion window in seconds; zero or negative windows are refused with a clear message."""
    if window is None:
        window = DEFAULT_WINDOW
    seconds = window.total_seconds() if isinstance(window, dt.timedelta) else float(window)
    if seconds <= 0:
        raise JourneymapError(f"the conversion window must be positive (got {seconds:g} seconds); "
                              "the default is 14 days")
    return seconds


def designed_stage_edges(journey: Journey) -> list[tuple[str, str]]:
    """Stage-level design: a stage leads to the stages its steps' ``next`` edges reach."""
    _, _, edges = step_positions(journey)
    ids = [st.id for st in journey.stages]
    return [(ids[a], ids[b]) for a, b in edges]


def unit_metrics_expr(rel: JourneyRelations, level: Level, window_s: float,
                      summary: ir.Table | None = None) -> ir.Table:
    """Per unit index ``u`` (step or stage) every metric of the module docstring but the shares: one query on
    the summary, visits and firsts relations (``summary``: a summary whose designed moves are the progress
    moves, see :func:`progress_summary`)."""
    st = rel.summary(level) if summary is None else summary
    per_unit = st.group_by("u").aggregate(
        events=st.n_events.sum().cast("int64"),
        reach=st.count(),
        visits=st.n_visits.sum().cast("int64"),
        converted=(st.min_designed_gap <= window_s).fill_null(False).cast("int32").sum(),
        dropped=(st.has_last | (st.max_gap > window_s).fill_null(False)).cast("int32").sum(),
        revisit_customers=(st.n_visits >= 2).cast("int32").sum(),
    )
    firsts = rel.firsts(level)
    entries = firsts.group_by("u").aggregate(entries=firsts.count())
    last = st.filter(st.has_last)
    exits = last.group_by("u").aggregate(exits=last.count())
    v = rel.visits(level)
    v = v.filter(v.nu.notnull())
    times = v.group_by("u").aggregate(_q=C.quantiles(v.gap, [0.5, 0.9]))
    times = times.select("u", median_seconds=times._q[0], p90_seconds=times._q[1])
    j = per_unit.left_join(entries, "u").left_join(exits, "u").left_join(times, "u")
    return j.select(per_unit.u, "events", "reach", "visits", "converted", "dropped", "revisit_customers",
                    entries=j.entries.fill_null(0), exits=j.exits.fill_null(0),
                    median_seconds=j.median_seconds, p90_seconds=j.p90_seconds)


def progress_positions(journey: Journey) -> list[tuple[int, int]] | None:
    """The progress moves (:mod:`.goals`) as step indices, or None when they are the designed moves."""
    pos = {s.id: i for i, s in enumerate(journey.steps)}
    progress = [(pos[a], pos[b]) for a, b in progress_edges(journey) if a in pos and b in pos]
    return None if sorted(progress) == sorted(step_positions(journey)[0]) else progress


def progress_summary(source: EventSource, journey: Journey) -> tuple[ir.Table | None, str]:
    """The step summary with the progress moves as its designed moves (None when they are the designed
    ones), and a tag for the names of results kept from it."""
    progress = progress_positions(journey)
    if progress is None:
        return None, ""
    tag = "-p" + hashlib.sha1(repr(sorted(progress)).encode()).hexdigest()[:10]
    rel = source.journey(journey)
    kept = source.kept(f"summary-step{tag}",
                       lambda: R.summary_from_visits(rel.visits("step"), rel.summary("step"), progress),
                       journey=journey)
    return kept, tag


def _unit_metrics(source: EventSource, journey: Journey, level: Level, window_s: float) -> pd.DataFrame:
    ids = [s.id for s in journey.steps] if level == "step" else [st.id for st in journey.stages]
    summary, tag = progress_summary(source, journey) if level == "step" else (None, "")
    kept = source.kept(f"metrics-{level}-w{window_s:.3f}".rstrip("0").rstrip(".") + tag,
                       lambda: unit_metrics_expr(source.journey(journey), level, window_s, summary),
                       journey=journey)
    df = C.execute(kept)
    sql = df.attrs.get(C.SQL_ATTR)
    df = df[df["u"].notna()]
    df.insert(0, level, [ids[int(i)] for i in df.pop("u")])
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


def customers_count(events: ir.Table | EventSource) -> int:
    """Distinct customers in the events (from the journey index's totals where it applies)."""
    return EventSource.of(events).customers()


def step_metrics(journey: Journey, events: ir.Table | EventSource, *,
                 window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """Per step of the map (map order): reach, events, share, conversion, drop-off, timing, revisits.

    Steps never seen in the data have reach 0 and empty rates (assumed, not observed).
    Conversion is empty on goal steps and on steps with no progress move (the end of the journey).
    """
    seconds = window_seconds(window)
    source = EventSource.of(events)

    def compute() -> pd.DataFrame:
        df = _unit_metrics(source, journey, "step", seconds)
        has_next = conversion_steps(journey)
        return _finish(df, "step", [s.id for s in journey.steps], {s.id: s.name for s in journey.steps},
                       source.customers(), has_next)

    return source.memo(("step_metrics", journey_key(journey), seconds), compute).copy()


def stage_metrics(journey: Journey, events: ir.Table | EventSource, *,
                  window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """The same metrics per stage; a stage visit is a run of events in the stage's steps."""
    seconds = window_seconds(window)
    source = EventSource.of(events)
    df = _unit_metrics(source, journey, "stage", seconds)
    edges = designed_stage_edges(journey)
    return _finish(df, "stage", [s.id for s in journey.stages], {s.id: s.name for s in journey.stages},
                   source.customers(), {a for a, _b in edges})
