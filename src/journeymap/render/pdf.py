"""PDF (WeasyPrint, from the print HTML) and PNG (the PDF's pages rasterised by pypdfium2).

WeasyPrint writes PDF only, so PNG goes through the PDF: one layout engine, one look.
No resource is ever fetched: the HTML is self-contained and the URL fetcher refuses
everything, so rendering works offline and cannot leak requests.

Two products (:mod:`journeymap.render.paging` says how each is laid out):

- :func:`paged_pdf`: A3 landscape (or another paper), grid pages of whole columns with every lane;
- :func:`poster_pdf`: the whole map on one sheet of a chosen size.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from journeymap.errors import JourneymapError
from journeymap.model.workspace import Workspace
from journeymap.render.html import html_from_view
from journeymap.render.paging import (
    MM_PX,
    Paper,
    PrintLayout,
    fit_scale,
    paged_layout,
    parse_paper,
    poster_layout,
)
from journeymap.render.view import MapView, build_view
from journeymap.results import MapOverlay

#: PNG of the pages: 108 dpi (1.5 × 72), small text (8 pt) stays legible; a poster: 150 dpi.
PAGES_DPI, POSTER_DPI = 108.0, 150.0
PAGE_GAP_PX = 12
MAX_PNG_PIXELS = 250_000_000  # a 250-megapixel PNG is about 750 MB in memory while it is made


@dataclass(frozen=True)
class PrintOptions:
    """How a map is printed: paged (default) or one poster sheet, on which paper, and PNG resolution."""

    poster: bool = False
    paper: str | None = None             # A0–A4 (landscape) or WIDTHxHEIGHT in mm; default A3 (pages), A1 (poster)
    dpi: float | None = None             # PNG only; default 108 (pages), 150 (poster)

    def sheet(self) -> Paper:
        return parse_paper(self.paper, "A1" if self.poster else "A3")


def _no_fetch(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"journeymap maps are self-contained; refusing to fetch {url}")


def _layout_document(html: str) -> Any:
    import weasyprint

    # WeasyPrint warns about screen-only CSS (sticky headers, shadows) it ignores in print: expected, not news.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).render()


def pdf_from_html(html: str, zoom: float = 1.0) -> bytes:
    """Lay out print HTML with WeasyPrint."""
    data = _layout_document(html).write_pdf(zoom=zoom)
    if not data:
        raise JourneymapError("WeasyPrint produced an empty PDF")
    return bytes(data)


def _boxes(document: Any, css_class: str) -> list[tuple[int, Any]]:
    """(page number, box) of every laid-out box whose element has ``css_class``, in document order."""
    found: list[tuple[int, Any]] = []

    def walk(page: int, box: Any) -> None:
        element = getattr(box, "element", None)
        if element is not None and css_class in (element.get("class") or "").split() and \
                (not found or found[-1][1].element is not element or found[-1][0] != page):
            found.append((page, box))
        for child in getattr(box, "children", ()):
            walk(page, child)

    for number, page in enumerate(document.pages):
        walk(number, page._page_box)  # WeasyPrint's laid-out box tree (what its own tests inspect)
    return found


def chunk_heights(document: Any) -> list[float]:
    """The height in CSS px of each grid chunk (summed over pages if one runs over)."""
    heights: dict[int, float] = {}
    seen: dict[int, int] = {}
    for _, box in _boxes(document, "chunk"):
        key = id(box.element)
        seen.setdefault(key, len(seen))
        heights[seen[key]] = heights.get(seen[key], 0.0) + box.margin_height()
    return [heights[k] for k in sorted(heights)]


def chunk_pages(document: Any) -> list[list[int]]:
    """The pages (0-based) each grid chunk is printed on: one page each when the layout fits."""
    pages: dict[int, list[int]] = {}
    order: dict[int, int] = {}
    for number, box in _boxes(document, "chunk"):
        key = id(box.element)
        order.setdefault(key, len(order))
        if number not in pages.setdefault(order[key], []):
            pages[order[key]].append(number)
    return [pages[k] for k in sorted(pages)]


def tallest_run(view: MapView, layout: PrintLayout) -> float:
    """Lay the grid out on an endless page and return the height in CSS px of its tallest run."""
    return max(chunk_heights(_layout_document(html_from_view(view, "print", replace(layout, measure=True)))),
               default=0.0)


def paged_pdf(view: MapView, paper: Paper) -> bytes:
    """The map on pages of ``paper``: a front page, grid pages of whole columns with every lane, then the
    pain points, opportunities and measured panels."""
    layout = fit_scale(paged_layout(view.columns, paper), lambda trial: tallest_run(view, trial))
    document = _layout_document(html_from_view(view, "print", layout))
    return bytes(document.write_pdf())


def poster_pdf(view: MapView, paper: Paper, attempts: int = 5) -> bytes:
    """The whole map on one sheet of ``paper``.

    The content is laid out at a trial column width and measured; the column width is then moved
    so that the content's shape approaches the sheet's (wider columns: a wider, shorter map), and the
    best try is scaled to fill the sheet (WeasyPrint's zoom). Every try is a real layout, measured.
    """
    page_w = paper.width_mm * MM_PX
    page_h = paper.height_mm * MM_PX
    best: tuple[float, PrintLayout] | None = None
    colw = 210.0
    low, high = 120.0, 900.0
    for _ in range(attempts):
        layout = poster_layout(view.columns, paper, colw)
        document = _layout_document(html_from_view(view, "print", replace(layout, measure=True)))
        body = _boxes(document, "sheet")
        height = sum(box.margin_height() for _, box in body) or 1.0
        margin = 2 * layout.margin_mm * MM_PX  # the margins stay as wide on paper whatever the zoom
        zoom = min((page_w - margin) / layout.sheet_w, (page_h - margin) / height) * 0.995  # rounding room
        if best is None or zoom > best[0]:
            best = (zoom, replace(layout, zoom=zoom))
        shape, sheet = layout.sheet_w / height, (page_w - margin) / (page_h - margin)
        if abs(shape / sheet - 1) < 0.04:
            break
        if shape < sheet:    # too tall for the sheet: wider columns
            low = colw
            colw = min(colw * (sheet / shape) ** 0.8, (colw + high) / 2)
        else:                # too wide: narrower columns
            high = colw
            colw = max(colw * (sheet / shape) ** 0.8, (colw + low) / 2)
    assert best is not None
    zoom, layout = best
    document = _layout_document(html_from_view(view, "print", layout))
    for _ in range(4):  # the measured layout fits; should rounding push a line over, shrink a little
        if len(document.pages) == 1:
            break
        layout = replace(layout, zoom=layout.zoom * 0.97)
        document = _layout_document(html_from_view(view, "print", layout))
    return bytes(document.write_pdf(zoom=layout.zoom))


def pdf_from_view(view: MapView, options: PrintOptions | None = None) -> bytes:
    options = options or PrintOptions()
    return poster_pdf(view, options.sheet()) if options.poster else paged_pdf(view, options.sheet())


def render_pdf(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None,
               options: PrintOptions | None = None) -> bytes:
    """The journey map as a PDF: A3 landscape pages (whole columns, every lane), or one poster sheet."""
    return pdf_from_view(build_view(ws, journey_id, overlay), options)


def png_from_pdf(pdf: bytes, dpi: float = PAGES_DPI) -> bytes:
    """All pages of ``pdf`` stacked top to bottom in one PNG at ``dpi``, a thin grey gap between pages."""
    import pypdfium2 as pdfium
    from PIL import Image

    scale = dpi / 72
    doc = pdfium.PdfDocument(pdf)
    try:
        sizes = [doc[i].get_size() for i in range(len(doc))]
        pixels = sum(round(w * scale) * round(h * scale) for w, h in sizes)
        if pixels > MAX_PNG_PIXELS:
            raise JourneymapError(f"a PNG at {dpi:g} dpi would have {pixels / 1e6:,.0f} million pixels; "
                                  f"choose a lower --dpi (at most about {dpi * (MAX_PNG_PIXELS / pixels) ** 0.5:.0f})")
        pages = [doc[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()
    width = max(p.width for p in pages)
    height = sum(p.height for p in pages) + PAGE_GAP_PX * (len(pages) - 1)
    sheet = Image.new("RGB", (width, height), (203, 213, 225))
    y = 0
    for page in pages:
        sheet.paste(page, (0, y))
        y += page.height + PAGE_GAP_PX
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", optimize=False, dpi=(dpi, dpi))
    return buf.getvalue()


def render_png(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None,
               options: PrintOptions | None = None) -> bytes:
    """The journey map as one PNG: the PDF's pages stacked (108 dpi), or the poster sheet (150 dpi)."""
    options = options or PrintOptions()
    dpi = options.dpi or (POSTER_DPI if options.poster else PAGES_DPI)
    if not 20 <= dpi <= 1200:
        raise JourneymapError(f"--dpi {dpi:g} is out of range; use 20 to 1200 (screens: 96–150, print: 300)")
    return png_from_pdf(render_pdf(ws, journey_id, overlay, options), dpi)
