"""All analyses of one journey at once, as named DataFrames (for ``analyze`` and the report).

Each DataFrame carries the SQL that produced it in ``df.attrs['sql']`` (``--explain``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.attribution import attribution
from journeymap.engine.conformance import conformance_tables
from journeymap.engine.funnel import funnel
from journeymap.engine.overlay import main_path, unmatched_events
from journeymap.engine.personas import persona_counts
from journeymap.engine.retention import lifecycle, retention
from journeymap.engine.source import EventSource, open_source
from journeymap.engine.steps import stage_metrics, step_metrics
from journeymap.engine.transitions import path_variants, transitions
from journeymap.errors import JourneymapError, suggest

#: The analyses ``analyze`` can print, in report order.
ANALYSES = ("steps", "stages", "funnel", "transitions", "variants", "conformance", "undesigned", "skipped",
            "unmatched", "personas", "retention", "lifecycle", "attribution")


def analyze(ws: Any, journey_id: str, table: ir.Table | EventSource | None = None, *, since: dt.date | None = None,
            until: dt.date | None = None, window: dt.timedelta | None = None,
            only: list[str] | None = None, conversion_step: str | None = None,
            on_done: Callable[[str], None] | None = None) -> dict[str, pd.DataFrame]:
    """Run the analyses (all, or ``only`` those named) and return them by name.

    Attribution credits ``conversion_step`` (default: the main path's last step of the
    middle stage, e.g. payment in awareness → … → advocacy). ``on_done(name)`` is called as
    each analysis finishes (progress bars). Every frame carries the source's plan in
    ``df.attrs['plan']`` (``--explain``).
    """
    journey = ws.journey(journey_id)
    wanted = list(only or ANALYSES)
    for name in wanted:
        if name not in ANALYSES:
            raise JourneymapError(f"unknown analysis {name!r}; {suggest(name, ANALYSES)}")
    if table is None:
        with open_source(ws) as source:
            return analyze(ws, journey_id, source, since=since, until=until, window=window, only=only,
                           conversion_step=conversion_step, on_done=on_done)
    whole = EventSource.of(table)
    t = whole.period(since, until) if since is not None or until is not None else whole
    if t.filtered and not t.totals()["events"]:
        span = whole.totals()
        have = (f"the data runs from {span['first']:%Y-%m-%d} to {span['last']:%Y-%m-%d}"
                if span["events"] else "there are no events at all")
        raise JourneymapError(f"no events between {since or 'the start'} and {until or 'the end'}: nothing to "
                              f"analyse ({have})")
    out: dict[str, pd.DataFrame] = {}
    done = on_done or (lambda name: None)
    steps = step_metrics(journey, t, window=window)
    # the step graph and the main path only where an analysis asked for needs them (a graph costs a pass)
    uses_path = bool({"funnel", "transitions", "attribution"} & set(wanted))
    step_tr = transitions(journey, t, level="step") if uses_path else None
    if "steps" in wanted:
        out["steps"] = steps
        done("steps")
    if "stages" in wanted:
        out["stages"] = stage_metrics(journey, t, window=window)
        done("stages")
    path = main_path(journey, step_tr, dict(zip(steps["step"], steps["entries"], strict=True))) \
        if step_tr is not None else []
    if "funnel" in wanted and len(path) >= 2:
        out["funnel"] = funnel(journey, t, path, window=window)
        done("funnel")
    if "transitions" in wanted and step_tr is not None:
        out["transitions"] = step_tr
        done("transitions")
    if "variants" in wanted:
        out["variants"] = path_variants(journey, t)
        done("variants")
    if {"conformance", "undesigned", "skipped"} & set(wanted):
        conf = conformance_tables(journey, t)
        if "conformance" in wanted:
            out["conformance"] = conf["summary"]
            done("conformance")
        if "undesigned" in wanted:
            tr = conf["transitions"]
            und = tr[~tr["designed"]].sort_values(["count", "source"], ascending=[False, True])
            out["undesigned"] = und[["source", "target", "count", "customers"]].reset_index(drop=True)
            done("undesigned")
            out["undesigned"].attrs[C.SQL_ATTR] = tr.attrs.get(C.SQL_ATTR)
        if "skipped" in wanted:
            out["skipped"] = conf["skipped"]
            done("skipped")
    if "unmatched" in wanted:
        out["unmatched"] = pd.DataFrame(unmatched_events(journey, t, top=20), columns=["event", "events"])
        done("unmatched")
    if "personas" in wanted:
        out["personas"] = persona_counts(ws, journey, t)
        done("personas")
    if "retention" in wanted:
        out["retention"] = retention(t, period="week")
        done("retention")
    if "lifecycle" in wanted:
        out["lifecycle"] = lifecycle(t, period="week")
        done("lifecycle")
    if "attribution" in wanted and len(path) >= 2:
        out["attribution"] = attribution(journey, t, conversion_step or pick_conversion_step(journey, path))
        done("attribution")
    for df in out.values():
        df.attrs["plan"] = list(t.plan)
    return out


def pick_conversion_step(journey: Any, path: list[str]) -> str:
    """The step attribution credits: the main path's step that ends the decision stage, else its last."""
    stages = [s.id for s in journey.stages]
    stage_of = {s.id: s.stage for s in journey.steps}
    if len(stages) >= 3:
        decision = [p for p in path if stage_of.get(p) == stages[len(stages) // 2]]
        if decision:
            return decision[-1]
    return path[-1]
