"""``journeymap render --poster --size --dpi``: what each does, and a clear error where one does not apply."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from journeymap.model.workspace import Workspace

MM_PER_PT = 25.4 / 72


@pytest.fixture
def journey_file(ws_nl: Workspace) -> Path:
    return ws_nl.root / "journeys" / "bestellen.yaml"


def test_poster_pdf_on_a_custom_sheet(run_cli, journey_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "poster.pdf"
    result = run_cli("render", str(journey_file), "-o", str(out), "--poster", "--size", "700x500", "-q")
    assert result.exit_code == 0, result.output
    pdf = pdfium.PdfDocument(out.read_bytes())
    assert len(pdf) == 1
    w, h = pdf[0].get_size()
    assert (round(w * MM_PER_PT), round(h * MM_PER_PT)) == (700, 500)
    text = pdf[0].get_textpage().get_text_range()
    for name in ("Zoekt leverancier", "Vraagt offerte aan", "Bestelt opnieuw", "Pijnpunten".upper(), "Kansen".upper()):
        assert name.casefold() in text.casefold(), name


def test_poster_png_at_the_chosen_dpi(run_cli, journey_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "poster.png"
    result = run_cli("render", str(journey_file), "-o", str(out), "--poster", "--size", "A3", "--dpi", "50", "-q")
    assert result.exit_code == 0, result.output
    with Image.open(out) as img:
        # 420 × 297 mm at 50 dpi: 826.8 × 584.6 px
        assert abs(img.width - 420 / 25.4 * 50) <= 1 and abs(img.height - 297 / 25.4 * 50) <= 1
        assert round(img.info["dpi"][0]) == 50


def test_pages_on_another_paper(run_cli, journey_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "kaart.pdf"
    assert run_cli("render", str(journey_file), "-o", str(out), "--size", "A4", "-q").exit_code == 0
    pdf = pdfium.PdfDocument(out.read_bytes())
    assert {(round(pdf[i].get_size()[0] * MM_PER_PT), round(pdf[i].get_size()[1] * MM_PER_PT))
            for i in range(len(pdf))} == {(297, 210)}


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "{tmp}/kaart.html", "--poster"],
     "--poster applies to .pdf and .png output; {tmp}/kaart.html is HTML: drop it or write a .pdf or .png"),
    (["-o", "{tmp}/kaart.md", "--poster", "--size", "A1"],
     "--poster and --size apply to .pdf and .png output; {tmp}/kaart.md is MD: drop them or write a .pdf or .png"),
    (["-o", "{tmp}/kaart.pdf", "--dpi", "300"],
     "--dpi sets the resolution of a PNG; {tmp}/kaart.pdf is a PDF (vector, any resolution): drop --dpi or write a .png"),
    (["-o", "{tmp}/kaart.pdf", "--size", "B3"],
     "unknown paper size 'B3'; expected one of: A0, A1, A2, A3, A4 (landscape) or WIDTHxHEIGHT in mm, e.g. 1000x700"),
])
def test_options_that_do_not_apply_are_one_clear_line(run_cli, journey_file: Path, tmp_path: Path, args: list[str],
                                                      message: str) -> None:
    result = run_cli("render", str(journey_file), *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code != 0
    assert message.replace("{tmp}", str(tmp_path)) in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert list(tmp_path.glob("kaart.*")) == []


def test_help_names_the_options(run_cli) -> None:
    result = run_cli("render", "--help")
    text = " ".join(result.output.split())
    for option in ("--poster", "--size", "--dpi", "A0, A1, A2, A3 or A4", "dots per inch"):
        assert option in text, option
