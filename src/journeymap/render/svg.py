"""The map as one standalone SVG: stages, steps, emotion curve, pain point and moment-of-truth markers.

For slides and wikis that take an image but not HTML. It is plain XML (every text
escaped), so any SVG viewer or ``xml.etree`` reads it.
"""

from __future__ import annotations

from markupsafe import escape

from journeymap.model.workspace import Workspace
from journeymap.render import charts
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


def svg_from_view(view: MapView) -> str:
    """Render a prepared :class:`MapView` as an SVG document."""
    cols = view.columns
    n = max(len(cols), 1)
    curve_h = 170.0
    y_title, y_stage, y_steps, step_h = PAD, PAD + 46, PAD + 84, 74.0
    y_curve = y_steps + step_h + 12
    y_pain = y_curve + curve_h + 8
    y_mot = y_pain + 40
    height = y_mot + 44 + PAD
    width = LANE_W + n * COL_W + PAD * 2
    x0 = PAD + LANE_W
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
        out.append(f'<g class="stage" data-stage="{e(span.stage.id)}"><rect x="{x + 2:.0f}" y="{y_stage}" '
                   f'width="{span.span * COL_W - 4:.0f}" height="30" rx="6" fill="{fill}"/>'
                   f'<text x="{x + 12:.0f}" y="{y_stage + 20}" font-size="13" font-weight="700" fill="{ink}">'
                   f'{e(wrap(span.stage.name, int(span.span * COL_W / 8), 1)[0])}</text></g>')
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
                   f'{e(s.channel)}</text>')
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
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_svg(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> str:
    """The journey map of ``journey_id`` as a standalone SVG document."""
    return svg_from_view(build_view(ws, journey_id, overlay))
