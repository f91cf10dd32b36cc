"""``--with-data`` in every format: the measured figures the API computes appear in .md and .svg, in the map's language.

The overlay is measured through the API on a small demo shop; the outputs are made by the real CLI. The numbers
are compared, never hard-coded: a change in the data generator moves both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from journeymap import api
from journeymap.i18n import format_duration, format_number, format_percent, t
from journeymap.model.workspace import Workspace


def _render(run_cli: Callable[..., object], ws: Workspace, out: Path, *extra: str) -> Path:
    result = run_cli("render", "webshop", "-w", str(ws.root), "-o", str(out), "-q", *extra)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_markdown_with_data_carries_every_measured_figure(demo_shop: Callable[[str], Workspace], run_cli, tmp_path: Path,
                                                          lang: str) -> None:
    ws = demo_shop(lang)
    overlay = api.build_overlay(ws, "webshop")
    plain = _render(run_cli, ws, tmp_path / "plain.md").read_text(encoding="utf-8")
    md = _render(run_cli, ws, tmp_path / "data.md", "--with-data").read_text(encoding="utf-8")
    assert md != plain and md.startswith(plain.split(f"## {t('markdown.diagram', lang)}")[0])
    assert t("metrics.title", lang) in md and t("metrics.title", lang) not in plain
    section = md.split(f"## {t('metrics.title', lang)}")[1]
    names = {s.id: s.name for s in ws.journeys["webshop"].steps}
    table = section.split("###")[0]
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert overlay.steps, "the demo measures every step"
    for sid, m in overlay.steps.items():
        row = rows[names[sid]]
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert format_number(m.reach, lang) == cells[1], row
        assert (format_percent(m.conversion, lang) if m.conversion is not None else "–") in cells, row
        assert any(c.endswith(format_percent(m.dropoff, lang)) and (c.startswith("⚠") == m.worst_dropoff)
                   for c in cells), row
        if m.median_seconds is not None:
            assert format_duration(m.median_seconds, lang) in cells, row
    assert overlay.emotions, "the demo has feedback"
    for sid, e in overlay.emotions.items():
        assert f"{format_number(e.score, lang, 1)} ({t('emotion.n', lang, n=format_number(e.n, lang))}" in rows[names[sid]]
    funnel = md.split(f"### {t('funnel.title', lang)}")[1].split("###")[0]
    for f in overlay.funnel:
        assert (f"| {names[f.step]} | {format_number(f.customers, lang)} | {format_percent(f.conversion_from_start, lang)} | "
                f"{format_percent(f.conversion_from_previous, lang)} |") in funnel
    flows = md.split(f"### {t('flow.title', lang)}")[1].split("###")[0]
    stage = {s.id: s.name for s in ws.journeys["webshop"].stages}
    for fl in overlay.stage_flows:
        assert f"| {stage[fl.source]} | {stage[fl.target]} | {format_number(fl.customers, lang)} |" in flows
    assert overlay.conformance is not None
    assert f"{t('conformance.fitness', lang)}: {format_percent(overlay.conformance.fitness, lang)}" in md
    for note in overlay.notes:
        assert note.split(" ")[0] in md
    assert t("metrics.customers", lang, n=format_number(overlay.customers, lang)) in md
    # the Mermaid diagram cannot draw figures, and says so
    assert t("markdown.measured_note", lang, title=t("metrics.title", lang)) in md
    if lang == "nl":  # Dutch numbers: thousands with a dot, decimals with a comma
        assert re.search(r"\| \d{1,3}\.\d{3} \|", section) and re.search(r"\d,\d \(n = ", section)
        assert "Bereik" in section and "Reach" not in section
    else:
        assert re.search(r"\| \d{1,3},\d{3} \|", section) and "Bereik" not in section


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_svg_with_data_carries_every_measured_figure(demo_shop: Callable[[str], Workspace], run_cli, tmp_path: Path,
                                                     lang: str) -> None:
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    ws = demo_shop(lang)
    overlay = api.build_overlay(ws, "webshop")
    plain = ET.parse(_render(run_cli, ws, tmp_path / "plain.svg")).getroot()
    root = ET.parse(_render(run_cli, ws, tmp_path / "data.svg", "--with-data")).getroot()
    assert not [g for g in plain.iter(f"{ns}g") if g.get("class") == "measured"]
    band = {g.get("data-step"): {t.get("class"): t.text for t in g.iter(f"{ns}text") if t.get("class")}
            for g in root.iter(f"{ns}g") if g.get("class") == "measured"}
    assert set(band) == {s.id for s in ws.journeys["webshop"].steps}
    for sid, m in overlay.steps.items():
        cells = band[sid]
        assert cells["metric-reach"] == format_number(m.reach, lang)
        assert cells["metric-dropoff"] == ("⚠ " if m.worst_dropoff else "") + format_percent(m.dropoff, lang)
        if m.conversion is not None:
            assert cells["metric-conversion"] == format_percent(m.conversion, lang)
        if m.median_seconds is not None:
            assert cells["metric-time"] == format_duration(m.median_seconds, lang)
    texts = [t.text or "" for t in root.iter(f"{ns}text")]
    joined = "\n".join(texts)
    assert t("metrics.customers", lang, n=format_number(overlay.customers, lang)) in joined
    for e in overlay.emotions.values():  # the measured curve's n, per step
        assert t("emotion.n", lang, n=format_number(e.n, lang)) in joined
    for f in overlay.funnel:  # the funnel's figures
        assert any(x.startswith(f"{format_number(f.customers, lang)} · {format_percent(f.conversion_from_start, lang)}")
                   for x in texts)
    for fl in overlay.stage_flows:  # every stage flow is drawn, its count in its tooltip
        assert any(format_number(fl.customers, lang) in (title.text or "") for title in root.iter(f"{ns}title"))
    assert overlay.conformance is not None
    assert f"{t('conformance.fitness', lang)}: {format_percent(overlay.conformance.fitness, lang)}" in joined
    for title in ("flow.title", "funnel.title", "conformance.title", "notes.title"):
        assert t(title, lang) in texts
    other = "en" if lang == "nl" else "nl"
    assert t("metrics.reach", other) not in texts or t("metrics.reach", other) == t("metrics.reach", lang)
