"""Inline SVG charts of the map: opportunity matrix, stage-flow Sankey, funnel (the emotion lane: :mod:`.curve`).

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
from journeymap.render.curve import emotion_curve
from journeymap.render.svgkit import num as _num
from journeymap.render.svgkit import score_colour, smooth_path
from journeymap.render.textfit import shorten, text_width
from journeymap.render.view import STAGE_INKS, MapView
from journeymap.results import Flow, FunnelStep

__all__ = ["emotion_curve", "funnel", "opportunity_matrix", "sankey", "score_colour", "smooth_path"]

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


ARC_LEVEL = 20.0  # px between the levels of loop arcs under the Sankey


def _arc_levels(spans: list[tuple[float, float]]) -> list[int]:
    """A level per loop arc so that arcs whose spans overlap never share one (shortest arcs nearest the nodes)."""
    levels = [0] * len(spans)
    taken: list[list[tuple[float, float]]] = []
    for k in sorted(range(len(spans)), key=lambda k: (spans[k][1] - spans[k][0], spans[k][0])):
        a, b = spans[k]
        level = 0
        while level < len(taken) and any(a < d + 24 and c < b + 24 for c, d in taken[level]):
            level += 1
        if level == len(taken):
            taken.append([])
        taken[level].append((a, b))
        levels[k] = level
    return levels


def sankey(view: MapView, flows: list[Flow], width: float = 1100, band_h: float = 156) -> Markup:
    """Stage-to-stage flow: nodes left to right in map order, band width ∝ customers.

    Forward flows are bands between nodes. Flows back to an earlier stage (loops) are drawn as
    arcs under the nodes, each arc on its own level where spans overlap, and its count sits on
    the arc between two nodes, where no other arc's leg comes down: rework and repeat visits are
    visible rather than piled up. Undesigned flows are red.
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
    node_w, pad_top = 14.0, 34.0
    scale = band_h / max(through.values())
    gap = (width - 40 - node_w) / max(len(order) - 1, 1)
    nx = {n: 20 + i * gap for i, n in enumerate(order)}
    backward = [k for k, f in enumerate(flows) if index[f.target] <= index[f.source]]
    spans = [(nx[flows[k].target], nx[flows[k].source]) for k in backward]
    levels = dict(zip(backward, _arc_levels(spans), strict=True))
    arcs_top = pad_top + band_h + 26
    height = arcs_top + (max(levels.values(), default=-1) + 1) * ARC_LEVEL + (14 if backward else 0)
    out = [f'<svg class="sankey" xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
           f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(view.t("flow.title"))}" '
           'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">']
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
    arc_labels: list[str] = []
    for k, f in enumerate(flows):
        w = max(f.customers * scale, 1.0)
        s, tgt = f.source, f.target
        colour = "#ef4444" if not f.designed else STAGE_INKS[index[s] % len(STAGE_INKS)]
        label = (f"{escape(view.name_of(s))} → {escape(view.name_of(tgt))}: "
                 f"{escape(view.t('flow.customers', n=format_number(f.customers, view.lang)))}"
                 + (f" ({escape(view.t('flow.undesigned'))})" if not f.designed else ""))
        cls = "flow" + ("" if f.designed else " undesigned")
        count = escape(format_number(f.customers, view.lang))
        if k not in levels:
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
            continue
        level = levels[k]
        nudge = (level % 3 - 1) * 3.0  # legs of arcs at one node sit side by side, not on top of each other
        xs_, xt = nx[s] + node_w / 2 + nudge, nx[tgt] + node_w / 2 + nudge
        ys_, yt = pad_top + through[s] * scale + 3, pad_top + through[tgt] * scale + 3
        depth = arcs_top + level * ARC_LEVEL
        r = min(8.0, max((xs_ - xt) / 2, 1.0))
        sw = max(min(w, 7.0), 1.5)
        out.append(f'<path class="{cls} backward" data-source="{escape(s)}" data-target="{escape(tgt)}" '
                   f'd="M{_num(xs_)},{_num(ys_)} V{_num(depth - r)} Q{_num(xs_)},{_num(depth)} {_num(xs_ - r)},'
                   f'{_num(depth)} H{_num(xt + r)} Q{_num(xt)},{_num(depth)} {_num(xt)},{_num(depth - r)} '
                   f'V{_num(yt + 6)}" fill="none" stroke="{colour}" stroke-opacity="0.55" stroke-width="{_num(sw)}" '
                   f'stroke-linejoin="round"><title>{label} ({escape(view.t("flow.backward"))})</title></path>'
                   f'<path d="M{_num(xt - 4)},{_num(yt + 8)} L{_num(xt)},{_num(yt + 1)} L{_num(xt + 4)},{_num(yt + 8)}" '
                   f'fill="none" stroke="{colour}" stroke-width="1.8"/>')
        # the label goes in the gap between two nodes nearest the arc's middle: no leg comes down there
        gaps = [nx[order[i]] + node_w + (gap - node_w) / 2 for i in range(index[tgt], index[s])]
        lx = min(gaps, key=lambda g: abs(g - (xs_ + xt) / 2)) if gaps else (xs_ + xt) / 2
        text = f"↶ {count}"
        tw = text_width(text, 10, bold=True) + 8
        arc_labels.append(f'<g class="arc-label"><rect x="{_num(lx - tw / 2)}" y="{_num(depth - 7)}" width="{_num(tw)}" '
                          f'height="14" rx="7" fill="#ffffff" stroke="{colour}" stroke-width="1"/>'
                          f'<text x="{_num(lx)}" y="{_num(depth + 3.5)}" text-anchor="middle" font-size="10" '
                          f'font-weight="700" fill="{colour}">{text}</text></g>')
    out += arc_labels
    for n in order:
        i = index[n]
        h = through[n] * scale
        ink = STAGE_INKS[i % len(STAGE_INKS)]
        out.append(f'<rect class="node" data-node="{escape(n)}" x="{_num(nx[n])}" y="{_num(pad_top)}" '
                   f'width="{_num(node_w)}" height="{_num(h)}" rx="3" fill="{ink}"/>')
        anchor = "start" if i < len(order) - 1 else "end"
        tx = nx[n] if anchor == "start" else nx[n] + node_w
        name = shorten(view.name_of(n), 11, gap - 8, bold=True) if len(order) > 1 else view.name_of(n)
        out.append(f'<text x="{_num(tx)}" y="14" font-size="11" font-weight="700" fill="#0f172a" '
                   f'text-anchor="{anchor}"><title>{escape(view.name_of(n))}</title>{escape(name)}</text>')
        out.append(f'<text x="{_num(tx)}" y="27" font-size="10" fill="#475569" text-anchor="{anchor}">'
                   f'{escape(format_number(through[n], view.lang))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def funnel(view: MapView, steps: list[FunnelStep], width: float = 980) -> Markup:
    """Horizontal bars, longest first, with the share from the start and from the previous step.

    The name column is as wide as the longest name needs (at most a third of the chart), and a
    name that does not fit is shortened with an ellipsis, never cut at its first letter.
    """
    if not steps:
        return Markup("")
    lang = view.lang
    size, row = 11.0, 30.0

    def figures(s: FunnelStep) -> str:
        return (f"{format_number(s.customers, lang)} · {format_percent(s.conversion_from_start, lang)} "
                f"{view.t('funnel.from_start')} · {format_percent(s.conversion_from_previous, lang)} "
                f"{view.t('funnel.from_previous')}")

    names = [view.name_of(s.step) for s in steps]
    label_w = min(max(text_width(n, size) for n in names) + 16, width / 3)
    right_w = max(text_width(figures(s), size) for s in steps) + 12
    bar_w = max(width - label_w - right_w, 80.0)
    height = row * len(steps) + 8
    top = max(s.customers for s in steps) or 1
    out = [f'<svg class="funnel" xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
           f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(view.t("funnel.title"))}" '
           'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">']
    for i, (s, name) in enumerate(zip(steps, names, strict=True)):
        y0 = 4 + i * row
        w = max(s.customers / top * bar_w, 2.0)
        short = shorten(name, size, label_w - 12)
        out.append(f'<g class="funnel-step" data-step="{escape(s.step)}"><title>{escape(name)}</title>'
                   f'<text x="{_num(label_w - 8)}" y="{_num(y0 + row / 2 + 1)}" text-anchor="end" font-size="{_num(size)}" '
                   f'fill="#0f172a">{escape(short)}</text>'
                   f'<rect x="{_num(label_w)}" y="{_num(y0 + 3)}" width="{_num(w)}" height="{_num(row - 8)}" rx="3" '
                   f'fill="#0ea5e9" fill-opacity="{_num(0.45 + 0.55 * s.customers / top)}"/>'
                   f'<text x="{_num(label_w + w + 6)}" y="{_num(y0 + row / 2 + 1)}" font-size="{_num(size)}" '
                   f'fill="#0f172a">{escape(figures(s))}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))
