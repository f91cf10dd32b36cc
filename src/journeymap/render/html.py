"""The journey map as one self-contained HTML page (Jinja2 templates shipped with the package).

``media="screen"`` draws the whole grid as one horizontally scrolling table with sticky lane
headers, and adds the map's own small script (lane toggles, persona filter, tooltips with the
measured figures, a print button), inlined like the styles: the file needs nothing else.
``media="print"`` follows a :class:`~journeymap.render.paging.PrintLayout`: grid pages of
whole columns with every lane, or one poster sheet; WeasyPrint turns it into the PDF.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from journeymap.i18n import format_duration, format_number, format_percent
from journeymap.model.workspace import Workspace
from journeymap.render import charts
from journeymap.render.curve import legend_swatch
from journeymap.render.icons import channel_icon
from journeymap.render.paging import PrintLayout, paged_layout, parse_paper
from journeymap.render.view import Column, MapView, build_view, format_target
from journeymap.results import MapOverlay

Media = Literal["screen", "print"]

#: Column widths in CSS px on screen.
SCREEN_LANE_W, SCREEN_COL_W = 170, 210
CURVE_H = {"screen": 170.0, "pages": 150.0, "poster": 170.0}


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


def tooltip_data(view: MapView) -> dict[str, dict[str, Any]]:
    """Per step, what its tooltip shows, already written in the map's language: the script only displays it."""
    lang, t = view.lang, view.t
    out: dict[str, dict[str, Any]] = {}
    for c in view.steps:
        assert c.step is not None
        rows: list[list[str]] = []
        if c.score is not None and c.step.emotion is not None:
            word = f" ({c.step.emotion.word})" if c.step.emotion.word else ""
            rows.append([t("emotion.assumed_curve"), format_number(c.score, lang, 1) + word])
        m, e = c.metrics, c.measured
        if m is not None:
            rows.append([t("metrics.reach"), format_number(m.reach, lang)])
            if m.trend is not None:
                rows.append([t("metrics.trend"), ("+" if m.trend > 0 else "") + format_percent(m.trend, lang)])
            if m.conversion is not None:
                rows.append([t("metrics.conversion"), format_percent(m.conversion, lang)])
            if m.dropoff is not None:
                rows.append([t("metrics.dropoff"), ("⚠ " if m.worst_dropoff else "") + format_percent(m.dropoff, lang)])
            if m.median_seconds is not None:
                rows.append([t("metrics.median_time"), format_duration(m.median_seconds, lang)])
        if e is not None:
            rows.append([t("emotion.measured_curve"), f"{format_number(e.score, lang, 1)} "
                         f"({t('emotion.n', n=format_number(e.n, lang))}{', ⚠' if e.small_sample else ''})"])
        elif view.overlay is not None and m is None:
            rows.append([t("lane.measured"), t("metrics.no_data")])
        out[c.step.id] = {"title": f"{c.number}. {c.step.name}", "rows": rows}
    return out


def _script_json(data: object) -> Markup:
    """JSON safe inside a ``<script>`` element: no ``</script>`` or ``<!--`` can end or bend it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def html_from_view(view: MapView, media: Media = "screen", layout: PrintLayout | None = None) -> str:
    """Render a prepared :class:`MapView`; print follows ``layout`` (default: A3 pages)."""
    if media == "print" and layout is None:
        layout = paged_layout(view.columns, parse_paper(None))
    lang = view.lang
    if layout is not None:
        lane_w, colw, scale = layout.lane_w, layout.colw, layout.grid_scale
        chunks = view.chunks_at(layout.runs)
        curve_h = CURVE_H[layout.mode]
    else:
        lane_w, colw, scale = SCREEN_LANE_W, SCREEN_COL_W, 1.0
        chunks = view.chunks(None)
        curve_h = CURVE_H["screen"]

    def col_w(cols: list[Column]) -> float:
        return layout.colw_for(len(cols)) if layout is not None else colw

    def emotion_svg(cols: list[Column]) -> Markup:
        # drawn at the print size, then scaled with the grid's text so it lines up with the columns
        return charts.emotion_curve(view, cols, col_w(cols) / scale, height=curve_h, scale=scale)

    def pct(value: float | None, signed: bool = False) -> str:
        text = format_percent(value, lang)
        return ("+" + text) if signed and value is not None and value > 0 else text

    overlay = view.overlay
    return environment().get_template("map.html.j2").render(
        v=view,
        media=media,
        layout=layout,
        mode=layout.mode if layout is not None else "screen",
        chunks=chunks,
        lane_w=lane_w,
        col_w=col_w,
        grid_font=layout.grid_font_px if layout is not None else 13.0,
        emotion_svg=emotion_svg,
        swatch=legend_swatch,
        matrix=charts.opportunity_matrix(view) if view.opportunities else Markup(""),
        opp_number={o.id: i for i, o in enumerate(view.opportunities, 1)},
        sankey_svg=charts.sankey(view, overlay.stage_flows) if overlay and overlay.stage_flows else Markup(""),
        funnel_svg=charts.funnel(view, overlay.funnel) if overlay and overlay.funnel else Markup(""),
        icon=channel_icon,
        num=lambda n: format_number(n, lang),
        pct=pct,
        dur=lambda s: format_duration(s, lang),
        iso_date=view.iso_date,
        fmt_target=lambda value: format_target(value, lang),
        tips=_script_json(tooltip_data(view)) if media == "screen" else Markup(""),
        fmt_mm=lambda v: f"{v:.2f}".rstrip("0").rstrip("."),
    )


def render_html(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None, *, media: Media = "screen") -> str:
    """The journey map of ``journey_id`` as a self-contained HTML document."""
    return html_from_view(build_view(ws, journey_id, overlay), media)
