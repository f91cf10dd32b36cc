"""SVG, Markdown/Mermaid, PDF and PNG outputs, with real WeasyPrint and pypdfium2."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageStat
from render_samples import big_journey

from journeymap.model.workspace import Workspace
from journeymap.render import render_markdown, render_pdf, render_png, render_svg, render_to_file

SVG = "{http://www.w3.org/2000/svg}"
A3_LANDSCAPE = (1190.55, 841.89)  # 420 × 297 mm in points


def test_svg_is_valid_xml_with_stages_steps_curve_and_markers(ws_nl: Workspace) -> None:
    root = ET.fromstring(render_svg(ws_nl, "bestellen"))
    assert root.tag == f"{SVG}svg"
    texts = [el.text or "" for el in root.iter(f"{SVG}text")]
    for name in ("Oriënteren", "Kopen", "Gebruiken", "Zoekt leverancier", "Bestelt opnieuw", "Zakelijk bestellen"):
        assert any(name in t for t in texts), name
    steps = [g.get("data-step") for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("step")]
    assert steps == ["zoeken", "offerte", "bestelt", "levering", "herhaal"]
    classes = {(g.get("class"), g.get("data-step")) for g in root.iter(f"{SVG}g")}
    assert ("pain sev-critical", "offerte") in classes  # worst of critical + low
    assert ("pain sev-high", "levering") in classes
    assert ("mot mot-4", "offerte") in classes and ("mot mot-2", "bestelt") in classes
    assert ("step peak", "offerte") in classes and ("step end", "levering") in classes
    assert any(p.get("class") == "assumed-curve" for p in root.iter(f"{SVG}path"))


def test_svg_escapes_user_text(make_ws: Callable[..., Workspace]) -> None:
    journey = """
id: x
title: "A < B & C"
stages: [{id: a, name: "<stage>"}]
steps: [{id: s, name: "<script>x</script>", stage: a, channel: web, emotion: {score: 1, word: "&"}}]
"""
    root = ET.fromstring(render_svg(make_ws({"journeys/x.yaml": journey}), "x"))
    texts = [el.text or "" for el in root.iter(f"{SVG}text")]
    assert "<script>x</script>" in texts and "A < B & C" in texts and "<stage>" in texts


def test_markdown_mermaid_sections_scores_and_tables(ws_nl: Workspace) -> None:
    md = render_markdown(ws_nl, "bestellen")
    block = md.split("```mermaid\n")[1].split("```")[0].strip()
    actors = "Ingrid Inkoop, Gijs Gebruiker"
    # scores: +1 → 4, −2 → 1, +1.5 → 5 (half up), −1 → 2, no emotion → 3
    assert block.splitlines() == [
        "journey",
        "  title Zakelijk bestellen",
        "  section Oriënteren",
        f"    Zoekt leverancier: 4: {actors}",
        f"    Vraagt offerte aan: 1: {actors}",
        "  section Kopen",
        f"    Bestelt: 5: {actors}",
        "  section Gebruiken",
        f"    Ontvangt levering: 2: {actors}",
        f"    Bestelt opnieuw: 3: {actors}",
    ]
    assert "## Pijnpunten" in md and "## Kansen" in md
    assert "| Kritiek | Offerte duurt vijf dagen | Vraagt offerte aan | Oriënteren |" in md
    assert "| 1 | Offerte binnen een dag | Snelle successen | 5 | 2 | Idee | Vraagt offerte aan |" in md
    assert "| 4 | Eigen app | Geldputten | 1 | 5 | Idee |  |" in md


def test_mermaid_keeps_syntax_characters_out_and_uses_step_personas(make_ws: Callable[..., Workspace]) -> None:
    journey = """
id: m
title: "Reis: deel 1"
personas: [a, b]
stages: [{id: s, name: "Fase; één"}]
steps:
  - {id: x, name: "Stap: #1 | pijp", stage: s, channel: web, personas: [b], emotion: {score: -0.4}}
