"""Measured figures on the map: drawn with an overlay, absent without one."""

from __future__ import annotations

import re

import pytest

from journeymap.model.workspace import Workspace
from journeymap.render import render_html, render_svg
from journeymap.results import Conformance, Flow, FunnelStep, MapOverlay, MeasuredEmotion, StepMetrics

OVERLAY_MARKERS = ('class="sankey"', 'class="funnel"', "conformance-panel", "unmatched-panel", "notes-panel",
                   "lane-measured", 'class="measured-point', "data-strip")


@pytest.fixture
def overlay() -> MapOverlay:
    return MapOverlay(
        customers=1234, events=56789, period=("2026-01-01", "2026-03-31"),
        steps={
            "zoeken": StepMetrics(reach=1234, conversion=0.62, dropoff=0.2, median_seconds=93600, trend=0.12),
            "offerte": StepMetrics(reach=765, conversion=0.4, dropoff=0.55, median_seconds=400000, trend=-0.08,
                                   worst_dropoff=True),
        },
        emotions={
            "zoeken": MeasuredEmotion(0.4, 120, per_persona={"inkoper": (0.2, 60)}),
            "levering": MeasuredEmotion(-0.2, 12, small_sample=True),
        },
        stage_flows=[Flow("orienteren", "kopen", 306), Flow("kopen", "gebruiken", 280),
                     Flow("gebruiken", "orienteren", 40, designed=False)],
        funnel=[FunnelStep("zoeken", 1234, 1.0, 1.0), FunnelStep("offerte", 765, 0.62, 0.62)],
        conformance=Conformance(0.71, 0.88, undesigned=[Flow("levering", "zoeken", 40, False)],
                                never_seen_steps=["herhaal"]),
        unmatched_events=[("newsletter_open", 5000), ("login", 1200)],
        notes=["Verwacht: levering in 2 dagen; ontvangen: 5 dagen."],
    )


def body(html: str) -> str:
    """The page without its style sheet (class names appear there whatever is drawn)."""
    return html[html.index("</style>"):]


def test_no_overlay_no_data_sections(ws_nl: Workspace) -> None:
    html = body(render_html(ws_nl, "bestellen"))
    for marker in OVERLAY_MARKERS:
        assert marker not in html, marker
    assert "Gemeten" not in html


def test_overlay_sections_appear(ws_nl: Workspace, overlay: MapOverlay) -> None:
    html = body(render_html(ws_nl, "bestellen", overlay))
    for marker in OVERLAY_MARKERS:
        assert marker in html, marker
    for text in ("Stroom tussen fasen", "Trechter", "Ontworpen tegenover waargenomen", "Echt, maar niet op de kaart",
                 "newsletter_open", "5.000", "1.234 klanten", "71 %", "88 %", "Bestelt opnieuw",
                 "Verwacht: levering in 2 dagen; ontvangen: 5 dagen.", "1 januari 2026", "31 maart 2026"):
        assert text in html, text
    assert "62 %" in html and "+12 %" in html and "▼ −8 %" in html  # a real minus sign
    assert "1,1 d" in html and "4,6 d" in html  # 93 600 s = 1.08 d; 400 000 s = 4.63 d


def test_worst_dropoff_and_measured_emotion_marked(ws_nl: Workspace, overlay: MapOverlay) -> None:
    html = render_html(ws_nl, "bestellen", overlay)
    worst = re.findall(r'<th class="step[^"]*worst-dropoff[^"]*" data-step="([^"]+)"', html)
    assert worst == ["offerte"]
    assert html.count('<td class="measured worst-dropoff"') == 1
    assert "n = 120" in html and "n = 12 ⚠" in html
    assert html.count('class="measured-point small-sample"') == 1  # only levering has n < 30
    assert 'class="measured-persona-curve" data-persona="inkoper"' not in html  # one point draws no line …
    assert html.count('class="measured-persona-point" data-persona="inkoper"') == 1  # … but a marker
    assert html.count('class="measured-point"') == 1


def test_sankey_draws_flows_in_stage_order_and_loops_back(ws_nl: Workspace, overlay: MapOverlay) -> None:
    html = render_html(ws_nl, "bestellen", overlay)
    nodes = re.findall(r'<rect class="node" data-node="([^"]+)"', html)
    assert nodes == ["orienteren", "kopen", "gebruiken"]
    flows = re.findall(r'<path class="(flow[^"]*)" data-source="([^"]+)" data-target="([^"]+)"', html)
    assert ("flow", "orienteren", "kopen") in flows
    assert ("flow undesigned backward", "gebruiken", "orienteren") in flows


def test_english_overlay_labels(ws_en: Workspace, overlay: MapOverlay) -> None:
    html = render_html(ws_en, "bestellen", overlay)
    for text in ("Flow between stages", "Funnel", "Designed vs observed", "Real but not on the map", "1,234 customers",
                 "62%", "1 January 2026"):
        assert text in html, text


def test_svg_with_overlay_draws_measured_curve(ws_nl: Workspace, overlay: MapOverlay) -> None:
    assert 'class="measured-point' not in render_svg(ws_nl, "bestellen")
    assert 'class="measured-point small-sample"' in render_svg(ws_nl, "bestellen", overlay)
