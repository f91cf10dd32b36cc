"""The journey report: what needs attention first, then charts and short tables, every table as CSV; HTML or PDF.

Phases: the events of one source (:class:`~journeymap.engine.source.EventSource`) → :func:`measure_report` (the
living map's overlay, every analysis, conversion and NPS over time, the findings) → :class:`ReportData` →
:func:`journeymap.render.report.report_html` (HTML, self-contained) → WeasyPrint for ``.pdf``.

The map and every table read one source: what both need (step metrics, transitions, the funnel, conformance) is
computed once and kept on the source. The charts are inline SVG; the full tables travel inside the HTML as
``data:`` CSV links, so the file can be mailed or archived as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import ibis.expr.types as ir
import pandas as pd

from journeymap.engine.analyze import analyze, pick_conversion_step
from journeymap.engine.attention import FeedbackFigures, needs_attention
from journeymap.engine.source import EventSource, open_source
from journeymap.engine.steps import DEFAULT_WINDOW

if TYPE_CHECKING:
    from journeymap.model.types import Journey
    from journeymap.results import MapOverlay, Notice

Unit = Literal["week", "month"]
#: Data spanning more weeks than this is shown per month over time, shorter data per week.
WEEKS_SHOWN_WEEKLY = 26


@dataclass
class ConversionPoint:
    """Of the customers whose journey started in ``period``, how many reached the conversion step in the window."""

    period: str               # ISO date of the period's first day
    entered: int
    converted: int
    complete: bool            # the window has passed for everyone who entered in the period

    @property
    def share(self) -> float | None:
        return self.converted / self.entered if self.entered else None


@dataclass
class ReportData:
    """Everything the report shows, measured; plain data for the renderer."""

    ws: Any
    journey: Journey
    overlay: MapOverlay
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    unit: Unit = "week"
    window_days: float = 14.0
    conversion_step: str | None = None
    conversion: list[ConversionPoint] = field(default_factory=list)
    feedback: FeedbackFigures | None = None
    attention: list[Notice] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def lang(self) -> str:
        return str(self.ws.settings.language)


def measure_report(ws: Any, journey_id: str, source: EventSource, *, since: dt.date | None = None,
                   until: dt.date | None = None, overlay: MapOverlay | None = None,
                   window: dt.timedelta | None = None) -> ReportData:
    """Measure everything the report shows on ``source`` (one source for the map and every table)."""
    from journeymap.engine.funnel import funnel
    from journeymap.livingmap import living_map

    journey = ws.journey(journey_id)
    if overlay is None:
        overlay = living_map(ws, journey.id, source, since=since, until=until, window=window)
    win = window or DEFAULT_WINDOW
    data = ReportData(ws, journey, overlay, window_days=win.total_seconds() / 86400)
    if overlay.events:
        data.frames = analyze(ws, journey.id, source, since=since, until=until, window=window)
        period_source = source.period(since, until) if since is not None or until is not None else source
        first, last = (pd.Timestamp(v) for v in (period_source.totals()["first"], period_source.totals()["last"]))
        data.unit = "week" if (last - first).days <= WEEKS_SHOWN_WEEKLY * 7 else "month"
        main = [str(s) for s in data.frames["funnel"]["step"]] if "funnel" in data.frames else []
        if len(main) >= 2:
            data.conversion_step = pick_conversion_step(journey, main)
            path = main[:main.index(data.conversion_step) + 1]
            if len(path) >= 2:
                by_period = funnel(journey, period_source, path, window=win, by=f"period:{data.unit}", ws=ws)
                data.conversion = conversion_points(by_period, len(path), last.to_pydatetime(), data.unit, win)
        data.plan = list(source.plan)
    if overlay.events:
        from journeymap.engine.formatting import findings_frame

        data.frames["findings"] = findings_frame(overlay.findings)
    data.feedback = feedback_figures(ws, journey, source, data.unit)
    data.attention = needs_attention(journey, overlay, data.frames, data.feedback, data.lang)
    return data


def conversion_points(by_period: pd.DataFrame, steps: int, last: dt.datetime, unit: Unit,
                      window: dt.timedelta) -> list[ConversionPoint]:
    """Per period of entry: entered (position 1), converted (the last position), and whether the window has
    passed for the whole period by the time of the last event (otherwise its share may still rise)."""
    out = []
    for period, rows in by_period.groupby("group", sort=True):
        at = dict(zip(rows["position"], rows["customers"], strict=True))
        start = dt.datetime.fromisoformat(str(period))
        end = start + dt.timedelta(days=7) if unit == "week" else (start + dt.timedelta(days=32)).replace(day=1)
        out.append(ConversionPoint(str(period), int(at.get(1, 0)), int(at.get(steps, 0)), end + window <= last))
    return out


def feedback_figures(ws: Any, journey: Journey, source: EventSource, unit: Unit) -> FeedbackFigures | None:
    """The journey's feedback overall, per step and per period, on the source's own connection; None without any."""
    from journeymap.voc import feedback_store
    from journeymap.voc.report import feedback_metrics

    if source.backend != "duckdb":
        return None  # the feedback lives in the workspace's store; these events are elsewhere
    backend: Any = source.all_events.get_backend()
    if not feedback_store.has_table(backend, "feedback"):
        return None
    overall = feedback_metrics(ws, journey=journey.id, con=backend).rows
    if not any(r.n for r in overall):
        return None
    period = "week" if unit == "week" else "month"
    return FeedbackFigures(overall, feedback_metrics(ws, by="step", journey=journey.id, con=backend).rows,
                           feedback_metrics(ws, period=period, journey=journey.id, con=backend).rows, period)


def render_report(ws: Any, journey_id: str, table: ir.Table | EventSource | None = None, *,
                  since: dt.date | None = None, until: dt.date | None = None,
                  overlay: MapOverlay | None = None, media: Literal["screen", "print"] = "screen") -> str:
    """The report as an HTML string; its map is the living map (``overlay``, when already measured).

    The map and the tables read one source: what both need (step metrics, transitions, the funnel,
    conformance) is computed once."""
    from journeymap.render.report import report_html

    if table is None:
        with open_source(ws) as source:
            return render_report(ws, journey_id, source, since=since, until=until, overlay=overlay, media=media)
    data = measure_report(ws, journey_id, EventSource.of(table), since=since, until=until, overlay=overlay)
    return report_html(data, media)


def write_report(ws: Any, journey_id: str, out: Path, table: ir.Table | EventSource | None = None, *,
                 since: dt.date | None = None, until: dt.date | None = None,
                 overlay: MapOverlay | None = None) -> Path:
    """Write the report to ``out``: ``.html`` (self-contained, tables downloadable as CSV) or ``.pdf`` (the same
    report laid out on A4 pages by WeasyPrint); atomically, so no half-written file remains."""
    from journeymap.errors import JourneymapError
    from journeymap.model.workspace import display_path
    from journeymap.outfile import check_writable, write_output

    suffix = Path(out).suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise JourneymapError(f"cannot write the report as {display_path(Path(out))}: give a name ending in .html "
                              "or .pdf (the map alone as PNG or SVG: journeymap render JOURNEY --with-data -o map.png)")
    check_writable(Path(out), "the report")
    media: Literal["screen", "print"] = "print" if suffix == ".pdf" else "screen"
    html = render_report(ws, journey_id, table, since=since, until=until, overlay=overlay, media=media)
    if media == "print":
        from journeymap.render.pdf import pdf_from_html

        return write_output(Path(out), pdf_from_html(html), "the report")
    return write_output(Path(out), html, "the report")


__all__ = ["ConversionPoint", "ReportData", "conversion_points", "measure_report", "render_report", "write_report"]
