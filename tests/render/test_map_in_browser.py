"""The HTML map as a person sees it: opened in a real headless Chromium, no network."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from journeymap.model import load_workspace
from journeymap.render import render_to_file
from journeymap.templates import init_workspace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (scripts/test installs it)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],  # type: ignore[list-item]
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    ws = load_workspace(init_workspace(tmp / "w", "webshop", "nl"))
    out = render_to_file(ws, "webshop", tmp / "map.html")
    return ws, out, tmp


def test_browser_dom_holds_every_step_in_order(rendered):
    ws, out, tmp = rendered
    result = _chromium(tmp, "--dump-dom", out.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    names = [s.name for s in ws.journeys["webshop"].steps]
    positions = [dom.find(name.replace("'", "&#39;")) for name in names]
    assert all(p >= 0 for p in positions), [n for n, p in zip(names, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_screenshot_shows_a_drawn_map(rendered):
    ws, out, tmp = rendered
    shot = tmp / "shot.png"
    result = _chromium(tmp, f"--screenshot={shot}", "--window-size=1600,1400", out.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    with Image.open(shot) as img:
        assert img.size == (1600, 1400)
        colours = img.convert("RGB").resize((200, 175)).getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 200  # text, cards and the curve, not a blank page


# --- the interactive map, driven in the real browser (playwright on Debian's Chromium) ---------------------------

@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def living(demo_shop, tmp_path_factory):
    """The Dutch demo shop's living map (events and feedback) as the user opens it, and its overlay from the API."""
    from journeymap import api

    ws = demo_shop("nl")
    overlay = api.build_overlay(ws, "webshop")
    out = render_to_file(ws, "webshop", tmp_path_factory.mktemp("living") / "kaart.html", overlay=overlay)
    return ws, overlay, out


@pytest.fixture
def page(browser, living):
    """A page of the map with the network shut: any request that is not the file itself is recorded and refused."""
    ws, overlay, out = living
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))

    def route(r):
        if r.request.url == out.as_uri():
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


def _visible_rows(pg, lane: str) -> int:
    return pg.locator(f'tr.lane[data-lane="{lane}"]').evaluate_all(
        "rows => rows.filter(r => r.getBoundingClientRect().height > 0).length")


def test_lane_toggles_hide_and_show_lanes(page, living) -> None:
    assert _visible_rows(page, "actions") == 1 and _visible_rows(page, "backstage") == 1
    page.locator('.lane-toggles label:has(input[data-lane="actions"])').click()
    assert _visible_rows(page, "actions") == 0 and _visible_rows(page, "backstage") == 1
    page.focus('.lane-toggles input[data-lane="backstage"]')  # by keyboard too
    page.keyboard.press("Space")
    assert _visible_rows(page, "backstage") == 0
    page.click('button[data-action="all-lanes"]')
    assert _visible_rows(page, "actions") == 1 and _visible_rows(page, "backstage") == 1


def test_persona_filter_dims_the_steps_the_persona_does_not_take(page, living) -> None:
    ws, _, _ = living
    journey = ws.journeys["webshop"]
    lanes = page.locator("tr.lane").count()
    for pid in journey.personas:
        page.select_option("#jm-persona", pid)
        expected = sorted(s.id for s in journey.steps if s.personas and pid not in s.personas)
        dimmed = sorted(page.locator("th.step.dimmed").evaluate_all("els => els.map(e => e.dataset.step)"))
        assert dimmed == expected, pid
        assert expected, f"the demo journey should have steps {pid} does not take"
        col = page.locator(f'th.step[data-step="{expected[0]}"]').get_attribute("data-col")
        cells = page.locator(f'.grid td[data-col="{col}"].dimmed').count()
        assert cells == lanes - 2  # every lane cell of the column but the emotion curve and the visibility line
        opacity = page.locator(f'th.step[data-step="{expected[0]}"]').evaluate("e => getComputedStyle(e).opacity")
        assert float(opacity) < 0.5
        others = page.locator(f'.emotion-curve .persona-curve:not([data-persona="{pid}"])')
        assert all("faded" in (others.nth(k).get_attribute("class") or "") for k in range(others.count()))
    page.select_option("#jm-persona", "")
    assert page.locator(".grid .dimmed").count() == 0


