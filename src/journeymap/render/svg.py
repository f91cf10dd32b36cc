"""The map as one standalone SVG: stages, steps, emotion curve, pain point and moment-of-truth markers.

With an overlay (``--with-data``) it carries the measured figures too: a band of reach, trend,
conversion, drop-off and time under the steps, the measured emotion curve with its ``n``, and below
the map the period and size of the data, the flow between stages, the funnel, designed vs observed,
events not on the map and the notes, all in the map's language.

For slides and wikis that take an image but not HTML. It is plain XML (every text
escaped), so any SVG viewer or ``xml.etree`` reads it.
"""

from __future__ import annotations

import re

from markupsafe import escape

from journeymap.i18n import format_duration, format_number, format_percent
from journeymap.model.workspace import Workspace
from journeymap.render import charts
from journeymap.render.textfit import shorten
from journeymap.render.view import SEVERITY_RANK, STAGE_COLOURS, STAGE_INKS, MapView, build_view
from journeymap.results import MapOverlay

COL_W, LANE_W, PAD = 168.0, 150.0, 24.0
SEVERITY_FILL = {"low": "#facc15", "medium": "#fb923c", "high": "#ef4444", "critical": "#991b1b"}


def wrap(text: str, width: int, lines: int) -> list[str]:
    """Greedy word wrap to ``lines`` lines of about ``width`` characters, with an ellipsis when cut."""
    out: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:  # a very long word is split rather than overflowing the box
            if line:
                out.append(line)
                line = ""
            out.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width:
            line = candidate
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(width - 1, 1)].rstrip() + "…"
    return out


def _measured_band(view: MapView, x0: float, y: float) -> tuple[list[str], float]:
    """Each step's reach, trend, conversion, drop-off (the worst flagged) and median time, under its card."""
    o = view.overlay
    if o is None or not o.steps:
        return [], 0.0
    lang, t, e = view.lang, view.t, escape
    rows = [("reach", t("metrics.reach")), ("trend", t("metrics.trend")), ("conversion", t("metrics.conversion")),
            ("dropoff", t("metrics.dropoff")), ("time", t("metrics.time_short"))]
    if any(m.findings for m in o.steps.values()):  # what needs attention: a badge on the steps it is about
        rows.append(("findings", t("findings.badge_label")))
    line, height = 13.0, 13.0 * len(rows) + 12
    out = [f'<text x="{PAD}" y="{y + 16:.0f}" font-size="10" font-weight="700" fill="#0369a1" letter-spacing="0.5">'
           f'{e(t("lane.measured").upper())}</text>']
    for i, c in enumerate(view.columns):
        m = c.metrics
        if c.step is None:
            continue
        x = x0 + i * COL_W
        fill = "#fee2e2" if m is not None and m.worst_dropoff else "#f0f9ff"
        out.append(f'<g class="measured" data-step="{e(c.step.id)}"><rect x="{x + 4:.0f}" y="{y:.0f}" '
                   f'width="{COL_W - 8:.0f}" height="{height:.0f}" rx="6" fill="{fill}"/>')
        if m is None:
            out.append(f'<text x="{x + 12:.0f}" y="{y + 18:.0f}" font-size="10" fill="#64748b">'
                       f'{e(t("metrics.no_data"))}</text></g>')
            continue
        values = {
            "reach": (format_number(m.reach, lang), "#0f172a"),
            "trend": (("▲ +" if m.trend > 0.02 else "▼ " if m.trend < -0.02 else "► ") + format_percent(m.trend, lang)
                      if m.trend is not None else "", "#15803d" if (m.trend or 0) > 0.02 else
                      "#b91c1c" if (m.trend or 0) < -0.02 else "#64748b"),
            "conversion": (format_percent(m.conversion, lang), "#0f172a"),
            "dropoff": (("⚠ " if m.worst_dropoff else "") + format_percent(m.dropoff, lang), "#b91c1c"),
            "time": (format_duration(m.median_seconds, lang), "#0f172a"),
            "findings": (f"⚑ {len(m.findings)}" if m.findings else "", "#b45309"),
        }
        k = 0
        for key, label in rows:
            value, ink = values[key]
            if not value:
                continue
            ty = y + 16 + k * line
            out.append(f'<text x="{x + 12:.0f}" y="{ty:.0f}" font-size="9.5" fill="#64748b">{e(label)}</text>'
                       f'<text class="metric-{key}" x="{x + COL_W - 12:.0f}" y="{ty:.0f}" font-size="10" '
                       f'font-weight="700" text-anchor="end" fill="{ink}">{e(value)}</text>')
            k += 1
        out.append("</g>")
    return out, height


