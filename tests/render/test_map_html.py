"""The HTML map: content, order, language, markers, escaping, self-containment."""

from __future__ import annotations

import re
from collections.abc import Callable

from render_samples import big_journey

from journeymap.model.workspace import Workspace
from journeymap.render import render_html

STEP_IDS = ["zoeken", "offerte", "bestelt", "levering", "herhaal"]
STEP_NAMES = ["Zoekt leverancier", "Vraagt offerte aan", "Bestelt", "Ontvangt levering", "Bestelt opnieuw"]
STAGE_NAMES = ["Oriënteren", "Kopen", "Gebruiken"]


def step_header_ids(html: str, cls: str = "") -> list[str]:
    """data-step of the step header cells, optionally only those whose class list holds ``cls``."""
    out = []
    for classes, sid in re.findall(r'<th class="(step[^"]*)" data-step="([^"]+)"', html):
        if not cls or cls in classes.split():
            out.append(sid)
    return out


def test_every_step_and_stage_in_order(ws_nl: Workspace) -> None:
    html = render_html(ws_nl, "bestellen")
    assert step_header_ids(html) == STEP_IDS
    positions = [html.index(f'<div class="step-name">{n}</div>') for n in STEP_NAMES]
    assert positions == sorted(positions)
    stage_pos = [html.index(f'<span class="stage-name">{n}</span>') for n in STAGE_NAMES]
    assert stage_pos == sorted(stage_pos)


def test_columns_follow_the_stage_order_not_the_file_order(make_ws: Callable[..., Workspace]) -> None:
    journey = """
id: r
title: R
stages: [{id: a, name: Eerst}, {id: b, name: Daarna}]
steps:
  - {id: later, name: Later, stage: b, channel: web}
  - {id: vroeg, name: Vroeg, stage: a, channel: web}
"""
    html = render_html(make_ws({"journeys/r.yaml": journey}), "r")
    assert step_header_ids(html) == ["vroeg", "later"]


def test_header_persona_cards_and_dutch_labels(ws_nl: Workspace) -> None:
    html = render_html(ws_nl, "bestellen")
    for text in ("Zakelijk bestellen", "Koopreis", "Huidige situatie", "Team CX", "15 maart 2026",
                 "Meer herhaalaankopen", "Herhaalaankopen", "Ingrid Inkoop", "Inkoper", "Gebruiker",
                 "Ik wil gewoon weten wanneer het geleverd wordt.", "Onduidelijke levertijden", "Voorkeurskanalen",
                 "Pijnpunten", "Momenten van de waarheid", "Kansen", "Snelle successen", "Grote projecten",
                 "Opvullers", "Geldputten", "Zichtbaarheidslijn", "Backstage", "Legenda", "Contract loopt af",
                 "Einde contract", "Gevoel bij het team", "Hoopvol"):
        assert text in html, text
    assert '<html lang="nl">' in html
    assert "Buyer journey" not in html and "Customer journey" not in html  # the issue: an English badge
    assert "→ <b>40 %</b>" in html  # the float target 40.0 written as 40


def test_english_map_has_english_labels_only(ws_en: Workspace) -> None:
    html = render_html(ws_en, "bestellen")
    for text in ("Pain points", "Moments of truth", "Opportunities", "Quick wins", "Big bets", "Fill-ins",
                 "Money pits", "15 March 2026", "Buyer journey", "Current state", "Legend"):
        assert text in html, text
    for dutch in ("Pijnpunten", "Momenten van de waarheid", "Snelle successen", "maart", "Legenda"):
        assert dutch not in html, dutch


def test_no_external_references(ws_nl: Workspace) -> None:
    html = render_html(ws_nl, "bestellen")
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert refs == []
    assert "<link" not in html.lower()
    # the only scripts are the map's own, inline: its data (JSON) and its code, which fetches nothing
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S | re.I)
    assert [attrs.strip() for attrs, _ in scripts] == ['type="application/json" id="jm-tips"', ""]
    code = scripts[1][1]
    for call in ("fetch(", "XMLHttpRequest", "import(", "WebSocket", "sendBeacon", "eval(", "innerHTML", "src ="):
        assert call not in code, call
    assert "<script" not in render_html(ws_nl, "bestellen", media="print").lower()  # print (PDF) has no script


def test_user_text_is_escaped(make_ws: Callable[..., Workspace]) -> None:
    journey = """
id: x
title: "T <b>vet</b>"
stages: [{id: a, name: "A & B"}]
steps:
  - {id: s, name: "<script>alert(1)</script>", stage: a, channel: web, actions: ["<img src=x onerror=y>"]}
"""
    html = render_html(make_ws({"journeys/x.yaml": journey}), "x")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "A &amp; B" in html
    assert "<b>vet</b>" not in html


