"""One living-map builder: the report's map is the map `render --with-data` draws, measured emotion curve included."""

from __future__ import annotations

import pytest

from journeymap import api
from journeymap.engine.report import render_report
from journeymap.events.demo import create_demo
from journeymap.livingmap import living_map
from journeymap.model.workspace import Workspace, load_workspace
from journeymap.render import render_svg
from journeymap.results import MapOverlay
from journeymap.voc.demo import generate_feedback
from journeymap.voc.emotion import add_to_overlay
from journeymap.voc.ingest import ingest_feedback


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = create_demo(tmp_path_factory.mktemp("living") / "shop", customers=1500, lang="en", quiet=True).root
    ws = load_workspace(root)
    ingest_feedback(ws, [generate_feedback(ws, seed=5)], quiet=True)
    return ws


def test_the_living_map_has_the_events_and_the_measured_emotions(shop: Workspace) -> None:
    overlay = living_map(shop, "webshop")
    assert overlay.customers > 0 and overlay.steps  # the event analytics …
    alone = add_to_overlay(MapOverlay(), shop, "webshop")  # … and the voice of the customer, measured on its own
    assert alone.emotions
    assert set(overlay.emotions) == set(alone.emotions)
    for step, m in alone.emotions.items():  # the same figures (floats summed in another order may differ in the last bit)
        got = overlay.emotions[step]
        assert (got.n, got.score, got.peak_share, got.end_share) == (m.n, pytest.approx(m.score),
                                                                    pytest.approx(m.peak_share),
                                                                    pytest.approx(m.end_share))
        assert {p: n for p, (_, n) in got.per_persona.items()} == {p: n for p, (_, n) in m.per_persona.items()}


def test_the_report_shows_the_same_map_as_render_with_data(shop: Workspace) -> None:
    html = render_report(shop, "webshop")
    drawn = render_svg(shop, "webshop", overlay=api.build_overlay(shop, "webshop"))
    assert "Measured" in drawn
    assert drawn[drawn.index("<svg"):] in html  # the report embeds exactly the picture render --with-data draws