def _data_panels(view: MapView, width: float, y: float) -> tuple[list[str], float]:
    """What the overlay measured beyond the steps: period and size, flow between stages, funnel,
    designed vs observed, events not on the map, notes. Returns the drawing and its height."""
    o = view.overlay
    if o is None:
        return [], 0.0
    lang, t, e = view.lang, view.t, escape
    out: list[str] = []
    top = y

    def heading(text: str) -> None:
        nonlocal y
        out.append(f'<text x="{PAD}" y="{y + 14:.0f}" font-size="13" font-weight="700" fill="#0f172a">{e(text)}</text>')
        y += 24

    def lines(texts: list[str], size: float = 11.0, ink: str = "#334155") -> None:
        nonlocal y
        chars = max(int((width - 2 * PAD) / (size * 0.6)), 20)
        for text in texts:
            for part in wrap(text, chars, 4):
                out.append(f'<text x="{PAD}" y="{y + size:.0f}" font-size="{size:g}" fill="{ink}">{e(part)}</text>')
                y += size + 5
        y += 6

    heading(t("metrics.title"))
    lines([" · ".join(view.data_summary())], 12, "#0369a1")
    chart_w = min(1100.0, width - 2 * PAD)
    if o.stage_flows:
        heading(t("flow.title"))
        chart = charts.sankey(view, o.stage_flows, width=chart_w)
        out.append(f'<g class="flow-chart" transform="translate({PAD},{y:.0f})">{chart}</g>')
        y += _svg_height(chart) + 14
    if o.funnel:
        heading(t("funnel.title"))
        chart = charts.funnel(view, o.funnel, width=chart_w)
        out.append(f'<g class="funnel-chart" transform="translate({PAD},{y:.0f})">{chart}</g>')
        y += _svg_height(chart) + 14
    if o.conformance is not None:
        cf = o.conformance
        heading(t("conformance.title"))
        texts = [f"{t('conformance.following')}: {format_percent(cf.journeys_following_design, lang)}",
                 f"{t('conformance.fitness')}: {format_percent(cf.fitness, lang)}"]
        texts += [f"{t('conformance.undesigned')}: {view.name_of(f.source)} → {view.name_of(f.target)} "
                  f"({format_number(f.customers, lang)})" for f in sorted(cf.undesigned, key=lambda f: -f.customers)[:5]]
        if cf.never_seen_steps:
            texts.append(f"{t('conformance.never_seen')}: " + ", ".join(view.name_of(s) for s in cf.never_seen_steps))
        lines(texts)
    if o.unmatched_events:
        heading(t("unmatched.title"))
        shown = sorted(o.unmatched_events, key=lambda ev: -ev[1])[:10]
        lines([t("unmatched.intro"), *(f"{name}: {format_number(n, lang)}" for name, n in shown)])
    if o.notes:
        heading(t("notes.title"))
        lines([f"• {n}" for n in o.notes])
    return out, y - top


def _svg_height(chart: str) -> float:
    match = re.search(r'height="([\d.]+)"', chart)
    return float(match.group(1)) if match else 0.0


