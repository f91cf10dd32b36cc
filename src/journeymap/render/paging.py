"""Paper and pages for the printed map: which columns go on which page, and how big the grid is drawn.

Phase: :class:`~journeymap.render.view.MapView` → *a print layout* → print HTML → WeasyPrint.

Two kinds of print:

- **pages** (the default, A3 landscape): every grid page shows whole step columns with *all* lanes,
  so each page reads as a map on its own. The columns are cut into balanced runs (11 steps at six a
  page: 6 + 5, never 10 + 1; never a lone step), preferring cuts between stages. When a run's lanes
  are taller than the page, the whole grid is drawn smaller, by one factor for every page, found by
  laying the grid out and measuring it.
- **poster**: the whole map (header, personas, the grid with every step, pain points, opportunities,
  measured panels, legend) on one sheet of a chosen size. The column width is chosen so the map's
  shape matches the sheet's, then everything is scaled to fill it.

Measuring uses WeasyPrint's laid-out boxes, the same engine that writes the PDF, so what fits when
measured fits when printed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from journeymap.errors import JourneymapError
from journeymap.render.view import Column

MM_PX = 96 / 25.4  # CSS px per millimetre
PAPER_MM: dict[str, tuple[float, float]] = {
    "A0": (1189, 841), "A1": (841, 594), "A2": (594, 420), "A3": (420, 297), "A4": (297, 210),
}
PAGE_MARGIN_MM, POSTER_MARGIN_MM = 10.0, 12.0
LANE_W = 131.0          # px, the lane header column in print
MIN_COL_W = 215.0       # px: narrower than this and a lane's text wraps into towers
MAX_COL_W = 420.0       # px: wider than this and a short map's lines get too long to read
MIN_PER_PAGE = 3        # a page holds at least this many columns (when there are that many)
STAGE_CUT_PENALTY = 3.0  # cost of cutting inside a stage, against (run size − mean)² of unbalanced runs
MIN_GRID_SCALE = 0.5    # below half size the grid's text is no longer readable on paper
PRINT_FONT_PX = 8.5 * 96 / 72  # the grid's text in print at scale 1: 8.5 pt
POSTER_FONT_PX = 13.0
MAX_SIDE_MM = 5000.0    # PDF pages can be 200 inches at most


@dataclass(frozen=True)
class Paper:
    """A sheet: named ISO sizes are landscape, a custom ``WxH`` size is taken as written."""

    name: str
    width_mm: float
    height_mm: float

    @property
    def label(self) -> str:
        return self.name or f"{self.width_mm:g} × {self.height_mm:g} mm"


def parse_paper(text: str | None, default: str = "A3") -> Paper:
    """``A3`` (any of A0–A4, landscape) or ``WIDTHxHEIGHT`` in millimetres (``1000x700``, ``594x841mm``)."""
    raw = (text or default).strip()
    key = raw.upper()
    if key in PAPER_MM:
        w, h = PAPER_MM[key]
        return Paper(key, w, h)
    m = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*[x×]\s*(\d+(?:[.,]\d+)?)\s*(?:mm)?", raw, re.I)
    if m is None:
        raise JourneymapError(f"unknown paper size {raw!r}; expected one of: {', '.join(PAPER_MM)} (landscape) "
                              "or WIDTHxHEIGHT in mm, e.g. 1000x700")
    w, h = (float(g.replace(",", ".")) for g in m.groups())
    if not (90 <= w <= MAX_SIDE_MM and 90 <= h <= MAX_SIDE_MM):
        raise JourneymapError(f"paper size {raw!r} is out of range: each side must be 90 to {MAX_SIDE_MM:g} mm")
    return Paper("", w, h)


@dataclass
class PrintLayout:
    """Where the grid goes on paper; :func:`~journeymap.render.html.html_from_view` draws it."""

    mode: Literal["pages", "poster"]
    paper: Paper
    runs: list[tuple[int, int]]          # [start, end) column positions, one run per grid page
    colw: float                          # px per step column (CSS px of the laid-out page)
    lane_w: float = LANE_W
    grid_scale: float = 1.0              # the grid's text and curve, relative to their print size
    zoom: float = 1.0                    # poster: PDF units per CSS unit (WeasyPrint's zoom)
    measure: bool = False                # lay out on an endless page to measure heights
    sheet_w: float = 0.0                 # poster: the width of the content in CSS px
    notes: list[str] = field(default_factory=list)

    @property
    def margin_mm(self) -> float:
        """The margin on paper."""
        return POSTER_MARGIN_MM if self.mode == "poster" else PAGE_MARGIN_MM

    @property
    def css_margin_mm(self) -> float:
        """The margin WeasyPrint lays out (it multiplies by the zoom)."""
        return self.margin_mm / self.zoom

    @property
    def page_css_mm(self) -> tuple[float, float]:
        """The @page size WeasyPrint lays out: the paper divided by the zoom (it multiplies back).
        To measure, the page is endless, and a poster's is as wide as its content."""
        if self.measure:
            width = (self.sheet_w / MM_PX + 2 * self.margin_mm if self.mode == "poster"
                     else self.paper.width_mm / self.zoom)
            return width, MAX_SIDE_MM
        return self.paper.width_mm / self.zoom, self.paper.height_mm / self.zoom

    @property
    def content_height_px(self) -> float:
        return (self.paper.height_mm / self.zoom - 2 * self.css_margin_mm) * MM_PX

    @property
    def content_width_px(self) -> float:
        return (self.paper.width_mm / self.zoom - 2 * self.css_margin_mm) * MM_PX

    def colw_for(self, columns: int) -> float:
        """The width of each column on a page of ``columns`` columns: pages fill their width (up to
        :data:`MAX_COL_W`), a poster keeps one width."""
        if self.mode == "poster":
            return self.colw
        usable = self.content_width_px - self.lane_w - 2
        return min(usable / max(columns, 1), MAX_COL_W)

    @property
    def grid_font_px(self) -> float:
        return (POSTER_FONT_PX if self.mode == "poster" else PRINT_FONT_PX) * self.grid_scale


