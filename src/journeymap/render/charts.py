"""Inline SVG charts of the map: emotion curve, opportunity matrix, stage-flow Sankey, funnel.

Each function returns a :class:`markupsafe.Markup` SVG fragment; every user text goes
through :func:`markupsafe.escape`, so a step called ``<script>`` stays text. Charts are
drawn in Python rather than in Jinja because they are geometry, not layout.
"""

from __future__ import annotations

import math
from collections import defaultdict

from markupsafe import Markup, escape

from journeymap.i18n import format_number, format_percent
from journeymap.model.types import Opportunity
from journeymap.render.overlay import Flow, FunnelStep
from journeymap.render.view import STAGE_INKS, Column, MapView

NEGATIVE, NEUTRAL, POSITIVE = (220, 38, 38), (234, 179, 8), (22, 163, 74)


def score_colour(score: float) -> str:
    """Red (−2) through amber (0) to green (+2)."""
    a, b, f = (NEGATIVE, NEUTRAL, (score + 2) / 2) if score < 0 else (NEUTRAL, POSITIVE, score / 2)
    f = min(max(f, 0.0), 1.0)
    r, g, bl = (round(a[i] + (b[i] - a[i]) * f) for i in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def smooth_path(points: list[tuple[float, float]]) -> str:
    """A Catmull-Rom spline through ``points`` as an SVG path (straight when only two)."""
    if not points:
        return ""
    d = [f"M{_num(points[0][0])},{_num(points[0][1])}"]
    for i in range(1, len(points)):
        p0 = points[i - 2] if i >= 2 else points[i - 1]
        p1, p2 = points[i - 1], points[i]
        p3 = points[i + 1] if i + 1 < len(points) else p2
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        d.append(f"C{_num(c1[0])},{_num(c1[1])} {_num(c2[0])},{_num(c2[1])} {_num(p2[0])},{_num(p2[1])}")
    return " ".join(d)


def _runs(values: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Consecutive non-empty points; a step without a score breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for v in values:
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(v)
    return [r for r in runs if len(r) >= 2]  # a lone point is drawn as a marker, not a line


def emotion_curve(view: MapView, cols: list[Column], colw: float, height: float = 170) -> Markup:
    """The emotion lane: assumed curve (solid), persona curves (thin), measured curve (dashed).

    The y scale is fixed at −2..+2 so curves on different pages of a printed map compare.
    Peak and end (peak-end rule) get a ring and a label.
    """
    width = len(cols) * colw
    top, bottom = 22.0, height - 30.0

    def y(score: float) -> float:
        return top + (2 - score) / 4 * (bottom - top)

    def x(i: int) -> float:
        return i * colw + colw / 2

    out: list[str] = [
        f'<svg class="emotion-curve" xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(view.t("lane.emotion"))}">',
        f'<rect x="0" y="{_num(top)}" width="{_num(width)}" height="{_num(y(0) - top)}" fill="#f0fdf4"/>',
        f'<rect x="0" y="{_num(y(0))}" width="{_num(width)}" height="{_num(bottom - y(0))}" fill="#fef2f2"/>',
        f'<line x1="0" x2="{_num(width)}" y1="{_num(y(0))}" y2="{_num(y(0))}" stroke="#cbd5e1" stroke-dasharray="4 4"/>',
    ]
    for i in range(1, len(cols)):
        out.append(f'<line x1="{_num(i * colw)}" x2="{_num(i * colw)}" y1="{_num(top)}" y2="{_num(bottom)}" '
                   'stroke="#e2e8f0"/>')
    # assumed curves per persona, then the main assumed curve, then measured on top
    persona_ids = sorted({p for c in cols if c.step for p in c.step.persona_emotions})
    for pid in persona_ids:
        colour = view.persona_colours.get(pid, "#64748b")
        pts = [(x(i), y(c.step.persona_emotions[pid].score)) if c.step and pid in c.step.persona_emotions else None
               for i, c in enumerate(cols)]
        for run in _runs(pts):
            out.append(f'<path class="persona-curve" data-persona="{escape(pid)}" d="{smooth_path(run)}" fill="none" '
                       f'stroke="{colour}" stroke-width="1.6" stroke-opacity="0.75"/>')
        for px, py in (p for p in pts if p):
            out.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="3" fill="{colour}"/>')
    main = [(x(i), y(c.score)) if c.score is not None else None for i, c in enumerate(cols)]
    for run in _runs(main):
        out.append(f'<path class="assumed-curve" d="{smooth_path(run)}" fill="none" stroke="#334155" '
                   'stroke-width="2.6" stroke-linecap="round"/>')
    measured = [(x(i), y(c.measured.score)) if c.measured else None for i, c in enumerate(cols)]
    for run in _runs(measured):
        out.append(f'<path class="measured-curve" d="{smooth_path(run)}" fill="none" stroke="#0284c7" '
                   'stroke-width="2.2" stroke-dasharray="6 4"/>')
    measured_personas = sorted({p for c in cols if c.measured for p in c.measured.per_persona})
    for pid in measured_personas:
        colour = view.persona_colours.get(pid, "#64748b")
        pts = [(x(i), y(c.measured.per_persona[pid][0])) if c.measured and pid in c.measured.per_persona else None
               for i, c in enumerate(cols)]
        for run in _runs(pts):
            out.append(f'<path class="measured-persona-curve" data-persona="{escape(pid)}" d="{smooth_path(run)}" '
                       f'fill="none" stroke="{colour}" stroke-width="1.4" stroke-dasharray="3 3"/>')
        for i, c in enumerate(cols):
            if c.measured and pid in c.measured.per_persona:
                score, n = c.measured.per_persona[pid]
                out.append(f'<rect class="measured-persona-point" data-persona="{escape(pid)}" x="{_num(x(i) - 3)}" '
                           f'y="{_num(y(score) - 3)}" width="6" height="6" fill="#ffffff" stroke="{colour}" '
                           f'stroke-width="1.5"><title>{escape(view.persona_names.get(pid, pid))}: {_num(score)} '
                           f'({escape(view.t("emotion.n", n=n))})</title></rect>')
    for i, c in enumerate(cols):
        if c.measured:
            m = c.measured
            cx, cy = x(i), y(m.score)
            fill = "#ffffff" if m.small_sample else "#0284c7"
            flag = f" — {escape(view.t('emotion.small_sample'))}" if m.small_sample else ""
            out.append(f'<g class="measured-point{" small-sample" if m.small_sample else ""}">'
                       f'<title>{escape(view.t("emotion.measured_curve"))}: {_num(m.score)} '
                       f'({escape(view.t("emotion.n", n=m.n))}){flag}</title>'
                       f'<rect x="{_num(cx - 4)}" y="{_num(cy - 4)}" width="8" height="8" fill="{fill}" '
                       'stroke="#0284c7" stroke-width="1.5" transform="rotate(45 '
                       f'{_num(cx)} {_num(cy)})"/>'
                       f'<text x="{_num(cx + 8)}" y="{_num(cy - 6)}" class="n-label" font-size="9" fill="#0369a1">'
                       f'{escape(view.t("emotion.n", n=m.n))}{" ⚠" if m.small_sample else ""}</text></g>')
    for i, c in enumerate(cols):
        if c.score is None or c.step is None or c.step.emotion is None:
            continue
        emo = c.step.emotion
        cx, cy = x(i), y(emo.score)
        ring = {"assumed": "#ffffff", "reported": "#6366f1", "observed": "#0284c7"}[emo.provenance]
        classes = ["emotion-point", f"prov-{emo.provenance}"] + (["peak"] if c.peak else []) + (["end"] if c.end else [])
        out.append(f'<g class="{" ".join(classes)}" data-step="{escape(c.step.id)}">'
                   f'<title>{escape(c.step.name)}: {_num(emo.score)}{(" — " + escape(emo.word)) if emo.word else ""}'
                   f' ({escape(view.t("provenance." + emo.provenance))})</title>')
        if c.peak or c.end:
            out.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="11" fill="none" stroke="#0f172a" '
                       'stroke-width="1.5"/>')
        out.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="6.5" fill="{score_colour(emo.score)}" '
                   f'stroke="{ring}" stroke-width="1.8"/>')
        if emo.word:
            ty = cy + 22 if emo.score >= 0 else cy - 15
            # a white copy underneath keeps the word legible where curves cross it (no paint-order in WeasyPrint)
            for extra in ('stroke="#ffffff" stroke-width="3.5" stroke-linejoin="round" class="halo"', ""):
                out.append(f'<text x="{_num(cx)}" y="{_num(ty)}" text-anchor="middle" font-size="11" '
                           f'font-weight="600" fill="#1e293b" {extra}>{escape(emo.word)}</text>')
        tags = [view.t("emotion.peak_shared" if view.peak_shared else "emotion.peak")] * c.peak + [view.t("emotion.end")] * c.end
        if tags:
            out.append(f'<text x="{_num(cx)}" y="{_num(height - 10)}" text-anchor="middle" font-size="10" '
                       f'font-weight="700" fill="#0f172a" class="peak-end-label">'
                       f'{"★ " if c.peak else ""}{escape(" · ".join(tags).upper())}{" ⚑" if c.end else ""}</text>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def _spread(n: int) -> list[tuple[float, float]]:
    """Offsets for ``n`` markers sharing one cell, so none hides another."""
    if n <= 1:
        return [(0.0, 0.0)]
    out = []
    for k in range(n):
        ring, pos = divmod(k, 6)
        r = 13.0 * (ring + 1)
        angle = (pos / 6 + ring * 0.08) * 6.283
        out.append((r * math.cos(angle), r * math.sin(angle)))
    return out


EFFORT_SPLIT, IMPACT_SPLIT = 3.5, 2.5  # matches Opportunity.quadrant: effort ≤ 3 is low, impact ≥ 3 is high


def opportunity_matrix(view: MapView, width: float = 460, height: float = 360) -> Markup:
    """Impact (up) against effort (right); quadrant borders where ``Opportunity.quadrant`` draws them."""
    left, top, right, bottom = 40.0, 14.0, width - 12, height - 36

    def x(effort: float) -> float:
        return left + (effort - 0.5) / 5 * (right - left)

    def y(impact: float) -> float:
        return bottom - (impact - 0.5) / 5 * (bottom - top)

    xs, ys = x(EFFORT_SPLIT), y(IMPACT_SPLIT)
    boxes = {
        "quick-win": (left, top, xs, ys, "#dcfce7", "#166534"),
        "big-bet": (xs, top, right, ys, "#dbeafe", "#1e40af"),
        "fill-in": (left, ys, xs, bottom, "#f1f5f9", "#475569"),
        "money-pit": (xs, ys, right, bottom, "#fee2e2", "#991b1b"),
    }
    out = [f'<svg class="opportunity-matrix" xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" '
           f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
           f'aria-label="{escape(view.t("opportunities.matrix"))}">']
    for q, (x0, y0, x1, y1, fill, ink) in boxes.items():
        out.append(f'<rect class="quadrant" data-quadrant="{q}" x="{_num(x0)}" y="{_num(y0)}" width="{_num(x1 - x0)}" '
                   f'height="{_num(y1 - y0)}" fill="{fill}"/>')
        anchor, tx = ("start", x0 + 8) if q in ("quick-win", "fill-in") else ("end", x1 - 8)
        ty = y0 + 18 if q in ("quick-win", "big-bet") else y1 - 8
        out.append(f'<text x="{_num(tx)}" y="{_num(ty)}" text-anchor="{anchor}" font-size="12" font-weight="700" '
                   f'fill="{ink}">{escape(view.t("opportunities." + q))}</text>')
    out.append(f'<text x="{_num((left + right) / 2)}" y="{_num(height - 6)}" text-anchor="middle" font-size="11" '
               f'fill="#475569">{escape(view.t("opportunities.effort"))} →</text>')
    out.append(f'<text x="12" y="{_num((top + bottom) / 2)}" text-anchor="middle" font-size="11" fill="#475569" '
               f'transform="rotate(-90 12 {_num((top + bottom) / 2)})">{escape(view.t("opportunities.impact"))} →</text>')
    for v in range(1, 6):
        out.append(f'<text x="{_num(x(v))}" y="{_num(bottom + 14)}" text-anchor="middle" font-size="9" '
                   f'fill="#94a3b8">{v}</text>')
        out.append(f'<text x="{_num(left - 8)}" y="{_num(y(v) + 3)}" text-anchor="end" font-size="9" '
                   f'fill="#94a3b8">{v}</text>')
    cells: dict[tuple[int, int], list[tuple[int, Opportunity]]] = defaultdict(list)
    for i, opp in enumerate(view.opportunities, 1):
        cells[(opp.effort, opp.impact)].append((i, opp))
    for (effort, impact), items in cells.items():
        for (dx, dy), (i, opp) in zip(_spread(len(items)), items, strict=True):
            cx, cy = x(effort) + dx, y(impact) + dy
            ink = boxes[opp.quadrant][5]
            out.append(f'<g class="opp" data-id="{escape(opp.id)}" data-quadrant="{opp.quadrant}" '
                       f'data-x="{_num(cx)}" data-y="{_num(cy)}"><title>{escape(opp.title)}</title>'
                       f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="10" fill="{ink}" stroke="#ffffff" '
                       f'stroke-width="1.5"/><text x="{_num(cx)}" y="{_num(cy + 3.5)}" text-anchor="middle" '
                       f'font-size="10" font-weight="700" fill="#ffffff">{i}</text></g>')
    out.append(f'<line class="split-effort" x1="{_num(xs)}" x2="{_num(xs)}" y1="{_num(top)}" y2="{_num(bottom)}" '
               'stroke="#ffffff" stroke-width="3"/>')
    out.append(f'<line class="split-impact" x1="{_num(left)}" x2="{_num(right)}" y1="{_num(ys)}" y2="{_num(ys)}" '
               'stroke="#ffffff" stroke-width="3"/>')
    out.append("</svg>")
    return Markup("".join(out))


def _node_order(view: MapView, flows: list[Flow]) -> list[str]:
    """Stages (then steps) in map order; unknown ids that only start flows first, others last."""
    known = [st.id for st in view.journey.stages] + [c.step.id for c in view.steps if c.step]
    ids = {f.source for f in flows} | {f.target for f in flows}
    targets = {f.target for f in flows}
    unknown = sorted(ids - set(known))
    return ([u for u in unknown if u not in targets] + [k for k in known if k in ids]
            + [u for u in unknown if u in targets])


def sankey(view: MapView, flows: list[Flow], width: float = 1100, height: float = 280) -> Markup:
    """Stage-to-stage flow: nodes left to right in map order, band width ∝ customers.

    Forward flows are bands between nodes; flows back to an earlier stage (loops) are drawn
    as arcs under the nodes, so rework and repeat visits are visible rather than hidden.
    Undesigned flows are red.
    """
    order = _node_order(view, flows)
    if not order:
        return Markup("")
    index = {n: i for i, n in enumerate(order)}
    inflow: dict[str, int] = defaultdict(int)
    outflow: dict[str, int] = defaultdict(int)
    for f in flows:
        outflow[f.source] += f.customers
        inflow[f.target] += f.customers
    through = {n: max(inflow[n], outflow[n], 1) for n in order}
    node_w, pad_top, band_h = 14.0, 34.0, height - 34.0 - 90.0
    scale = band_h / max(through.values())
    gap = (width - 40 - node_w) / max(len(order) - 1, 1)
    nx = {n: 20 + i * gap for i, n in enumerate(order)}
    out = [f'<svg class="sankey" xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
           f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(view.t("flow.title"))}">']
    # bands leave a node ordered by target and enter one ordered by source, so they do not cross needlessly
    out_y: dict[int, float] = {}
    in_y: dict[int, float] = {}
    offset: dict[str, float] = defaultdict(float)
    for k in sorted(range(len(flows)), key=lambda k: (index[flows[k].source], index[flows[k].target])):
        w = max(flows[k].customers * scale, 1.0)
        out_y[k] = pad_top + offset[flows[k].source] + w / 2
        offset[flows[k].source] += w
    offset.clear()
    for k in sorted(range(len(flows)), key=lambda k: (index[flows[k].target], index[flows[k].source])):
        w = max(flows[k].customers * scale, 1.0)
        in_y[k] = pad_top + offset[flows[k].target] + w / 2
        offset[flows[k].target] += w
    for k, f in enumerate(flows):
        w = max(f.customers * scale, 1.0)
        s, tgt = f.source, f.target
        colour = "#ef4444" if not f.designed else STAGE_INKS[index[s] % len(STAGE_INKS)]
        label = (f"{escape(view.name_of(s))} → {escape(view.name_of(tgt))}: "
                 f"{escape(view.t('flow.customers', n=format_number(f.customers, view.lang)))}"
                 + (f" ({escape(view.t('flow.undesigned'))})" if not f.designed else ""))
        cls = "flow" + ("" if f.designed else " undesigned")
        count = escape(format_number(f.customers, view.lang))
        if index[tgt] > index[s]:
            x0, x1 = nx[s] + node_w, nx[tgt]
            y0, y1 = out_y[k], in_y[k]
            mx = (x0 + x1) / 2
            out.append(f'<path class="{cls}" data-source="{escape(s)}" data-target="{escape(tgt)}" '
                       f'd="M{_num(x0)},{_num(y0)} C{_num(mx)},{_num(y0)} {_num(mx)},{_num(y1)} '
                       f'{_num(x1)},{_num(y1)}" fill="none" stroke="{colour}" stroke-opacity="0.35" '
                       f'stroke-width="{_num(w)}"><title>{label}</title></path>')
            if w >= 13:
                out.append(f'<text x="{_num(mx)}" y="{_num((y0 + y1) / 2 + 4)}" text-anchor="middle" font-size="10" '
                           f'fill="#0f172a">{count}</text>')
        else:
            xs_, xt = nx[s] + node_w / 2, nx[tgt] + node_w / 2
            base = pad_top + max(through[s], through[tgt]) * scale + 6
            depth = pad_top + band_h + 24 + min(abs(index[s] - index[tgt]), 4) * 12
            sw = max(min(w, 8.0), 1.5)
            out.append(f'<path class="{cls} backward" data-source="{escape(s)}" data-target="{escape(tgt)}" '
                       f'd="M{_num(xs_)},{_num(base)} C{_num(xs_)},{_num(depth)} {_num(xt)},{_num(depth)} '
                       f'{_num(xt)},{_num(base)}" fill="none" stroke="{colour}" stroke-opacity="0.5" '
                       f'stroke-width="{_num(sw)}" stroke-linecap="round"><title>{label} '
                       f'({escape(view.t("flow.backward"))})</title></path>'
                       f'<path d="M{_num(xt - 5)},{_num(base + 8)} L{_num(xt)},{_num(base)} L{_num(xt + 5)},'
                       f'{_num(base + 8)}" fill="none" stroke="{colour}" stroke-width="2"/>'
                       f'<text x="{_num((xs_ + xt) / 2)}" y="{_num(depth - 8)}" text-anchor="middle" font-size="10" '
                       f'fill="{colour}">↶ {count}</text>')
    for n in order:
        i = index[n]
        h = through[n] * scale
        ink = STAGE_INKS[i % len(STAGE_INKS)]
        out.append(f'<rect class="node" data-node="{escape(n)}" x="{_num(nx[n])}" y="{_num(pad_top)}" '
                   f'width="{_num(node_w)}" height="{_num(h)}" rx="3" fill="{ink}"/>')
        anchor = "start" if i < len(order) - 1 else "end"
        tx = nx[n] if anchor == "start" else nx[n] + node_w
        out.append(f'<text x="{_num(tx)}" y="14" font-size="11" font-weight="700" fill="#0f172a" '
                   f'text-anchor="{anchor}">{escape(view.name_of(n))}</text>')
        out.append(f'<text x="{_num(tx)}" y="27" font-size="10" fill="#475569" text-anchor="{anchor}">'
                   f'{escape(format_number(through[n], view.lang))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def funnel(view: MapView, steps: list[FunnelStep], width: float = 980) -> Markup:
    """Horizontal bars, longest first, with the share from the start and from the previous step."""
    if not steps:
        return Markup("")
    row, label_w, bar_w = 30.0, 220.0, width - 220.0 - 330.0
    height = row * len(steps) + 8
    top = max(s.customers for s in steps) or 1
    out = [f'<svg class="funnel" xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
           f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(view.t("funnel.title"))}">']
    for i, s in enumerate(steps):
        y0 = 4 + i * row
        w = max(s.customers / top * bar_w, 2.0)
        name = view.name_of(s.step)
        short = name if len(name) <= 34 else name[:33] + "…"
        out.append(f'<g class="funnel-step" data-step="{escape(s.step)}"><title>{escape(name)}</title>'
                   f'<text x="{_num(label_w - 8)}" y="{_num(y0 + row / 2 + 1)}" text-anchor="end" font-size="11" '
                   f'fill="#0f172a">{escape(short)}</text>'
                   f'<rect x="{_num(label_w)}" y="{_num(y0 + 3)}" width="{_num(w)}" height="{_num(row - 8)}" rx="3" '
                   f'fill="#0ea5e9" fill-opacity="{_num(0.45 + 0.55 * s.customers / top)}"/>'
                   f'<text x="{_num(label_w + w + 6)}" y="{_num(y0 + row / 2 + 1)}" font-size="11" fill="#0f172a">'
                   f'{escape(format_number(s.customers, view.lang))} · '
                   f'{escape(format_percent(s.conversion_from_start, view.lang))} '
                   f'{escape(view.t("funnel.from_start"))} · '
                   f'{escape(format_percent(s.conversion_from_previous, view.lang))} '
                   f'{escape(view.t("funnel.from_previous"))}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))