def svg_from_view(view: MapView) -> str:
    """Render a prepared :class:`MapView` as an SVG document (with the measured figures when it has an overlay)."""
    cols = view.columns
    n = max(len(cols), 1)
    curve_h = 170.0
    y_title, y_stage, y_steps, step_h = PAD, PAD + 46, PAD + 84, 74.0
    width = LANE_W + n * COL_W + PAD * 2
    x0 = PAD + LANE_W
    band, band_h = _measured_band(view, x0, y_steps + step_h + 10)
    y_curve = y_steps + step_h + 12 + (band_h + 8 if band else 0)
    y_pain = y_curve + curve_h + 8
    y_mot = y_pain + 40
    y_note = y_mot + 44
    note = view.t("emotion.peak_end_note") + ((" " + view.peak_text() + ".") if view.peak_shared else "")
    note_lines = wrap(note, max(int((width - 2 * PAD) / 6.6), 40), 3) if view.peaks else []
    y_data = y_note + 16 * len(note_lines) + 10
    panels, panels_h = _data_panels(view, width, y_data)
    height = y_data + panels_h + PAD
    j = view.journey
    e = escape
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
        f"<title>{e(view.t('map.document_title', title=j.title))}</title>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="{y_title + 18}" font-size="22" font-weight="700" fill="#0f172a">{e(j.title)}</text>',
        f'<text x="{PAD}" y="{y_title + 36}" font-size="12" fill="#64748b">{e(view.t("scope." + j.scope))} · '
        f'{e(view.t("state." + j.state))}</text>',
    ]
    for label, y in ((view.t("map.stages"), y_stage + 20), (view.t("map.steps"), y_steps + 20),
                     (view.t("lane.emotion"), y_curve + 20), (view.t("lane.pain_points"), y_pain + 20),
                     (view.t("lane.moment_of_truth"), y_mot + 20)):
        out.append(f'<text x="{PAD}" y="{y}" font-size="10" font-weight="700" fill="#334155" '
                   f'letter-spacing="0.5">{e(label.upper())}</text>')
    for span in view.chunks(None)[0].spans if cols else []:
        start = next(i for i, c in enumerate(cols) if c.stage_index == span.index)
        x = x0 + start * COL_W
        fill, ink = STAGE_COLOURS[span.index % 7], STAGE_INKS[span.index % 7]
        name = shorten(span.stage.name, 13, span.span * COL_W - 24, bold=True)
        out.append(f'<g class="stage" data-stage="{e(span.stage.id)}"><title>{e(span.stage.name)}</title>'
                   f'<rect x="{x + 2:.0f}" y="{y_stage}" width="{span.span * COL_W - 4:.0f}" height="30" rx="6" '
                   f'fill="{fill}"/><text x="{x + 12:.0f}" y="{y_stage + 20}" font-size="13" font-weight="700" '
                   f'fill="{ink}">{e(name)}</text></g>')
    out += band
    for i, c in enumerate(cols):
        x = x0 + i * COL_W
        ink = STAGE_INKS[c.stage_index % 7]
        if c.step is None:
            out.append(f'<text x="{x + 10:.0f}" y="{y_steps + 24}" font-size="11" fill="#94a3b8">'
                       f'{e(view.t("map.no_steps"))}</text>')
            continue
        s = c.step
        classes = "step" + (" peak" if c.peak else "") + (" end" if c.end else "")
        stroke = ' stroke="#0f172a" stroke-width="2"' if c.peak or c.end else ' stroke="#e2e8f0"'
        out.append(f'<g class="{classes}" data-step="{e(s.id)}"><rect x="{x + 4:.0f}" y="{y_steps}" '
                   f'width="{COL_W - 8:.0f}" height="{step_h:.0f}" rx="8" fill="#ffffff"{stroke}/>'
                   f'<rect x="{x + 4:.0f}" y="{y_steps}" width="{COL_W - 8:.0f}" height="4" rx="2" fill="{ink}"/>'
                   f'<text x="{x + 12:.0f}" y="{y_steps + 18}" font-size="9" fill="#64748b">{c.number} · '
                   f'{e(view.channel(s.channel))}</text>')
        for k, line in enumerate(wrap(s.name, 22, 3)):
            out.append(f'<text x="{x + 12:.0f}" y="{y_steps + 34 + k * 14}" font-size="12" font-weight="600" '
                       f'fill="#0f172a">{e(line)}</text>')
        out.append("</g>")
        if s.pain_points:
            worst = max(s.pain_points, key=lambda p: SEVERITY_RANK[p.severity])
            cx, cy = x + COL_W / 2, y_pain + 16
            texts = "; ".join(p.text for p in s.pain_points)
            out.append(f'<g class="pain sev-{worst.severity}" data-step="{e(s.id)}"><title>{e(texts)}</title>'
                       f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="13" fill="{SEVERITY_FILL[worst.severity]}"/>'
                       f'<text x="{cx:.0f}" y="{cy + 4:.0f}" text-anchor="middle" font-size="11" font-weight="700" '
                       f'fill="#ffffff">{len(s.pain_points)}</text></g>')
        if s.moment_of_truth:
            w = s.moment_of_truth
            out.append(f'<g class="mot mot-{w}" data-step="{e(s.id)}"><title>{e(view.t("mot.weight", weight=w))}'
                       f'</title><text x="{x + COL_W / 2:.0f}" y="{y_mot + 22}" text-anchor="middle" '
                       f'font-size="16" fill="#d97706">{"★" * w}<tspan fill="#e5e7eb">{"★" * (5 - w)}</tspan>'
                       "</text></g>")
    if any(c.score is not None or c.measured for c in cols):
        out.append(f'<g transform="translate({x0:.0f},{y_curve:.0f})">'
                   f"{charts.emotion_curve(view, cols, COL_W, curve_h)}</g>")
    for k, line in enumerate(note_lines):
        out.append(f'<text class="peak-end-note" x="{PAD}" y="{y_note + 12 + k * 16:.0f}" font-size="11" '
                   f'fill="#475569">{e(line)}</text>')
    out += panels
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_svg(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> str:
    """The journey map of ``journey_id`` as a standalone SVG document."""
    return svg_from_view(build_view(ws, journey_id, overlay))
