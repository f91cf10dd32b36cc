"""Workspace-level entry points: feedback metrics by step, stage, persona, channel or period, and themes.

These join the feedback tables with what the workspace knows (a step's stage, a customer's
persona from the events) and hand the rest to :mod:`.metrics` and :mod:`.themes`. The CLI
and notebooks call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from journeymap.errors import JourneymapError, suggest
from journeymap.voc import feedback_store
from journeymap.voc.ingest import pick_journey
from journeymap.voc.metrics import GROUPINGS, PERIODS, MetricRow, compute_metrics
from journeymap.voc.peakend import PeakEndReport, peak_end
from journeymap.voc.themes import StepThemes, themes_by_step
from journeymap.voc.touchpoints import touchpoints

if TYPE_CHECKING:
    from ibis.backends.duckdb import Backend as DuckDBBackend

    from journeymap.model.types import Journey
    from journeymap.model.workspace import Workspace


def with_stage(fb: ir.Table, journey: Journey) -> ir.Table:
    """Add ``stage``: the stage of each answer's step (NULL for answers on no step)."""
    stages = {s.id: s.stage for s in journey.steps}
    if not stages:
        return fb.mutate(stage=ibis.null("string"))
    stage = ibis.cases(*[(fb.step == sid, st) for sid, st in stages.items()], else_=ibis.null("string"))
    return fb.mutate(stage=stage)


def feedback_table(ws: Workspace, journey: Journey, con: Any, by: str | None) -> ir.Table:
    """The journey's feedback answers, with ``stage`` or ``persona`` added when grouping needs them."""
    fb = feedback_store.open_feedback(ws, con)
    fb = fb.filter(fb.journey == journey.id)
    if by == "stage":
        fb = with_stage(fb, journey)
    elif by == "persona":
        from journeymap.voc.emotion import with_personas

        events = con.table("events") if feedback_store.has_table(con, "events") else None
        fb = with_personas(fb, ws, journey, events)
    return fb


@dataclass
class MetricsReport:
    journey: str
    by: str | None
    period: str | None
    rows: list[MetricRow]


def feedback_metrics(ws: Workspace, *, by: str | None = None, period: str | None = None,
                     journey: str | None = None, con: DuckDBBackend | None = None) -> MetricsReport:
    """NPS, CSAT and CES with 95 % intervals, per ``by`` (step, stage, persona, channel) and ``period``."""
    if by is not None and by not in GROUPINGS:
        raise JourneymapError(f"cannot group feedback by {by!r}; {suggest(by, GROUPINGS)}")
    if period is not None and period not in PERIODS:
        raise JourneymapError(f"unknown period {period!r}; {suggest(period, PERIODS)}")
    jr = pick_journey(ws, journey)
    backend = con if con is not None else feedback_store.connect(ws)
    rows = compute_metrics(feedback_table(ws, jr, backend, by), by, period)
    return MetricsReport(jr.id, by, period, rows)


def feedback_themes(ws: Workspace, *, journey: str | None = None, top: int = 5,
                    con: DuckDBBackend | None = None) -> dict[str, StepThemes]:
    """Negative and positive themes per step of a journey, in map order."""
    jr = pick_journey(ws, journey)
    backend = con if con is not None else feedback_store.connect(ws)
    fb = feedback_store.open_feedback(ws, backend)
    it = feedback_store.open_interactions(ws, backend)
    found = themes_by_step(fb.filter(fb.journey == jr.id), it.filter(it.journey == jr.id), top=top)
    order = [s.id for s in jr.steps]
    return {s: found[s] for s in order if s in found}


def feedback_peak_end(ws: Workspace, *, journey: str | None = None, con: DuckDBBackend | None = None
                      ) -> PeakEndReport:
    """Peak-end figures of a journey: journey scores, peak/end share per step, correlations with NPS."""
    jr = pick_journey(ws, journey)
    backend = con if con is not None else feedback_store.connect(ws)
    fb = feedback_store.open_feedback(ws, backend)
    fb = fb.filter(fb.journey == jr.id)
    it = feedback_store.open_interactions(ws, backend)
    return peak_end(touchpoints(fb, it.filter(it.journey == jr.id)), fb)
