"""PDF (WeasyPrint, from the print HTML) and PNG (the PDF's pages rasterised by pypdfium2).

WeasyPrint writes PDF only, so PNG goes through the PDF: one layout engine, one look.
No resource is ever fetched: the HTML is self-contained and the URL fetcher refuses
everything, so rendering works offline and cannot leak requests.
"""

from __future__ import annotations

import io
import logging
from typing import NoReturn

from journeymap.errors import JourneymapError
from journeymap.model.workspace import Workspace
from journeymap.render.html import render_html
from journeymap.results import MapOverlay

#: PNG scale: 1.5 × 72 dpi = 108 dpi, small text (8 pt) stays legible.
PNG_SCALE = 1.5
PAGE_GAP_PX = 12


def _no_fetch(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"journeymap maps are self-contained; refusing to fetch {url}")


def pdf_from_html(html: str) -> bytes:
    """Lay out print HTML with WeasyPrint."""
    import weasyprint

    # WeasyPrint warns about screen-only CSS (sticky headers, shadows) it ignores in print: expected, not news.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    data = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    if not data:
        raise JourneymapError("WeasyPrint produced an empty PDF")
    return bytes(data)


def render_pdf(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> bytes:
    """The journey map as an A3 landscape PDF; the grid's columns are spread over several pages."""
    return pdf_from_html(render_html(ws, journey_id, overlay, media="print"))


def png_from_pdf(pdf: bytes, scale: float = PNG_SCALE) -> bytes:
    """All pages of ``pdf`` stacked top to bottom in one PNG, a thin grey gap between pages."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(pdf)
    try:
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
    sheet.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def render_png(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> bytes:
    """The journey map as one PNG: every page of the PDF, stacked vertically, at 108 dpi."""
    return png_from_pdf(render_pdf(ws, journey_id, overlay))
