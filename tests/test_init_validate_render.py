"""The foundation's acceptance path, for every template and language:
``journeymap init w --template T --lang L && journeymap validate w && journeymap render w/journeys/<file> -o map.<fmt>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pypdfium2 as pdfium
import pytest
from PIL import Image

TEMPLATES = ["webshop", "b2b", "subscription"]
LANGS = ["nl", "en"]
STAGE_WORDS = {"nl": ["Pijnpunten"], "en": ["Pain points"]}


@pytest.fixture(params=[(t, lang) for t in TEMPLATES for lang in LANGS], ids=lambda p: f"{p[0]}-{p[1]}")
def workspace(request, tmp_path, run_cli):
    template, lang = request.param
    root = tmp_path / "w"
    result = run_cli("init", str(root), "--template", template, "--lang", lang)
    assert result.exit_code == 0, result.output
    check = run_cli("validate", str(root))
    assert check.exit_code == 0, check.output
    assert {"nl": "geen problemen", "en": "no problems"}[lang] in check.stdout  # in the workspace's language
    (journey,) = sorted((root / "journeys").glob("*.yaml"))
    return root, journey, lang


def test_html_is_self_contained_and_in_the_workspace_language(workspace, run_cli, tmp_path):
    root, journey, lang = workspace
    out = tmp_path / "map.html"
    result = run_cli("render", str(journey), "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "<svg" in html
    for word in STAGE_WORDS[lang]:
        assert word in html


@pytest.mark.parametrize("fmt", ["svg", "md"])
def test_text_formats(workspace, run_cli, tmp_path, fmt):
    root, journey, lang = workspace
    out = tmp_path / f"map.{fmt}"
    assert run_cli("render", str(journey), "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "svg":
        assert ET.fromstring(text).tag.endswith("svg")
    else:
        assert "```mermaid" in text and "journey" in text


def test_pdf_is_a3_landscape_and_png_has_content(workspace, run_cli, tmp_path):
    root, journey, lang = workspace
    pdf_path, png_path = tmp_path / "map.pdf", tmp_path / "map.png"
    assert run_cli("render", str(journey), "-o", str(pdf_path)).exit_code == 0
    pdf = pdfium.PdfDocument(str(pdf_path))
    width, height = pdf[0].get_size()
    assert abs(width - 1190.55) < 1.5 and abs(height - 841.89) < 1.5  # A3 landscape in points
    assert run_cli("render", str(journey), "-o", str(png_path)).exit_code == 0
    with Image.open(png_path) as img:
        assert img.width >= 1000
        gray = img.convert("L")
        extrema = gray.getextrema()
        assert extrema[1] - extrema[0] > 100  # real drawing, not a blank page
