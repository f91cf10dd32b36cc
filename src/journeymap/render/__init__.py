"""Rendering journey maps: HTML, SVG, PDF, PNG and Markdown, in Dutch and English.

Phases: resolved workspace → :mod:`~journeymap.render.view` (what goes where) → one of
the writers. An optional :class:`~journeymap.results.MapOverlay` adds measured
figures; without it no data sections appear.
"""

from journeymap.render.html import render_html
from journeymap.render.markdown import render_markdown
from journeymap.render.output import FORMATS, render_to_file
from journeymap.render.pdf import PrintOptions, render_pdf, render_png
from journeymap.render.svg import render_svg
from journeymap.results import MapOverlay

__all__ = [
    "FORMATS", "MapOverlay", "PrintOptions", "render_html", "render_markdown", "render_pdf", "render_png", "render_svg",
    "render_to_file",
]
