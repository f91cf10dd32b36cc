"""The emotion lane as inline SVG: the assumed curve, each persona's curve, the measured curve.

Drawn in three layers: curves (each persona's own line, solid between neighbouring steps and dotted
across steps it has no score for; the assumed curve; the measured curve, dashed on a white halo so it
stands out on the coloured bands), then markers, then labels. Labels (the emotion word with the peak
and end tags, and the measured ``n``) are placed by :mod:`journeymap.render.svgkit` where they cover no
curve, marker or other label, and inside the drawing, so nothing is clipped.

Every user text goes through :func:`markupsafe.escape`; numbers are written in the map's language.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from journeymap.i18n import format_number
from journeymap.render.svgkit import (
    Box,
    Obstacles,
    Point,
    num,
    place,
    sample_curve,
    sample_line,
    score_colour,
    smooth_path,
)
from journeymap.render.textfit import shorten, text_width
from journeymap.render.view import Column, MapView

ASSUMED_INK, MEASURED_INK = "#334155", "#0369a1"
WORD_SIZE, TAG_SIZE, N_SIZE = 11.0, 9.5, 9.0
POINT_R, RING_R, PERSONA_R, DIAMOND = 6.5, 11.0, 4.0, 5.5
MAX_GAP = 2  # a persona's line is dotted across at most this many steps it has no score for


def _runs(values: list[tuple[int, Point] | None]) -> list[list[tuple[int, Point]]]:
    """Consecutive non-empty points; a step without a score breaks the run."""
    runs: list[list[tuple[int, Point]]] = [[]]
    for v in values:
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(v)
    return [r for r in runs if r]


def _around(cx: float, cy: float, r: float, w: float, h: float) -> list[Box]:
    """Spots for a ``w`` × ``h`` label around a marker of radius ``r``: above, below, further out, beside."""
    gap, side = 3.0, 5.0
    above, below = cy - r - gap - h, cy + r + gap
    return [
        Box(cx - w / 2, above, cx + w / 2, above + h),
        Box(cx - w / 2, below, cx + w / 2, below + h),
        Box(cx - w / 2, above - 12, cx + w / 2, above - 12 + h),
        Box(cx - w / 2, below + 12, cx + w / 2, below + 12 + h),
        Box(cx + r + side, cy - h / 2, cx + r + side + w, cy + h / 2),
        Box(cx - r - side - w, cy - h / 2, cx - r - side, cy + h / 2),
        Box(cx - w / 2, above - 24, cx + w / 2, above - 24 + h),
        Box(cx - w / 2, below + 24, cx + w / 2, below + 24 + h),
    ]


def _corners(cx: float, cy: float, r: float, w: float, h: float) -> list[Box]:
    """Spots for a small label beside a marker: the four diagonals first, then above and below."""
    g = r + 2
    return [Box(cx + g, cy - g - h, cx + g + w, cy - g), Box(cx + g, cy + g, cx + g + w, cy + g + h),
            Box(cx - g - w, cy - g - h, cx - g, cy - g), Box(cx - g - w, cy + g, cx - g, cy + g + h),
            Box(cx - w / 2, cy - g - h, cx + w / 2, cy - g), Box(cx - w / 2, cy + g, cx + w / 2, cy + g + h),
            Box(cx - w / 2, cy - g - h - 10, cx + w / 2, cy - g - 10),
            Box(cx - w / 2, cy + g + 10, cx + w / 2, cy + g + h + 10)]


def _text(x: float, baseline: float, text: str, size: float, fill: str, cls: str, weight: int = 600) -> str:
    """A label over a white copy of itself: legible wherever a grid line or band passes under it."""
    common = (f'x="{num(x)}" y="{num(baseline)}" text-anchor="middle" font-size="{num(size)}" '
              f'font-weight="{weight}"')
    return (f'<text {common} fill="#ffffff" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" '
            f'class="halo" aria-hidden="true">{escape(text)}</text>'
            f'<text {common} fill="{fill}" class="{cls}">{escape(text)}</text>')


def emotion_curve(view: MapView, cols: list[Column], colw: float, height: float = 170, *,
                  scale: float = 1.0) -> Markup:
    """The emotion lane for ``cols``: geometry in units of ``colw`` per column and ``height``, drawn
    ``scale`` times that size (print shrinks the whole grid by one factor).

    The y scale is fixed at −2..+2 so curves on different pages of a printed map compare.
    """
    lang = view.lang
    width = max(len(cols), 1) * colw
    top, bottom = 26.0, height - 26.0

    def y(score: float) -> float:
        return top + (2 - score) / 4 * (bottom - top)

    def x(i: int) -> float:
        return i * colw + colw / 2

    def score_text(score: float) -> str:
        return format_number(score, lang, 1)

    n_text = lambda n: view.t("emotion.n", n=format_number(n, lang))  # noqa: E731
    obstacles = Obstacles()
    curves: list[str] = []
    markers: list[str] = []
    labels: list[str] = []

    # each persona's assumed curve: solid between neighbouring steps, dotted across steps it has no score for
    for pid in view.curve_personas:
        colour = view.persona_colours.get(pid, "#64748b")
        pts = [(i, (x(i), y(c.step.persona_emotions[pid].score))) if c.step and pid in c.step.persona_emotions
               else None for i, c in enumerate(cols)]
        runs = _runs(pts)
        group = [f'<g class="persona-curve" data-persona="{escape(pid)}">']
        for run in runs:
            line = [p for _, p in run]
            if len(line) > 1:
                group.append(f'<path d="{smooth_path(line)}" fill="none" stroke="{colour}" stroke-width="1.8" '
                             'stroke-opacity="0.85" stroke-linecap="round"/>')
            obstacles.add_points(sample_curve(line))
        for a, b in zip(runs, runs[1:], strict=False):
            if b[0][0] - a[-1][0] > MAX_GAP + 1:  # across a long stretch a line would invent a feeling
                continue
            pa, pb = a[-1][1], b[0][1]
            group.append(f'<path class="gap" d="M{num(pa[0])},{num(pa[1])} L{num(pb[0])},{num(pb[1])}" fill="none" '
                         f'stroke="{colour}" stroke-width="1.4" stroke-dasharray="1.5 3" stroke-linecap="round"/>')
            obstacles.add_points(sample_line(pa, pb))
        curves.append("".join(group) + "</g>")
        name = escape(view.persona_names.get(pid, pid))
        for i, (px, py) in (v for v in pts if v):
            step = cols[i].step
            assert step is not None
            markers.append(f'<circle class="persona-point" data-persona="{escape(pid)}" cx="{num(px)}" cy="{num(py)}" '
                           f'r="{num(PERSONA_R)}" fill="{colour}" stroke="#ffffff" stroke-width="1.2">'
                           f'<title>{name}: {score_text(step.persona_emotions[pid].score)}</title></circle>')
            obstacles.markers.append(Box(px - PERSONA_R, py - PERSONA_R, px + PERSONA_R, py + PERSONA_R))

    main = [(i, (x(i), y(c.score))) if c.score is not None else None for i, c in enumerate(cols)]
    for run in _runs(main):
        line = [p for _, p in run]
        if len(line) > 1:  # a lone point is drawn as a marker, not a line
            curves.append(f'<path class="assumed-curve" d="{smooth_path(line)}" fill="none" stroke="{ASSUMED_INK}" '
                          'stroke-width="2.6" stroke-linecap="round"/>')
        obstacles.add_points(sample_curve(line))

    measured = [(i, (x(i), y(c.measured.score))) if c.measured else None for i, c in enumerate(cols)]
    for run in _runs(measured):
        line = [p for _, p in run]
        if len(line) > 1:
            d = smooth_path(line)
            curves.append(f'<path class="measured-halo" d="{d}" fill="none" stroke="#ffffff" stroke-width="6" '
                          'stroke-opacity="0.9" stroke-linecap="round"/>'
                          f'<path class="measured-curve" d="{d}" fill="none" stroke="{MEASURED_INK}" '
                          'stroke-width="2.8" stroke-dasharray="8 4" stroke-linecap="round"/>')
        obstacles.add_points(sample_curve(line))
    for pid in sorted({p for c in cols if c.measured for p in c.measured.per_persona}):
        colour = view.persona_colours.get(pid, "#64748b")
        pts = [(i, (x(i), y(c.measured.per_persona[pid][0]))) if c.measured and pid in c.measured.per_persona
               else None for i, c in enumerate(cols)]
        for run in _runs(pts):
            line = [p for _, p in run]
            if len(line) > 1:
                curves.append(f'<path class="measured-persona-curve" data-persona="{escape(pid)}" '
                              f'd="{smooth_path(line)}" fill="none" stroke="{colour}" stroke-width="1.5" '
                              'stroke-dasharray="3 3"/>')
            obstacles.add_points(sample_curve(line))
        for i, (px, py) in (v for v in pts if v):
            m = cols[i].measured
            assert m is not None
            score, n = m.per_persona[pid]
            markers.append(f'<rect class="measured-persona-point" data-persona="{escape(pid)}" x="{num(px - 3.5)}" '
                           f'y="{num(py - 3.5)}" width="7" height="7" fill="#ffffff" stroke="{colour}" '
                           f'stroke-width="1.5"><title>{escape(view.persona_names.get(pid, pid))}: {score_text(score)} '
                           f'({escape(n_text(n))})</title></rect>')
            obstacles.markers.append(Box(px - 3.5, py - 3.5, px + 3.5, py + 3.5))

    n_labels: list[tuple[float, float, str]] = []
    for i, c in enumerate(cols):
        if c.measured is None or c.step is None:
            continue
        m = c.measured
        cx, cy = x(i), y(m.score)
        fill = "#ffffff" if m.small_sample else MEASURED_INK
        r = DIAMOND * 1.42
        flag = f" — {escape(view.t('emotion.small_sample'))}" if m.small_sample else ""
        markers.append(f'<g class="measured-point{" small-sample" if m.small_sample else ""}" '
                       f'data-step="{escape(c.step.id)}"><title>{escape(view.t("emotion.measured_curve"))}: '
                       f'{score_text(m.score)} ({escape(n_text(m.n))}){flag}</title>'
                       f'<path d="M{num(cx)},{num(cy - r)} L{num(cx + r)},{num(cy)} L{num(cx)},{num(cy + r)} '
                       f'L{num(cx - r)},{num(cy)} Z" fill="{fill}" stroke="{MEASURED_INK}" stroke-width="1.8" '
                       'stroke-linejoin="round"/></g>')
        obstacles.markers.append(Box(cx - r, cy - r, cx + r, cy + r))
        n_labels.append((cx, cy, n_text(m.n) + (" ⚠" if m.small_sample else "")))

    points: list[tuple[int, Column]] = []
    for i, c in enumerate(cols):
        if c.score is None or c.step is None or c.step.emotion is None:
            continue
        emo = c.step.emotion
        cx, cy = x(i), y(emo.score)
        ring = {"assumed": "#ffffff", "reported": "#6366f1", "observed": "#0284c7"}[emo.provenance]
        classes = ["emotion-point", f"prov-{emo.provenance}"] + (["peak"] if c.peak else []) + (["end"] if c.end else [])
        g = [f'<g class="{" ".join(classes)}" data-step="{escape(c.step.id)}">'
             f'<title>{escape(c.step.name)}: {score_text(emo.score)}{(" — " + escape(emo.word)) if emo.word else ""}'
             f' ({escape(view.t("provenance." + emo.provenance))})</title>']
        if c.peak or c.end:
            g.append(f'<circle class="peak-end-ring" cx="{num(cx)}" cy="{num(cy)}" r="{num(RING_R)}" fill="#ffffff" '
                     'fill-opacity="0.6" stroke="#0f172a" stroke-width="1.6"/>')
        g.append(f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(POINT_R)}" fill="{score_colour(emo.score)}" '
                 f'stroke="{ring}" stroke-width="1.8"/></g>')
        markers.append("".join(g))
        rr = RING_R if c.peak or c.end else POINT_R + 1
        obstacles.markers.append(Box(cx - rr, cy - rr, cx + rr, cy + rr))
        points.append((i, c))

    bounds = Box(1, 1, width - 1, height - 1)
    # the peak and the end first (they matter most), then the strongest emotions
    for i, c in sorted(points, key=lambda p: (not (p[1].peak or p[1].end), -abs(p[1].score or 0), p[0])):
        assert c.step is not None and c.step.emotion is not None
        emo = c.step.emotion
        lines: list[tuple[str, float, str, int]] = []
        if emo.word:
            lines.append((shorten(emo.word, WORD_SIZE, colw - 8, bold=True), WORD_SIZE, "#1e293b", 600))
        tags = [view.t("emotion.peak_shared" if view.peak_shared else "emotion.peak")] * c.peak + \
               [view.t("emotion.end")] * c.end
        if tags:
            tag = f'{"★ " if c.peak else ""}{" · ".join(tags).upper()}{" ⚑" if c.end else ""}'
            lines.append((shorten(tag, TAG_SIZE, colw - 4, bold=True), TAG_SIZE, "#0f172a", 700))
        if not lines:
            continue
        w = max(text_width(text, size, bold=True) for text, size, _, _ in lines) + 4
        h = sum(size + 2.5 for _, size, _, _ in lines)
        cx, cy = x(i), y(emo.score)
        box = place(_around(cx, cy, RING_R if c.peak or c.end else POINT_R + 1, w, h), obstacles, bounds)
        out = [f'<g class="point-label" data-step="{escape(c.step.id)}">']
        baseline = box.y0
        for text, size, fill, weight in lines:
            baseline += size * 0.93
            cls = "emotion-word" if size == WORD_SIZE else "peak-end-label"
            out.append(_text((box.x0 + box.x1) / 2, baseline, text, size, fill, cls, weight))
            baseline += 2.5 + size * 0.07
        labels.append("".join(out) + "</g>")
    for cx, cy, text in n_labels:
        w, h = text_width(text, N_SIZE) + 3, N_SIZE + 2
        box = place(_corners(cx, cy, DIAMOND * 1.42, w, h), obstacles, bounds)
        labels.append(_text((box.x0 + box.x1) / 2, box.y0 + N_SIZE * 0.93, text, N_SIZE, MEASURED_INK, "n-label", 600))

    grid = [f'<rect x="0" y="{num(top)}" width="{num(width)}" height="{num(y(0) - top)}" fill="#f0fdf4"/>',
            f'<rect x="0" y="{num(y(0))}" width="{num(width)}" height="{num(bottom - y(0))}" fill="#fef2f2"/>',
            f'<line x1="0" x2="{num(width)}" y1="{num(y(0))}" y2="{num(y(0))}" stroke="#cbd5e1" '
            'stroke-dasharray="4 4"/>']
    grid += [f'<line x1="{num(i * colw)}" x2="{num(i * colw)}" y1="{num(top)}" y2="{num(bottom)}" stroke="#e2e8f0"/>'
             for i in range(1, len(cols))]
    head = (f'<svg class="emotion-curve" xmlns="http://www.w3.org/2000/svg" width="{num(width * scale)}" '
            f'height="{num(height * scale)}" viewBox="0 0 {num(width)} {num(height)}" role="img" '
            f'aria-label="{escape(view.t("lane.emotion"))}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">')
    # one shade per column, clear until the map's persona filter dims the column (screen only)
    shades = [f'<rect class="col-shade" data-col="{c.index}" x="{num(i * colw)}" y="0" width="{num(colw)}" '
              f'height="{num(height)}" fill="#ffffff" fill-opacity="0" pointer-events="none"/>'
              for i, c in enumerate(cols)]
    return Markup(head + "".join(grid + curves + markers + labels + shades) + "</svg>")


def legend_swatch(kind: str, colour: str) -> Markup:
    """The small line-and-marker sample the lane header shows for each curve: the same stroke and marker as drawn."""
    body = {
        "assumed": f'<path d="M1,6 H23" stroke="{ASSUMED_INK}" stroke-width="2.6" stroke-linecap="round"/>'
                   f'<circle cx="12" cy="6" r="3.6" fill="{colour}" stroke="#ffffff" stroke-width="1"/>',
        "persona": f'<path d="M1,6 H23" stroke="{colour}" stroke-width="1.8"/>'
                   f'<circle cx="12" cy="6" r="3.2" fill="{colour}" stroke="#ffffff" stroke-width="1"/>',
        "measured": f'<path d="M1,6 H23" stroke="{MEASURED_INK}" stroke-width="2.4" stroke-dasharray="5 3"/>'
                    f'<path d="M12,2 L16,6 L12,10 L8,6 Z" fill="{MEASURED_INK}"/>',
    }[kind]
    return Markup(f'<svg class="swatch-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 12" width="24" height="12" '
                  f'aria-hidden="true">{body}</svg>')
