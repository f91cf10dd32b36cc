"""How wide a label is, so charts can place and shorten text instead of letting it run off or collide.

The charts are drawn in Python, so they need text widths before any browser or WeasyPrint lays them out.
The map's fonts fall back to DejaVu Sans (the font Debian's browsers and WeasyPrint pick for
``system-ui``/``sans-serif``); its metrics come from Pillow when the font is installed, and otherwise
from an estimate that errs on the wide side, so a label is never placed as if it were narrower than it is.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_REF_SIZE = 100  # measure at 100 px and scale: Pillow rounds widths at small sizes


@cache
def _font(bold: bool) -> Any:
    try:
        from PIL import ImageFont

        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", _REF_SIZE)
    except (ImportError, OSError):
        return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in px of ``text`` at font size ``size`` px (DejaVu Sans, or a wide estimate without it)."""
    font = _font(bold)
    if font is None:
        return len(text) * size * (0.68 if bold else 0.62)
    return float(font.getlength(text)) * size / _REF_SIZE


def shorten(text: str, size: float, width: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis so it is at most ``width`` px wide (unchanged when it fits)."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"
