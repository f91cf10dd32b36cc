"""One self-contained HTML report: the living map plus every analysis as a table.

No external resources: styles are inline and the rendered map is embedded in an
``<iframe srcdoc>``, so the file can be mailed or archived as is. Each table has the SQL
that produced it underneath (the trace from number to query).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from journeymap import __version__
from journeymap.engine import compile as C
from journeymap.engine.analyze import analyze
from journeymap.engine.source import EventSource, open_source

if TYPE_CHECKING:
    from journeymap.results import MapOverlay

SECTIONS: dict[str, tuple[str, str]] = {
    "steps": ("Steps", "Reach, conversion to a designed next step within the window, drop-off, time to the next step "
              "and revisits per step of the map."),
    "stages": ("Stages", "The same figures per stage."),
    "funnel": ("Funnel along the designed main path", "Sequential, first attempt, 14-day window from entry."),
    "transitions": ("Step transitions", "What customers really do next; 'designed' says whether the map has that "
                    "edge."),
    "variants": ("Top path variants", "The most frequent whole journeys (repeats collapsed)."),
    "conformance": ("Designed vs observed", "Fitness: share of observed transitions the design allows."),
    "undesigned": ("Undesigned transitions", "Transitions customers take that the map does not design."),
    "skipped": ("Skipped steps", "Steps on the designed path between the two ends of an undesigned jump."),
    "unmatched": ("Real, but not on the map", "The most frequent events no step's binding matches."),
    "personas": ("Personas in the data", "Customers recognised by each persona's segment rule."),
    "retention": ("Retention by weekly cohort", "Customers active k weeks after their first week."),
    "lifecycle": ("Lifecycle per week", "New, returning, resurrecting and dormant customers."),
    "attribution": ("Attribution", "Credit for conversions per channel: first, last, linear, position-based and "
                    "Markov removal effect (exact, from the absorbing chain)."),
}


def _table(df: pd.DataFrame) -> Markup:
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype == object:
            shown[col] = shown[col].map(lambda v: " \u2192 ".join(v) if isinstance(v, list) else v)
    html = shown.to_html(index=False, classes="data", border=0, na_rep="\u2013",
                         float_format=lambda x: f"{x:,.3f}")
    return Markup(html)


def render_report(ws: Any, journey_id: str, table: ir.Table | EventSource | None = None, *,
                  since: dt.date | None = None, until: dt.date | None = None,
                  overlay: MapOverlay | None = None) -> str:
    """The report as an HTML string; its map is the living map (``overlay``, when already measured).

    The map and the tables read one source: what both need (step metrics, transitions, the funnel,
    conformance) is computed once."""
    from journeymap.livingmap import living_map

    if table is None:
        with open_source(ws) as source:
            return render_report(ws, journey_id, source, since=since, until=until, overlay=overlay)
    journey = ws.journey(journey_id)
    source = EventSource.of(table)
    if overlay is None:
        overlay = living_map(ws, journey.id, source, since=since, until=until)
    from journeymap.render import render_html

    map_html = render_html(ws, journey.id, overlay=overlay)
    results = analyze(ws, journey.id, source, since=since, until=until) if overlay.events else {}
    sections = []
    for name, (title, why) in SECTIONS.items():
        df = results.get(name)
        sections.append({
            "name": name, "title": title, "why": why,
            "empty": df is None or df.empty,
            "table": _table(df) if df is not None and not df.empty else "",
            "sql": df.attrs.get(C.SQL_ATTR) if df is not None else None,
        })
    env = Environment(loader=PackageLoader("journeymap.engine", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("report.html.j2").render(
        title=journey.title, journey_id=journey.id, lang=ws.settings.language, version=__version__,
        customers=overlay.customers, events=overlay.events, period=overlay.period, notes=overlay.notes,
        conformance=overlay.conformance, map_html=map_html, sections=sections,
    )


def write_report(ws: Any, journey_id: str, out: Path, table: ir.Table | EventSource | None = None, *,
                 since: dt.date | None = None, until: dt.date | None = None,
                 overlay: MapOverlay | None = None) -> Path:
    """Write the self-contained report to ``out`` (atomically: no half-written file remains)."""
    from journeymap.errors import JourneymapError
    from journeymap.model.workspace import display_path
    from journeymap.outfile import check_writable, write_output

    if Path(out).suffix.lower() not in (".html", ".htm"):
        raise JourneymapError(f"the report is an HTML file; cannot write it as {display_path(Path(out))}: "
                              "give a name ending in .html (for the map as PDF or PNG: journeymap render "
                              "JOURNEY --with-data -o map.pdf)")
    check_writable(Path(out), "the report")
    html = render_report(ws, journey_id, table, since=since, until=until, overlay=overlay)
    return write_output(Path(out), html, "the report")
