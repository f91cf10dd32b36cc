"""The peak of the designed emotion curve weighs intensity, pain-point severity and moment-of-truth weight;
a tie is shared and said, never settled silently by order. Expectations are computed by hand in the comments."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from journeymap.model.workspace import Workspace
from journeymap.render import render_html, render_markdown, render_svg
from journeymap.render.view import build_view, peak_weight


def _journey(*steps: str) -> dict[str, str]:
    body = "\n".join(f"  - {s}" for s in steps)
    stages = ", ".join(f"{{id: {x}, name: {x.upper()}}}" for x in "ab" if f"stage: {x}," in body)  # no empty stage
    return {"journeys/t.yaml": f"id: t\ntitle: T\nstages: [{stages}]\nsteps:\n{body}\n"}


def _peaks(ws: Workspace) -> list[str]:
    return [c.step.id for c in build_view(ws, "t").peaks if c.step]


def test_a_trivial_first_step_is_no_peak_beside_a_painful_moment_of_truth(make_ws: Callable[..., Workspace]) -> None:
    ws = make_ws(_journey(
        "{id: s1, name: Ziet advertentie, stage: a, channel: web, emotion: {score: 2}}",  # 2 × 1 = 2
        "{id: s2, name: Rekent af, stage: b, channel: web, emotion: {score: -2}, moment_of_truth: 5,"
        " pain_points: [{text: Account verplicht, severity: critical}]}",  # 2 × (1 + 4/4 + 5/5) = 6
        "{id: s3, name: Betaalt, stage: b, channel: web, emotion: {score: 1}}",  # 1
    ))
    view = build_view(ws, "t")
    assert [round(peak_weight(c), 6) for c in view.steps] == [2.0, 6.0, 1.0]
    assert _peaks(ws) == ["s2"] and not view.peak_shared
    assert view.end is not None and view.end.step is not None and view.end.step.id == "s3"


@pytest.mark.parametrize(("steps", "expected"), [
    # −1.5 with medium pain (2/4) and MoT 4: 1.5 × (1 + 0.5 + 0.8) = 3.45 beats +2 with a low pain: 2 × 1.25 = 2.5
    (["{id: s1, name: S1, stage: a, channel: web, emotion: {score: 2}, pain_points: [{text: p, severity: low}]}",
      "{id: s2, name: S2, stage: a, channel: web, emotion: {score: -1.5}, moment_of_truth: 4,"
      " pain_points: [{text: p, severity: medium}]}"], ["s2"]),
    # the worst pain point counts, not their number: 1 × (1 + 3/4) = 1.75 (two lows and a high) < 2
    (["{id: s1, name: S1, stage: a, channel: web, emotion: {score: -1}, pain_points: [{text: p, severity: low},"
      " {text: q, severity: high}, {text: r, severity: low}]}",
      "{id: s2, name: S2, stage: b, channel: web, emotion: {score: 2}}"], ["s2"]),
    # pain without emotion is no felt peak: 0 × 3 = 0 < 0.5
    (["{id: s1, name: S1, stage: a, channel: web, emotion: {score: 0}, moment_of_truth: 5,"
      " pain_points: [{text: p, severity: critical}]}",
      "{id: s2, name: S2, stage: a, channel: web, emotion: {score: 0.5}}"], ["s2"]),
    # all flat: no peak at all
    (["{id: s1, name: S1, stage: a, channel: web, emotion: {score: 0}}",
      "{id: s2, name: S2, stage: a, channel: web, emotion: {score: 0}}"], []),
])
def test_peak_weights(make_ws: Callable[..., Workspace], steps: list[str], expected: list[str]) -> None:
    assert _peaks(make_ws(_journey(*steps))) == expected


TIE = _journey(
    "{id: s1, name: Zoekt, stage: a, channel: web, emotion: {score: 1.75}}",  # 1.75 × 1 = 1.75
    "{id: s2, name: Belt de klantenservice, stage: a, channel: phone, emotion: {score: -1},"
    " pain_points: [{text: Lang in de wacht, severity: high}]}",  # 1 × (1 + 3/4) = 1.75
    "{id: s3, name: Bestelt opnieuw, stage: b, channel: app, emotion: {score: 1}, moment_of_truth: 2}",  # 1 × 1.4 = 1.4
)


def test_a_tie_is_shared_and_said_in_dutch(make_ws: Callable[..., Workspace]) -> None:
    ws = make_ws(TIE)
    assert _peaks(ws) == ["s1", "s2"]
    html = render_html(ws, "t")
    heads = re.findall(r'<th class="step[^"]*\bpeak\b[^"]*" data-step="([^"]+)"', html)
    assert heads == ["s1", "s2"]
    assert "Piek gedeeld door Zoekt en Belt de klantenservice: even heftig" in html
    assert html.count("★ Gedeelde piek") == 2
    assert "- **Piek:** Piek gedeeld door Zoekt en Belt de klantenservice: even heftig" in render_markdown(ws, "t")
    svg = render_svg(ws, "t")
    assert len(re.findall(r'<g class="step peak[^"]*" data-step="s[12]"', svg)) == 2
    assert "GEDEELDE PIEK" in svg


def test_a_tie_of_three_in_english(make_ws: Callable[..., Workspace]) -> None:
    ws = make_ws(_journey(*(f"{{id: s{i}, name: Step {i}, stage: a, channel: web, emotion: {{score: -1.5}}}}"
                            for i in (1, 2, 3))), language="en")
    html = render_html(ws, "t")
    assert "Peak shared by Step 1, Step 2 and Step 3: equally intense" in html
    assert html.count("★ Shared peak") == 3
