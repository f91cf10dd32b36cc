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