def test_hovering_a_step_shows_its_measured_figures_in_dutch(page, living) -> None:
    from journeymap.i18n import format_duration, format_number, format_percent

    ws, overlay, _ = living
    tip = page.locator("#jm-tooltip")
    assert tip.is_hidden()
    checked = 0
    for step in ws.journeys["webshop"].steps:
        m, e = overlay.steps.get(step.id), overlay.emotions.get(step.id)
        if m is None:
            continue
        page.hover(f'th.step[data-step="{step.id}"]')
        assert tip.is_visible()
        text = tip.inner_text()
        assert step.name in text
        assert f"Bereik\t{format_number(m.reach, 'nl')}" in text
        if m.conversion is not None:
            assert f"Conversie\t{format_percent(m.conversion, 'nl')}" in text
        assert format_percent(m.dropoff, "nl") in text
        if m.median_seconds is not None:
            assert format_duration(m.median_seconds, "nl") in text
        if e is not None:
            assert f"{format_number(e.score, 'nl', 1)} (n = {format_number(e.n, 'nl')}" in text
        checked += 1
    assert checked == len(overlay.steps) > 5
    page.mouse.move(2, 2)
    assert tip.is_hidden()
    # the measured cell and the curve's points show the same tooltip
    first = next(iter(overlay.steps))
    page.hover(f'td.measured[data-tip="{first}"]')
    assert format_number(overlay.steps[first].reach, "nl") in tip.inner_text()


def test_keyboard_focus_shows_the_tooltip_and_escape_hides_it(page, living) -> None:
    ws, overlay, _ = living
    page.focus("#jm-persona")
    page.keyboard.press("Tab")  # on to the print button
    page.keyboard.press("Tab")  # and into the grid: the first step header
    focused = page.evaluate("document.activeElement.dataset.step")
    assert focused == ws.journeys["webshop"].steps[0].id
    tip = page.locator("#jm-tooltip")
    assert tip.is_visible() and ws.journeys["webshop"].steps[0].name in tip.inner_text()
    page.keyboard.press("Escape")
    assert tip.is_hidden()


def test_print_button_prints_the_map_without_its_controls(page) -> None:
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.click('button[data-action="print"]')
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()
    assert page.locator("table.grid").is_visible()


def test_headers_do_not_overflow_or_run_into_their_descriptions(page) -> None:
    overflow = page.evaluate("""() => [...document.querySelectorAll(
        '.grid th.stage .stage-name, .grid th.stage .stage-goal, .grid th.step .step-name, .grid th.lane-head')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert overflow == []
    collisions = page.evaluate("""() => [...document.querySelectorAll('.grid th.stage')].filter(th => {
        const n = th.querySelector('.stage-name'), g = th.querySelector('.stage-goal');
        return g && g.getBoundingClientRect().top < n.getBoundingClientRect().bottom - 0.5;
    }).map(th => th.textContent)""")
    assert collisions == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_print_layout_cells_hold_their_text(browser, demo_shop, lang) -> None:
    """The print HTML (what WeasyPrint lays out) in Chromium: no grid cell's text is wider than its cell."""
    from journeymap.render.html import html_from_view
    from journeymap.render.paging import paged_layout, parse_paper
    from journeymap.render.view import build_view

    view = build_view(demo_shop(lang), "webshop")
    html = html_from_view(view, "print", paged_layout(view.columns, parse_paper("A3")))
    pg = browser.new_page(viewport={"width": 1600, "height": 1000})
    pg.set_content(html)
    wide = pg.evaluate("""() => [...document.querySelectorAll('.grid th, .grid td:not(.curve-cell)')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 60))""")
    pg.close()
    assert wide == []