"""
    personas = {"personas/a.yaml": "id: a\nname: Anna\n", "personas/b.yaml": "id: b\nname: Bram\n"}
    md = render_markdown(make_ws({**personas, "journeys/m.yaml": journey}), "m")
    block = md.split("```mermaid\n")[1].split("```")[0]
    assert "  title Reis deel 1\n" in block
    assert "  section Fase een\n" in block.replace("één", "een")
    assert "    Stap 1 | pijp: 3: Bram\n" in block  # -0.4 + 3 = 2.6 → 3; only the step's persona


def test_pdf_is_a3_landscape(ws_nl: Workspace) -> None:
    pdf = pdfium.PdfDocument(render_pdf(ws_nl, "bestellen"))
    assert len(pdf) >= 2
    for i in range(len(pdf)):
        w, h = pdf[i].get_size()
        assert abs(w - A3_LANDSCAPE[0]) <= 1 and abs(h - A3_LANDSCAPE[1]) <= 1
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for label in ("Zakelijk bestellen", "Pijnpunten", "Kansen", "Snelle successen", "Vraagt offerte aan"):
        assert label.casefold() in text.casefold(), label  # headings are upper-cased by CSS


@pytest.mark.slow
def test_pdf_spreads_200_steps_over_pages(make_ws: Callable[..., Workspace]) -> None:
    ws = make_ws({"journeys/groot.yaml": big_journey(200, n_custom=0, lanes=False)})
    pdf = pdfium.PdfDocument(render_pdf(ws, "groot"))
    seen: dict[str, int] = {}
    for i in range(len(pdf)):
        text = pdf[i].get_textpage().get_text_range()
        part = re.search(r"Stappen (\d+)–(\d+) van 200", text)
        if part is None:  # not a page of the grid (header, pain point table …)
            continue
        first, last = int(part.group(1)), int(part.group(2))
        names = {int(n) for n in re.findall(r"Stap (\d{3})", text)}
        assert 2 <= last - first + 1 <= 6 and names <= set(range(first, last + 1)), f"page {i + 1}: {sorted(names)}"
        for n in names:
            seen.setdefault(f"Stap {n:03d}", i)
    assert len(pdf) >= 34  # 200 steps at no more than 6 per A3 page (never a lone one)
    assert sorted(seen) == [f"Stap {i:03d}" for i in range(1, 201)]
    pages = [seen[f"Stap {i:03d}"] for i in range(1, 201)]
    assert pages == sorted(pages)  # left to right, page after page


def test_png_has_real_pixels(ws_nl: Workspace) -> None:
    data = render_png(ws_nl, "bestellen")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data)).convert("RGB")
    assert img.width == round(A3_LANDSCAPE[0] * 1.5)
    assert img.height > round(A3_LANDSCAPE[1] * 1.5)  # every page, stacked
    stat = ImageStat.Stat(img.convert("L"))
    assert stat.stddev[0] > 15
    grey = img.convert("L")
    dark = sum(grey.histogram()[:128])
    assert dark / (img.width * img.height) > 0.002  # text and lines, not a blank sheet


def test_draft_journey_without_steps_renders_in_every_format(make_ws: Callable[..., Workspace], tmp_path: Path) -> None:
    journey = "id: leeg\ntitle: Leeg\nstages: [{id: a, name: Alleen fase}]\n"
    ws = make_ws({"journeys/leeg.yaml": journey}, strict=False)
    for suffix in (".html", ".svg", ".md", ".pdf", ".png"):
        out = render_to_file(ws, "leeg", tmp_path / f"leeg{suffix}")
        assert out.stat().st_size > 0
    assert "Nog geen stappen" in (tmp_path / "leeg.html").read_text(encoding="utf-8")
    ET.fromstring((tmp_path / "leeg.svg").read_text(encoding="utf-8"))
    assert "section" not in (tmp_path / "leeg.md").read_text(encoding="utf-8").split("```mermaid")[1].split("```")[0]
