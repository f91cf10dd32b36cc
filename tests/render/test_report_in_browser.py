"""The report as a reader sees it: opened in a real headless Chromium (playwright on Debian's Chromium), no network.

The screenshot is kept in the test's folder (``pytest --basetemp=…`` to look at it).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from PIL import Image

from journeymap import api
from journeymap.engine.report import write_report
from journeymap.model.workspace import Workspace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (scripts/test installs it)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(demo_shop: Callable[[str], Workspace], tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    ws = demo_shop("nl")
    return ws, write_report(ws, "webshop", tmp_path_factory.mktemp("report") / "rapport.html")


@pytest.fixture
def page(browser: Any, report: tuple[Workspace, Path]) -> Iterator[Any]:
    """The report in a 1280 × 900 window; any request that is not the file itself is recorded and refused."""
    _, out = report
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url == out.as_uri() or r.request.url.startswith("data:"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.goto(out.as_uri())
    yield pg
    context.close()
    assert problems == [], problems
    assert requests == [], requests


def test_the_first_screen_shows_the_key_figures_and_what_needs_attention(page: Any, report: Any,
                                                                          tmp_path: Path) -> None:
    shot = tmp_path / "first-screen.png"
    page.screenshot(path=str(shot))
    heading = page.locator("#attention h2")
    assert heading.inner_text().lower() == "wat aandacht vraagt"
    assert heading.bounding_box()["y"] < 900  # without scrolling
    first = page.locator(".finding").first.bounding_box()
    assert first["y"] < 900 and first["width"] > 600
    tiles = page.locator(".tile b").all_inner_texts()
    ws, _ = report
    status = api.status(ws.root)
    assert tiles[0] == f"{status.customers:,}".replace(",", ".")  # 22.935 in Dutch, the store's customers
    with Image.open(shot) as img:
        colours = img.convert("RGB").resize((160, 112)).getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 120  # text, tiles and cards: not a blank page


def test_every_chart_is_drawn_at_a_readable_size(page: Any, tmp_path: Path) -> None:
    for chart in ("chart-funnel", "chart-conversion", "chart-flow", "chart-nps", "chart-retention",
                  "chart-lifecycle"):
        box = page.locator(f"#{chart} svg").first.bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 80, (chart, box)
    page.locator("#chart-conversion").screenshot(path=str(tmp_path / "conversion.png"))
    page.screenshot(path=str(tmp_path / "whole-report.png"), full_page=True)
    assert page.locator("#chart-conversion circle.point").count() >= 6  # one point per period
    assert page.locator("#chart-retention g.cell").count() > 100


def test_a_csv_download_holds_the_whole_table(page: Any, report: Any) -> None:
    ws, _ = report
    link = page.locator("#table-transitions a.download")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "webshop-transitions.csv"
    table = pd.read_csv(io.StringIO(Path(download.path()).read_text(encoding="utf-8")))
    expected = api.analyze("webshop", ws.root, only=["transitions"])["transitions"]
    assert len(table) == len(expected) > 10  # the page shows 10 rows, the file has all
    assert page.locator("#table-transitions tbody tr").count() == 10
