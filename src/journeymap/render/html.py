"""The map as one self-contained HTML page (Jinja2 templates shipped with the package).

``media="screen"`` draws the whole grid as one horizontally scrolling table with sticky
lane headers; ``media="print"`` cuts the columns into page-wide runs and adds the A3
landscape print CSS, which is what WeasyPrint turns into the PDF.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from journeymap.i18n import format_date, format_duration, format_number, format_percent
from journeymap.model.workspace import Workspace
from journeymap.render import charts
from journeymap.render.icons import channel_icon
from journeymap.render.view import Column, MapView, build_view, format_target
from journeymap.results import MapOverlay

Media = Literal["screen", "print"]

#: Column widths in CSS px. Print: A3 landscape less 2 × 10 mm margins is 1511 px wide.
SCREEN_LANE_W, SCREEN_COL_W = 170, 210
PRINT_LANE_W, PRINT_COL_W, PRINT_STEPS_PER_PAGE = 131, 137, 10


@cache
def environment() -> Environment:
    """The Jinja environment: autoescaping on, undefined names are errors (no silent blanks)."""
    return Environment(
        loader=PackageLoader("journeymap.render", "templates"),
        autoescape=select_autoescape(["html", "j2", "svg"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html_from_view(view: MapView, media: Media = "screen") -> str:
    """Render a prepared :class:`MapView`."""
    if media == "print":
        lane_w, colw, chunk_size = PRINT_LANE_W, PRINT_COL_W, PRINT_STEPS_PER_PAGE
    else:
        lane_w, colw, chunk_size = SCREEN_LANE_W, SCREEN_COL_W, 0
    lang = view.lang

    def emotion_svg(cols: list[Column]) -> Markup:
        return charts.emotion_curve(view, cols, colw, height=150 if media == "print" else 170)

    def pct(value: float | None, signed: bool = False) -> str:
        text = format_percent(value, lang)
        return ("+" + text) if signed and value is not None and value > 0 else text

    overlay = view.overlay

    def iso_date(value: str) -> str:
        try:
            return format_date(dt.date.fromisoformat(value[:10]), lang)
        except ValueError:
            return value

    return environment().get_template("map.html.j2").render(
        v=view,
        media=media,
        chunks=view.chunks(chunk_size or None),
        lane_w=lane_w,
        colw=colw,
        emotion_svg=emotion_svg,
        matrix=charts.opportunity_matrix(view) if view.opportunities else Markup(""),
        opp_number={o.id: i for i, o in enumerate(view.opportunities, 1)},
        sankey_svg=charts.sankey(view, overlay.stage_flows) if overlay and overlay.stage_flows else Markup(""),
        funnel_svg=charts.funnel(view, overlay.funnel) if overlay and overlay.funnel else Markup(""),
        icon=channel_icon,
        num=lambda n: format_number(n, lang),
        pct=pct,
        dur=lambda s: format_duration(s, lang),
        iso_date=iso_date,
        fmt_target=lambda value: format_target(value, lang),
    )


def render_html(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None, *, media: Media = "screen") -> str:
    """The journey map of ``journey_id`` as a self-contained HTML document."""
    return html_from_view(build_view(ws, journey_id, overlay), media)