def test_pain_points_and_moments_of_truth_get_marker_classes(ws_nl: Workspace) -> None:
    html = render_html(ws_nl, "bestellen")
    grid = html[html.index('<table class="grid"'):html.index("</table>", html.index('<table class="grid"'))]
    assert len(re.findall(r'class="pain sev-critical prov-assumed"', grid)) == 1
    assert len(re.findall(r'class="pain sev-low prov-assumed"', grid)) == 1
    assert len(re.findall(r'class="pain sev-high prov-assumed"', grid)) == 1
    assert re.findall(r'class="mot (mot-\d)"', grid) == ["mot-4", "mot-2"]
    assert step_header_ids(html, "has-mot") == ["offerte", "bestelt"]
    # the pain point table lists the worst first: critical, high, low
    table = html[html.index("pains-panel"):html.index("opportunities-panel")]
    assert re.findall(r'pain-row sev-(\w+)', table) == ["critical", "high", "low"]


def test_peak_and_end_marked(ws_nl: Workspace) -> None:
    # scores 1, -2, 1.5, -1, (none): the most extreme is -2 (offerte); the last scored step is levering
    html = render_html(ws_nl, "bestellen")
    assert step_header_ids(html, "peak") == ["offerte"]
    assert step_header_ids(html, "end") == ["levering"]
    points = re.findall(r'<g class="emotion-point ([^"]*)" data-step="([^"]+)"', html)
    assert [sid for cls, sid in points if "peak" in cls.split()] == ["offerte"]
    assert [sid for cls, sid in points if "end" in cls.split()] == ["levering"]
    assert [sid for _, sid in points] == ["zoeken", "offerte", "bestelt", "levering"]
    assert "prov-observed" in dict((sid, cls) for cls, sid in points)["offerte"]


def test_opportunity_quadrants_placed_right(ws_nl: Workspace) -> None:
    html = render_html(ws_nl, "bestellen")
    split_x = float(re.search(r'class="split-effort" x1="([\d.]+)"', html).group(1))  # type: ignore[union-attr]
    split_y = float(re.search(r'class="split-impact" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)"', html).group(1))  # type: ignore[union-attr]
    dots = {m[0]: (m[1], float(m[2]), float(m[3]))
            for m in re.findall(r'<g class="opp" data-id="([^"]+)" data-quadrant="([^"]+)" '
                                r'data-x="([\d.]+)" data-y="([\d.]+)"', html)}
    # impact 5 / effort 2 → quick win: left (low effort) and up (high impact); and so on
    expected = {"snelle-offerte": ("quick-win", "left", "up"), "portaal": ("big-bet", "right", "up"),
                "tekst": ("fill-in", "left", "down"), "app": ("money-pit", "right", "down")}
    for oid, (quadrant, side, height) in expected.items():
        q, x, y = dots[oid]
        assert q == quadrant
        assert (x < split_x) == (side == "left"), oid
        assert (y < split_y) == (height == "up"), oid
    lists = dict(re.findall(r'data-quadrant="([a-z-]+)"><h3>[^<]*</h3>\s*<ol><li data-id="([^"]+)"', html))
    assert lists == {q: oid for oid, (q, _, _) in expected.items()}


def test_stage_without_steps_gets_a_placeholder(make_ws: Callable[..., Workspace]) -> None:
    # the workspace check reports empty stages; a draft loaded with strict=False still renders
    journey = """
id: p
title: P
stages: [{id: a, name: Eerst}, {id: leeg, name: Leeg}]
steps: [{id: s, name: S, stage: a, channel: web}]
"""
    html = render_html(make_ws({"journeys/p.yaml": journey}, strict=False), "p")
    assert "Nog geen stappen" in html
    assert '<span class="stage-name">Leeg</span>' in html


def test_large_map_is_one_scrolling_grid_with_sticky_lane_headers(make_ws: Callable[..., Workspace]) -> None:
    ws = make_ws({"journeys/groot.yaml": big_journey(200)})
    html = render_html(ws, "groot")
    assert step_header_ids(html) == [f"stap-{i:03d}" for i in range(1, 201)]
    assert html.count('<table class="grid"') == 1
    assert "position: sticky" in html and "overflow-x: auto" in html
    lanes = re.findall(r'<tr class="lane lane-([\w-]+)"', html)
    assert len(lanes) == 20  # 14 standard lanes (all filled) and 6 custom ones
