"""Writing a rendered map to a file: the format from the suffix, written atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journeymap.errors import JourneymapError, suggest
from journeymap.model.workspace import Workspace, display_path
from journeymap.outfile import check_writable, write_output
from journeymap.render.html import render_html
from journeymap.render.markdown import render_markdown
from journeymap.render.pdf import render_pdf, render_png
from journeymap.render.svg import render_svg
from journeymap.results import MapOverlay

Renderer = Callable[[Workspace, str, MapOverlay | None], bytes]

FORMATS: dict[str, Renderer] = {
    "html": lambda ws, j, o: render_html(ws, j, o).encode("utf-8"),
    "svg": lambda ws, j, o: render_svg(ws, j, o).encode("utf-8"),
    "md": lambda ws, j, o: render_markdown(ws, j, o).encode("utf-8"),
    "pdf": render_pdf,
    "png": render_png,
}
ALIASES = {"htm": "html", "markdown": "md"}


def resolve_format(out: Path, fmt: str | None) -> str:
    """The output format named by ``fmt`` or else by ``out``'s suffix; a clear error for anything else."""
    raw = (fmt if fmt is not None else out.suffix).lower().lstrip(".")
    name = ALIASES.get(raw, raw)
    if name in FORMATS:
        return name
    valid = sorted(f".{f}" for f in FORMATS) if fmt is None else sorted(FORMATS)
    shown = f".{raw}" if fmt is None else raw
    if not raw:
        raise JourneymapError(f"cannot tell the format of {display_path(out)}: it has no suffix; "
                              f"use one of: {', '.join(valid)}")
    raise JourneymapError(f"unknown output format {shown!r} for {display_path(out)}; {suggest(shown, valid)}")


def render_to_file(
    ws: Workspace, journey_id: str, out: Path, *, overlay: MapOverlay | None = None, fmt: str | None = None
) -> Path:
    """Render journey ``journey_id`` to ``out`` (format from the suffix unless ``fmt``) and return the path.

    The whole output is rendered in memory first and then written through a temporary file
    and a rename, so a failure at any point leaves no partial file behind.
    """
    out = Path(out)
    name = resolve_format(out, fmt)
    check_writable(out, "map")
    data = FORMATS[name](ws, journey_id, overlay)
    write_output(out, data, "map")
    return out
