"""Every starter template in both languages, printed as a user gets it: A3 pages and a poster, PDF and PNG.

Checked the way a reader looks at paper: each grid page shows whole step columns with every lane, the
runs are balanced and never a lone step, every step is on exactly one page, no page is blank, and the
poster holds the whole map on one sheet. (The author also looks at every page; these checks keep it so.)
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageStat

from journeymap.i18n import t
from journeymap.model.workspace import Workspace, load_workspace
from journeymap.render import PrintOptions, render_pdf
from journeymap.render.paging import parse_paper, per_page
from journeymap.render.pdf import png_from_pdf
from journeymap.render.view import build_view
from journeymap.templates import LANGUAGES, TEMPLATES, init_workspace

pytestmark = pytest.mark.slow
ALL = [(tpl, lang) for tpl in TEMPLATES for lang in LANGUAGES]
PT_PER_MM = 72 / 25.4


@pytest.fixture(scope="module")
def starters(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Workspace]:
    root = tmp_path_factory.mktemp("starters")
    return {(tpl, lang): load_workspace(init_workspace(root / f"{tpl}-{lang}", tpl, lang)) for tpl, lang in ALL}


def squash(text: str) -> str:
    """Text compared as printed: case, spaces, line breaks and hyphenation do not count."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text).casefold()


def page_texts(pdf: pdfium.PdfDocument) -> list[str]:
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def ink(pdf: pdfium.PdfDocument, i: int) -> tuple[float, float]:
    """Spread of grey values and the share of dark pixels of page ``i``: a blank page has neither."""
    img = pdf[i].render(scale=0.4).to_pil().convert("L")
    dark = sum(img.histogram()[:160]) / (img.width * img.height)
    return ImageStat.Stat(img).stddev[0], dark


@pytest.mark.parametrize(("tpl", "lang"), ALL)
def test_a3_pages_show_whole_columns_with_every_lane(starters: dict[tuple[str, str], Workspace], tpl: str,
                                                     lang: str) -> None:
    ws = starters[(tpl, lang)]
    jid = next(iter(ws.journeys))
    view = build_view(ws, jid)
    data = render_pdf(ws, jid)
    pdf = pdfium.PdfDocument(data)
    for i in range(len(pdf)):
        w, h = pdf[i].get_size()
        assert (round(w / PT_PER_MM), round(h / PT_PER_MM)) == (420, 297), f"page {i + 1} is not A3 landscape"
        spread, dark = ink(pdf, i)
        assert spread > 8 and dark > 0.004, f"page {i + 1} of {len(pdf)} is blank ({spread:.1f}, {dark:.4f})"
    texts = page_texts(pdf)
    total = len(view.steps)
    part = re.compile(t("map.page_part", lang, first=r"(\d+)", last=r"(\d+)", total=total))
    grid = [(i, int(m.group(1)), int(m.group(2))) for i, text in enumerate(texts) if (m := part.search(text))]
    runs = [last - first + 1 for _, first, last in grid]
    assert [first for _, first, _ in grid] == [1] + [last + 1 for _, _, last in grid[:-1]] and grid[-1][2] == total
    assert len(runs) == -(-total // per_page(parse_paper("A3"))), runs
    assert min(runs) >= 2 and max(runs) <= 6 and max(runs) - min(runs) <= 2, runs
    assert [i for i, _, _ in grid] == list(range(grid[0][0], grid[0][0] + len(grid)))  # one page per run
    lanes = [lane.label for lane in view.lanes]
    for i, first, last in grid:
        page = squash(texts[i])
        missing = [label for label in lanes if squash(label) not in page]
        assert missing == [], f"page {i + 1} lacks lanes {missing}"
        for c in view.steps:
            assert c.step is not None
            if first <= c.number <= last:
                assert squash(c.step.name) in page, f"step {c.number} {c.step.name!r} is not on page {i + 1}"
    # the PNG is those pages, stacked, at 108 dpi
    png = Image.open(io.BytesIO(png_from_pdf(data)))
    page_h = round(297 * PT_PER_MM * 1.5)
    assert png.width == round(420 * PT_PER_MM * 1.5)
    assert abs(png.height - (len(pdf) * page_h + 12 * (len(pdf) - 1))) <= len(pdf)


@pytest.mark.parametrize(("tpl", "lang"), ALL)
def test_poster_is_the_whole_map_on_one_sheet(starters: dict[tuple[str, str], Workspace], tmp_path: Path, tpl: str,
                                              lang: str) -> None:
    ws = starters[(tpl, lang)]
    jid = next(iter(ws.journeys))
    view = build_view(ws, jid)
    data = render_pdf(ws, jid, options=PrintOptions(poster=True))
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 1
    w, h = pdf[0].get_size()
    assert (round(w / PT_PER_MM), round(h / PT_PER_MM)) == (841, 594)  # A1 landscape, the poster's default
    spread, dark = ink(pdf, 0)
    assert spread > 8 and dark > 0.004
    text = squash(page_texts(pdf)[0])
    for name in [c.step.name for c in view.steps if c.step] + [lane.label for lane in view.lanes] + [ws.journeys[jid].title]:
        assert squash(name) in text, name
    assert squash(t("pains.title", lang)) in text and squash(t("legend.title", lang)) in text
    png = Image.open(io.BytesIO(png_from_pdf(data, dpi=30)))
    assert abs(png.width - 841 / 25.4 * 30) <= 1 and abs(png.height - 594 / 25.4 * 30) <= 1
