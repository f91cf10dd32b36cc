"""The living map: the analyses condensed into a :class:`MapOverlay` the renderer draws.

What goes on the map: per step reach, conversion, drop-off, median and p90 time, revisits
and a trend (reach in the last complete weeks against as many weeks before, like with like, shown where
both periods have enough customers, see :func:`trend_periods`); the
worst drop-offs (the three highest drop-off rates among steps with a designed next step); stage flows for the Sankey; a funnel along the designed main
path; conformance; and the most frequent events on no step.

The **designed main path** starts at the entry step most customers enter by and follows,
at each step, the designed ``next`` edge customers take most (ties: map order), until the
journey ends or loops back. When the journey has goal steps it runs from the entry to a goal
(:func:`~.goals.path_to_goal`: at each step the most taken move that brings customers closer to it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from journeymap.engine import compile as C
from journeymap.engine.binding import match_steps
from journeymap.engine.conformance import conformance, entry_steps
from journeymap.engine.funnel import funnel
from journeymap.engine.goals import conversion_steps, distance_to_goal, path_to_goal
from journeymap.engine.personas import check_persona_rules, journey_personas
from journeymap.engine.source import EventSource, open_source
from journeymap.engine.steps import step_metrics
from journeymap.engine.transitions import transitions
from journeymap.results import Flow, FunnelStep, MapOverlay, StepMetrics

WORST = 3


def _none_if_nan(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def main_path(journey: Any, step_tr: Any, entries: dict[str, int]) -> list[str]:
    """The designed main path (see the module docstring)."""
    starts = entry_steps(journey)
    if not starts:
        return []
    order = {s.id: i for i, s in enumerate(journey.steps)}
    counts = {(str(r.source), str(r.target)): int(r.count) for r in step_tr.itertuples()}
    if journey.goal_steps():  # from the entry most customers take that can reach a goal, to the goal
        reach = distance_to_goal(journey)
        to_goal = [s for s in starts if s in reach] or starts
        start = max(to_goal, key=lambda s: (entries.get(s, 0), -order[s]))
        return path_to_goal(journey, start, counts)
    start = max(starts, key=lambda s: (entries.get(s, 0), -order[s]))
    nexts: dict[str, list[str]] = {}
    for a, b in journey.designed_edges():
        nexts.setdefault(a, []).append(b)
    path = [start]
    while True:
        options = [b for b in nexts.get(path[-1], []) if b not in path]
        if not options:
            return path
        path.append(max(options, key=lambda b: (counts.get((path[-1], b), 0), -order.get(b, 0))))


def _trend(journey: Any, source: EventSource, cur: tuple[dt.datetime, dt.datetime],
           prev: tuple[dt.datetime, dt.datetime], min_customers: int = 1) -> dict[str, float | None]:
    """Relative change of reach per step: period ``cur`` vs period ``prev`` (half-open ranges), only where both
    periods have at least ``min_customers`` customers at the step."""
    def build() -> ir.Table:
        m = source.journey(journey).matched
        m = m.filter((m.ts >= prev[0]) & (m.ts < cur[1]))
        return m.group_by("si").aggregate(
            cur=m.cust.nunique(where=(m.ts >= cur[0]) & (m.ts < cur[1])),
            prev=m.cust.nunique(where=(m.ts >= prev[0]) & (m.ts < prev[1])),
        )

    stamp = "-".join(f"{t:%Y%m%dT%H%M%S%f}" for t in (*prev, *cur))
    df = C.execute(source.kept(f"trend-{stamp}", build, journey=journey))
    ids = [s.id for s in journey.steps]
    out: dict[str, float | None] = {}
    for r in df.itertuples():
        c, p = int(r.cur), int(r.prev)
        out[ids[int(r.si)]] = (c - p) / p if p and min(c, p) >= min_customers else None
    return out


def trend_periods(first: dt.datetime, last: dt.datetime, since: dt.datetime | None, until: dt.datetime | None, *,
                  weeks: int = 4) -> tuple[tuple[dt.datetime, dt.datetime], tuple[dt.datetime, dt.datetime]] | None:
    """(current, previous) periods for the trend arrows: like with like.

    With ``since`` the current period is ``[since, until)`` (``until`` defaults to just after the last event)
    and the previous one the equal-length period before it. Without a period: the last ``weeks`` complete
    weeks (Monday to Sunday, the last one ending on or before the last event's day) against the ``weeks``
    weeks before them; None when the data does not cover both.
    """
    end = until or (last + dt.timedelta(microseconds=1))
    if since is not None:
        return (since, end), (since - (end - since), since)
    day_after = (last + dt.timedelta(days=1)).date()
    monday = day_after - dt.timedelta(days=day_after.weekday())
    stop = dt.datetime(monday.year, monday.month, monday.day)
    span = dt.timedelta(weeks=weeks)
    if stop - 2 * span < dt.datetime(first.year, first.month, first.day):
        return None
    return (stop - span, stop), (stop - 2 * span, stop - span)


def trend_note(periods: tuple[tuple[dt.datetime, dt.datetime], tuple[dt.datetime, dt.datetime]], lang: str) -> str:
    """"Trend: reach 1 December 2025 – 28 December 2025 against 3 November 2025 – 30 November 2025"."""
    from journeymap.i18n import format_date, t

    def text(p: tuple[dt.datetime, dt.datetime]) -> str:
        last = (p[1] - dt.timedelta(microseconds=1)).date()
        return f"{format_date(p[0].date(), lang)} – {format_date(last, lang)}"

    return t("findings.trend_note", lang, current=text(periods[0]), previous=text(periods[1]))


def build_overlay(ws: Any, journey_id: str, events: ir.Table | EventSource | None = None, *,
                  since: dt.date | dt.datetime | None = None, until: dt.date | dt.datetime | None = None,
                  window: dt.timedelta | None = None) -> MapOverlay:
    """Measure a journey on the events (``events``, or the workspace's) for the renderer."""
    if events is None:
        with open_source(ws) as source:
            return build_overlay(ws, journey_id, source, since=since, until=until, window=window)
    journey = ws.journey(journey_id)
    whole = EventSource.of(events)
    source = whole.period(since, until) if since is not None or until is not None else whole
    totals = source.totals()
    overlay = MapOverlay(customers=int(totals["customers"] or 0), events=int(totals["events"] or 0))
    if overlay.events == 0:
        span = f" between {since or 'the start'} and {until or 'the end'}" if since or until else ""
        overlay.notes.append(f"no events{span}: the map shows the design only")
        return overlay
    first, last = _as_py(totals["first"]), _as_py(totals["last"])
    overlay.period = (first.date().isoformat(), last.date().isoformat())
    overlay.notes.extend(source.memo(("persona rules", journey.id),
                                     lambda: check_persona_rules(journey_personas(ws, journey), source.events)))

    metrics = step_metrics(journey, source, window=window)
    analysis = ws.settings.analysis
    periods = trend_periods(first, last, source.since, source.until, weeks=analysis.trend_weeks)
    trend: dict[str, float | None] = {}
    if periods is not None:
        cur, prev = periods
        trend = _trend(journey, whole, cur, prev, analysis.min_customers)
        overlay.trend_periods = ((cur[0].date().isoformat(), cur[1].date().isoformat()),
                                 (prev[0].date().isoformat(), prev[1].date().isoformat()))
        if any(v is not None for v in trend.values()):
            overlay.notes.append(trend_note(periods, ws.settings.language))
    sql = metrics.attrs.get(C.SQL_ATTR)
    has_next = conversion_steps(journey)
    for r in metrics.itertuples():
        overlay.steps[str(r.step)] = StepMetrics(
            reach=int(r.reach), events=int(r.events), share=_none_if_nan(r.share),
            conversion=_none_if_nan(r.conversion), dropoff=_none_if_nan(r.dropoff),
            median_seconds=_none_if_nan(r.median_seconds), p90_seconds=_none_if_nan(r.p90_seconds),
            revisit_share=_none_if_nan(r.revisit_share), trend=trend.get(str(r.step)), sql=sql,
        )
    ranked = sorted((m for m in metrics.itertuples() if m.step in has_next and m.reach > 0 and m.dropoff > 0),
                    key=lambda m: (-m.dropoff, -m.reach))
    for m in ranked[:WORST]:
        overlay.steps[str(m.step)].worst_dropoff = True

    stage_tr = transitions(journey, source, level="stage")
    overlay.stage_flows = [Flow(str(r.source), str(r.target), int(r.customers), bool(r.designed))
                           for r in stage_tr.itertuples()]
    step_tr = transitions(journey, source, level="step")
    entries = {str(s): int(n) for s, n in zip(metrics["step"], metrics["entries"], strict=True)}
    path = main_path(journey, step_tr, entries)
    if len(path) >= 2:
        f = funnel(journey, source, path, window=window)
        overlay.funnel = [FunnelStep(str(r.step), int(r.customers), float(r.conversion_from_start),
                                     float(r.conversion_from_previous)) for r in f.itertuples()]
    overlay.conformance = conformance(journey, source)
    overlay.unmatched_events = unmatched_events(journey, source)
    overlay.plan = list(source.plan)
    return overlay


def _as_py(value: Any) -> dt.datetime:
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value  # type: ignore[no-any-return]


def unmatched_events(journey: Any, events: ir.Table | EventSource, top: int = 10) -> list[tuple[str, int]]:
    """The most frequent event names on no step: real, but not on the map.

    Matched on the event counts (every (event, channel) pair once) where no binding filters on
    properties; else on every event."""
    source = EventSource.of(events)
    if any(s.binding is not None and s.binding.where for s in journey.steps):
        m = match_steps(journey, source.events, keep_unmatched=True)
        u = m.filter(m.step.isnull())
        df = C.execute(u.group_by("event").aggregate(n=ibis._.count()))
    else:
        counts = source.event_counts()
        m = match_steps(journey, counts.mutate(properties=ibis.null("map<string, string>")), keep_unmatched=True)
        u = m.filter(m.step.isnull())
        df = C.execute(u.group_by("event").aggregate(n=u.n.sum()))
    df = df.sort_values(["n", "event"], ascending=[False, True]).head(top)
    return [(str(r.event), int(r.n)) for r in df.itertuples()]
