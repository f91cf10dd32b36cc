"""Writing a rendered map to a file: the format from the suffix, written atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journeymap.errors import JourneymapError, suggest
from journeymap.model.workspace import Workspace, display_path
from journeymap.outfile import check_writable, write_output
from journeymap.render.html import render_html
from journeymap.render.markdown import render_markdown
from journeymap.render.pdf import PrintOptions, render_pdf, render_png
from journeymap.render.svg import render_svg
from journeymap.results import MapOverlay

#: ``(workspace, journey id, overlay, print options) -> bytes``; the text formats ignore the print options.
Renderer = Callable[[Workspace, str, MapOverlay | None, PrintOptions | None], bytes]

FORMATS: dict[str, Renderer] = {
    "html": lambda ws, j, o, _: render_html(ws, j, o).encode("utf-8"),
    "svg": lambda ws, j, o, _: render_svg(ws, j, o).encode("utf-8"),
    "md": lambda ws, j, o, _: render_markdown(ws, j, o).encode("utf-8"),
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


def check_options(name: str, out: Path, options: PrintOptions | None) -> None:
    """Print options fit PDF and PNG only; anywhere else they would be silently ignored, so they are an error."""
    if options is None:
        return
    given = [flag for flag, on in (("--poster", options.poster), ("--size", options.paper is not None),
                                   ("--dpi", options.dpi is not None)) if on]
    if name not in ("pdf", "png") and given:
        raise JourneymapError(f"{' and '.join(given)} {'apply' if len(given) > 1 else 'applies'} to .pdf and .png "
                              f"output; {display_path(out)} is {name.upper()}: drop {'them' if len(given) > 1 else 'it'} "
                              "or write a .pdf or .png")
    if name == "pdf" and options.dpi is not None:
        raise JourneymapError(f"--dpi sets the resolution of a PNG; {display_path(out)} is a PDF (vector, any "
                              "resolution): drop --dpi or write a .png")
    options.sheet()  # an unknown --size is an error before anything is rendered


def render_bytes(ws: Workspace, journey_id: str, name: str, overlay: MapOverlay | None = None,
                 options: PrintOptions | None = None) -> bytes:
    """The map of ``journey_id`` in format ``name`` (a key of :data:`FORMATS`)."""
    return FORMATS[name](ws, journey_id, overlay, options)


def render_to_file(
    ws: Workspace, journey_id: str, out: Path, *, overlay: MapOverlay | None = None, fmt: str | None = None,
    options: PrintOptions | None = None,
) -> Path:
    """Render journey ``journey_id`` to ``out`` (format from the suffix unless ``fmt``) and return the path.

    ``options`` (PDF and PNG only) make a poster, choose the paper and the PNG's resolution.
    The whole output is rendered in memory first and then written through a temporary file
    and a rename, so a failure at any point leaves no partial file behind.
    """
    out = Path(out)
    name = resolve_format(out, fmt)
    check_options(name, out, options)
    check_writable(out, "map")
    data = render_bytes(ws, journey_id, name, overlay, options)
    write_output(out, data, "map")
    return out