def per_page(paper: Paper) -> int:
    """How many step columns fit across a page of ``paper`` at a readable width (A3: 6, A4: 4)."""
    usable = (paper.width_mm - 2 * PAGE_MARGIN_MM) * MM_PX - LANE_W
    return max(int(usable // MIN_COL_W), MIN_PER_PAGE)


def split_runs(columns: list[Column], most: int) -> list[tuple[int, int]]:
    """Cut ``columns`` into as few runs of at most ``most`` as needed, as equal as possible, never a run of
    one (when there are two or more columns), preferring cuts between stages.

    Cost of a cut: Σ (run length − mean)² plus :data:`STAGE_CUT_PENALTY` for every cut inside a stage;
    the cheapest wins (dynamic programming over cut positions).
    """
    n = len(columns)
    if n <= most:
        return [(0, max(n, 1))] if n else [(0, 0)]
    pages = math.ceil(n / most)
    least = 2 if n >= 2 * pages else 1
    mean = n / pages
    inside = [k > 0 and columns[k - 1].stage_index == columns[k].stage_index for k in range(n)]
    # best[p][k]: the cheapest way to put the first k columns on p pages, and where its last run starts
    inf = math.inf
    best = [[(inf, -1)] * (n + 1) for _ in range(pages + 1)]
    best[0][0] = (0.0, -1)
    for p in range(1, pages + 1):
        for k in range(1, n + 1):
            for j in range(max(k - most, 0), k - least + 1):
                prev = best[p - 1][j][0]
                if prev == inf:
                    continue
                cost = prev + (k - j - mean) ** 2 + (STAGE_CUT_PENALTY if j > 0 and inside[j] else 0.0)
                if cost < best[p][k][0] - 1e-9:
                    best[p][k] = (cost, j)
    runs: list[tuple[int, int]] = []
    k = n
    for p in range(pages, 0, -1):
        j = best[p][k][1]
        runs.append((j, k))
        k = j
    return runs[::-1]


def paged_layout(columns: list[Column], paper: Paper) -> PrintLayout:
    """Runs of columns for ``paper``; each page fills its width (:meth:`PrintLayout.colw_for`)."""
    runs = split_runs(columns, per_page(paper))
    layout = PrintLayout("pages", paper, runs, colw=0.0)
    widest = max((end - start for start, end in runs), default=1) or 1
    return replace(layout, colw=layout.colw_for(widest))


def poster_layout(columns: list[Column], paper: Paper, colw: float = 210.0) -> PrintLayout:
    """One run of every column; ``colw`` and the zoom are tuned by :func:`journeymap.render.pdf.poster_pdf`."""
    n = max(len(columns), 1)
    return PrintLayout("poster", paper, [(0, len(columns))], colw=colw, lane_w=150.0,
                       sheet_w=150.0 + n * colw + 2)


def fit_scale(layout: PrintLayout, tallest: Callable[[PrintLayout], float], attempts: int = 5) -> PrintLayout:
    """The largest grid scale (at most 1) at which the tallest run, as ``tallest`` measures it, fits a page.

    Text shrinks less than linearly with the scale (lines rewrap, borders stay), so the search measures:
    first a step in proportion to the overflow, then interpolation between the best scale that fits and
    the smallest that does not. It stops at :data:`MIN_GRID_SCALE`, beyond which the run continues on the
    next page rather than becoming unreadable.
    """
    room = layout.content_height_px - 4
    fits: tuple[float, float] | None = None
    fails: tuple[float, float] | None = None
    scale = 1.0
    for _ in range(attempts):
        height = tallest(replace(layout, grid_scale=scale))
        if height <= room:
            if fits is None or scale > fits[0]:
                fits = (scale, height)
        elif fails is None or scale < fails[0]:
            fails = (scale, height)
        if fits is not None and (fits[0] >= 1.0 or room - fits[1] < 0.05 * room
                                 or (fails is not None and fails[0] - fits[0] < 0.015)):
            break
        if fails is not None and fits is not None:  # interpolate to just under the room
            (s0, h0), (s1, h1) = fits, fails
            scale = s0 + (s1 - s0) * (room * 0.99 - h0) / max(h1 - h0, 1e-6)
            scale = min(max(scale, s0 + 0.005), s1 - 0.005)
        elif fails is not None:
            if fails[0] <= MIN_GRID_SCALE:
                break
            scale = max(fails[0] * room / fails[1] * 0.97, MIN_GRID_SCALE)
    return replace(layout, grid_scale=fits[0] if fits is not None else MIN_GRID_SCALE)
