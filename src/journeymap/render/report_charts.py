"""Inline SVG charts of the report: a line over time (with its interval band), a retention heatmap and
lifecycle bars. The funnel and the stage Sankey are the map's own (:mod:`.charts`).

Drawn in Python like the map's charts (geometry, not layout), in the map's palette and font; every user text
goes through :func:`markupsafe.escape`. Lines are straight between points: a curve would invent values between
periods. Each chart carries its numbers in ``data-*`` attributes and ``<title>`` tooltips, so tests (and
screen readers) read what is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from journeymap.i18n import format_number, format_percent, t
from journeymap.render.svgkit import num

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK, MUTED, GRID, BLUE, BAND = "#0f172a", "#64748b", "#e2e8f0", "#0369a1", "#bae6fd"
LIFECYCLE = (("new", "#0ea5e9"), ("returning", "#16a34a"), ("resurrecting", "#a855f7"))
DORMANT = "#f87171"


@dataclass(frozen=True)
class LinePoint:
    """One period of a line chart; ``hollow`` marks a point to read with care (incomplete period, small sample)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    hollow: bool = False
    note: str = ""


def period_label(iso: str, unit: str, lang: str) -> str:
    """``2025-01-06`` as ``6 jan`` (week) or ``jan 2025`` (month) in the language's short month names."""
    months = t("date.months_short", lang).split("|")
    year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return f"{day} {months[month - 1]}" if unit == "week" else f"{months[month - 1]} {year}"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high`` (steps of 1, 2 or 5 times a power of ten)."""
    span = max(high - low, 1e-9)
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    out, v = [], first
    while v <= high + step * 1e-6:
        out.append(round(v, 10))
        v += step
    return out


def line_chart(points: Sequence[LinePoint], fmt: Callable[[float], str], *, label: str, width: float = 920,
               height: float = 250, y_range: tuple[float, float] | None = None, css: str = "line-chart") -> Markup:
    """A line over periods with an optional interval band (``low``/``high``), gridlines and tick labels."""
    if not points:
        return Markup("")
    values = [v for p in points for v in (p.value, p.low, p.high) if v is not None]
    lo, hi = y_range if y_range is not None else (min(values, default=0.0), max(values, default=1.0))
    ticks = _ticks(lo, hi)
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    left, right, top, bottom = 58.0, width - 14, 12.0, height - 30

    def x(i: int) -> float:
        return left + (right - left) * (i + 0.5) / len(points)

    def y(v: float) -> float:
        return bottom - (v - lo) / (hi - lo or 1) * (bottom - top)

    out = [f'<svg class="chart {css}" xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{num(height)}" '
           f'viewBox="0 0 {num(width)} {num(height)}" role="img" aria-label="{escape(label)}" font-family="{FONT}">']
    for v in ticks:
        out.append(f'<line x1="{num(left)}" x2="{num(right)}" y1="{num(y(v))}" y2="{num(y(v))}" stroke="{GRID}"/>'
                   f'<text x="{num(left - 8)}" y="{num(y(v) + 3.5)}" text-anchor="end" font-size="10" '
                   f'fill="{MUTED}">{escape(fmt(v))}</text>')
    if lo < 0 < hi:
        out.append(f'<line class="zero" x1="{num(left)}" x2="{num(right)}" y1="{num(y(0))}" y2="{num(y(0))}" '
                   f'stroke="{MUTED}" stroke-dasharray="3 3"/>')
    # the band, in runs of points that have both bounds
    run: list[int] = []
    for i in [*range(len(points)), -1]:
        if i >= 0 and points[i].low is not None and points[i].high is not None:
            run.append(i)
            continue
        if run:
            upper = " ".join(f"{num(x(k))},{num(y(points[k].high))}" for k in run)  # type: ignore[arg-type]
            lower = " ".join(f"{num(x(k))},{num(y(points[k].low))}" for k in reversed(run))  # type: ignore[arg-type]
            out.append(f'<polygon class="band" points="{upper} {lower}" fill="{BAND}" fill-opacity="0.55"/>')
            run = []
    drawn = [(i, p) for i, p in enumerate(points) if p.value is not None]
    if len(drawn) >= 2:
        line = " ".join(f"{num(x(i))},{num(y(p.value))}" for i, p in drawn)  # type: ignore[arg-type]
        out.append(f'<polyline class="line" points="{line}" fill="none" stroke="{BLUE}" stroke-width="2.2" '
                   'stroke-linejoin="round"/>')
    for i, p in drawn:
        assert p.value is not None
        tip = f"{p.label}: {fmt(p.value)}" + (f" ({fmt(p.low)} … {fmt(p.high)})" if p.low is not None
                                                and p.high is not None else "") + (f" — {p.note}" if p.note else "")
        fill = "#ffffff" if p.hollow else BLUE
        out.append(f'<circle class="point{" hollow" if p.hollow else ""}" data-label="{escape(p.label)}" '
                   f'data-value="{p.value:.6g}" cx="{num(x(i))}" cy="{num(y(p.value))}" r="3.6" fill="{fill}" '
                   f'stroke="{BLUE}" stroke-width="1.6"><title>{escape(tip)}</title></circle>')
    every = max(1, math.ceil(len(points) / 12))
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1 and len(points) <= 12:
            out.append(f'<text x="{num(x(i))}" y="{num(bottom + 16)}" text-anchor="middle" font-size="10" '
                       f'fill="{MUTED}">{escape(p.label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def share_axis(lang: str) -> Callable[[float], str]:
    return lambda v: format_percent(v, lang)


def signed_axis(lang: str) -> Callable[[float], str]:
    return lambda v: ("+" if v > 0 else "") + format_number(v, lang)


def _blue(share: float) -> str:
    """White (0 %) to deep blue (100 %): the heatmap's scale."""
    share = min(max(share, 0.0), 1.0) ** 0.6  # spread the low shares, where retention lives
    a, b = (240, 249, 255), (3, 105, 161)
    return "#" + "".join(f"{round(a[i] + (b[i] - a[i]) * share):02x}" for i in range(3))


def heatmap(cohorts: Sequence[tuple[str, int, Sequence[float | None]]], lang: str, *, label: str,
            col_label: str, row_label: str, width: float = 920) -> Markup:
    """Retention: one row per cohort (label, size, share active k periods later for k = 0, 1, …)."""
    if not cohorts:
        return Markup("")
    cols = max(len(c[2]) for c in cohorts)
    left, top = 118.0, 34.0
    cell_w = min(56.0, (width - left - 10) / max(cols, 1))
    cell_h = 15.0 if len(cohorts) > 30 else 20.0
    height = top + cell_h * len(cohorts) + 8
    out = [f'<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" width="{num(left + cell_w * cols + 10)}" '
           f'height="{num(height)}" viewBox="0 0 {num(left + cell_w * cols + 10)} {num(height)}" role="img" '
           f'aria-label="{escape(label)}" font-family="{FONT}">',
           f'<text x="{num(left)}" y="11" font-size="10" fill="{MUTED}">{escape(col_label)} →</text>',
           f'<text x="4" y="{num(top - 6)}" font-size="10" fill="{MUTED}">{escape(row_label)}</text>']
    for k in range(cols):
        out.append(f'<text x="{num(left + cell_w * (k + 0.5))}" y="{num(top - 6)}" text-anchor="middle" '
                   f'font-size="10" fill="{MUTED}">{k}</text>')
    for r, (name, size, shares) in enumerate(cohorts):
        y0 = top + r * cell_h
        out.append(f'<text x="4" y="{num(y0 + cell_h / 2 + 3.5)}" font-size="10" fill="{INK}">{escape(name)}'
                   f'<tspan fill="{MUTED}"> ({escape(format_number(size, lang))})</tspan></text>')
        for k, share in enumerate(shares):
            if share is None:
                continue
            x0 = left + k * cell_w
            text = format_percent(share, lang)
            out.append(f'<g class="cell" data-cohort="{escape(name)}" data-k="{k}" data-share="{share:.4f}">'
                       f'<title>{escape(name)} +{k}: {escape(text)}</title>'
                       f'<rect x="{num(x0)}" y="{num(y0)}" width="{num(cell_w - 1)}" height="{num(cell_h - 1)}" '
                       f'fill="{_blue(share)}"/>')
            if cell_w >= 34:
                ink = "#ffffff" if share > 0.35 else INK
                out.append(f'<text x="{num(x0 + cell_w / 2)}" y="{num(y0 + cell_h / 2 + 3.5)}" text-anchor="middle" '
                           f'font-size="9" fill="{ink}">{escape(text)}</text>')
            out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def lifecycle_bars(periods: Sequence[str], series: Mapping[str, Sequence[int]], dormant: Sequence[int], lang: str, *,
                   label: str, names: dict[str, str], width: float = 920, height: float = 250) -> Markup:
    """Per period: new, returning and resurrecting customers stacked up, dormant ones down from the line."""
    if not periods:
        return Markup("")
    ups = [sum(series[k][i] for k, _ in LIFECYCLE) for i in range(len(periods))]
    top_v, low_v = max(ups, default=1) or 1, max(dormant, default=0)
    left, right, top, bottom = 58.0, width - 14, 26.0, height - 30
    zero = top + (bottom - top) * top_v / (top_v + low_v)
    scale = (bottom - top) / (top_v + low_v)
    bar = (right - left) / len(periods)
    out = [f'<svg class="chart lifecycle" xmlns="http://www.w3.org/2000/svg" width="{num(width)}" '
           f'height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}" role="img" aria-label="{escape(label)}" '
           f'font-family="{FONT}">']
    lx = left
    for key, colour in [*LIFECYCLE, ("dormant", DORMANT)]:
        out.append(f'<rect x="{num(lx)}" y="6" width="10" height="10" rx="2" fill="{colour}"/>'
                   f'<text x="{num(lx + 14)}" y="15" font-size="10" fill="{INK}">{escape(names[key])}</text>')
        lx += 28 + 6.2 * len(names[key])
    for v in _ticks(0, top_v, 4):
        if v <= top_v:
            out.append(f'<line x1="{num(left)}" x2="{num(right)}" y1="{num(zero - v * scale)}" '
                       f'y2="{num(zero - v * scale)}" stroke="{GRID}"/><text x="{num(left - 8)}" '
                       f'y="{num(zero - v * scale + 3.5)}" text-anchor="end" font-size="10" fill="{MUTED}">'
                       f'{escape(format_number(v, lang))}</text>')
    for i, period in enumerate(periods):
        x0, y = left + i * bar + bar * 0.12, zero
        for key, colour in LIFECYCLE:
            h = series[key][i] * scale
            if h > 0:
                out.append(f'<rect class="{key}" x="{num(x0)}" y="{num(y - h)}" width="{num(bar * 0.76)}" '
                           f'height="{num(h)}" fill="{colour}"><title>{escape(period)}: {escape(names[key])} '
                           f'{escape(format_number(series[key][i], lang))}</title></rect>')
                y -= h
        if dormant[i]:
            out.append(f'<rect class="dormant" x="{num(x0)}" y="{num(zero)}" width="{num(bar * 0.76)}" '
                       f'height="{num(dormant[i] * scale)}" fill="{DORMANT}" fill-opacity="0.8"><title>'
                       f'{escape(period)}: {escape(names["dormant"])} {escape(format_number(dormant[i], lang))}'
                       '</title></rect>')
    out.append(f'<line x1="{num(left)}" x2="{num(right)}" y1="{num(zero)}" y2="{num(zero)}" stroke="{INK}"/>')
    every = max(1, math.ceil(len(periods) / 12))
    for i, period in enumerate(periods):
        if i % every == 0:
            out.append(f'<text x="{num(left + (i + 0.5) * bar)}" y="{num(bottom + 16)}" text-anchor="middle" '
                       f'font-size="10" fill="{MUTED}">{escape(period)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
