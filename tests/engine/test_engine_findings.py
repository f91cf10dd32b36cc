"""The findings engine against the truth: effects planted in generated logs must be found with the right step,
segment and window, and clean logs must give no more false findings than the false-discovery rate allows.

The logs come from :mod:`journeymap.events.synthetic` (a time-homogeneous Markov chain: in a clean log nothing
changes and no segment differs, so every finding is false). The seeds are fixed, so the counts are too; the
larger sweep is ``python benchmarks/findings_bench.py truth`` (docs/findings.md has its numbers).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from journeymap.engine.findings import FindingsOptions, journey_findings
from journeymap.engine.source import EventSource
from journeymap.events.synthetic import (
    JOURNEY,
    START,
    event_table,
    explained,
    found,
    generate,
    planted,
    scenario,
)
from journeymap.model.types import Journey
from journeymap.results import FINDING_KINDS

from .conftest import write_workspace

pytestmark = pytest.mark.slow

CUSTOMERS = 20_000
CLEAN_SEEDS = range(2000, 2010)
PLANTED_SEEDS = (2000, 2001, 2002)
OPTS = FindingsOptions()


@pytest.fixture(scope="module")
def journey() -> Journey:
    return Journey.model_validate(JOURNEY)


def findings(journey: Journey, seed: int, plants: Any = None, customers: int = CUSTOMERS) -> Any:
    return journey_findings(None, journey, EventSource.of(event_table(generate(customers, seed=seed, plants=plants))),
                            OPTS)


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).date().isoformat()


def test_clean_logs_give_no_more_false_findings_than_the_rate_allows(journey: Journey) -> None:
    # with nothing real, Benjamini-Hochberg keeps the chance of any finding in a log at the rate (5 %)
    with_findings = [seed for seed in CLEAN_SEEDS if findings(journey, seed).findings]
    assert len(with_findings) <= math.ceil(OPTS.fdr * len(CLEAN_SEEDS)), with_findings


@pytest.mark.parametrize("seed", PLANTED_SEEDS)
def test_every_planted_effect_is_found(journey: Journey, seed: int) -> None:
    plants = scenario()
    result = findings(journey, seed, plants)
    missed = [name for name, plant in planted(plants).items() if not any(found(name, plant, f) for f in result.findings)]
    assert missed == []
    false = [f.title for f in result.findings if not explained(plants, f)]
    assert len(false) <= OPTS.fdr * len(result.findings), false


def _metric(result: Any, kind: str, metric: str, steps: list[str]) -> dict[str, Any]:
    """The finding (or a related one under it) of ``kind`` about ``metric`` at ``steps``."""
    for f in result.findings:
        if f.kind != kind:
            continue
        if f.metric == metric and f.steps == steps:
            return {"baseline": f.baseline, "observed": f.observed, "period": f.period, "interval": f.interval}
        for r in f.details.get("related", []):
            if r["metric"] == metric and r["steps"] == steps:
                return r
    raise AssertionError(f"no {kind} finding about {metric} at {steps}")


def test_the_numbers_behind_planted_findings(journey: Journey) -> None:
    plants = scenario()
    result = findings(journey, PLANTED_SEEDS[0], plants)
    by_kind = {k: [f for f in result.findings if f.kind == k] for k in FINDING_KINDS}
    # checkout: 12 % of visits loop back to the cart, the rest split as designed (0.88 × 10 % refused),
    # and 45 % refused during the incident (0.88 × 45 %)
    loop = next(f for f in by_kind["loop"] if f.steps == ["checkout", "cart"])
    assert loop.interval is not None and loop.interval[0] <= 0.12 <= loop.interval[1]
    failure = _metric(result, "change", "failure", ["checkout"])
    assert failure["baseline"] == pytest.approx(0.88 * 0.10, abs=0.01)
    assert failure["observed"] == pytest.approx(0.88 * 0.45, abs=0.05)
    # the spike: 1,500 extra customers on day 150, against a usual level of about 110 a day
    spike = next(f for f in by_kind["spike"] if f.metric == "new_customers")
    assert spike.period == {"start": day(150), "end": day(151)}
    assert spike.observed - spike.baseline == pytest.approx(1500, abs=100)
    assert spike.details["spike_conversion"] < spike.details["usual_conversion"]
    # the event that appears on day 120 and the one last seen on day 49
    captcha = next(f for f in by_kind["appear"] if f.events == ["captcha_shown"])
    assert captcha.period is not None and captcha.period["start"] == day(120)
    chat = next(f for f in by_kind["vanish"] if f.events == ["chat_widget_loaded"])
    assert chat.period is not None and chat.period["end"] == day(50)
    # every finding carries its numbers, its q-value under the rate, a title and a command
    for f in result.findings:
        assert f.q_value is not None and f.q_value <= OPTS.fdr and f.p_value is not None and f.p_value <= f.q_value
        assert f.title and f.command.startswith("journeymap ") and f.customers >= OPTS.min_customers
    scores = [f.score for f in result.findings]
    assert scores == sorted(scores, reverse=True)


# --- the command on a real store (the journey index) -------------------------------------------------------

@pytest.fixture(scope="module")
def planted_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from journeymap.api import ingest_events

    root = write_workspace(tmp_path_factory.mktemp("findings") / "ws", JOURNEY, name="Plant")
    df = generate(10_000, seed=7, plants=scenario())
    log = root.parent / "log.csv"
    df.assign(ts=df["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(log, index=False)
    ingest_events([log], root)
    return root


def test_findings_json_on_the_store(planted_ws: Path, run_cli: Callable[..., Any]) -> None:
    res = run_cli("findings", "plant", "-w", str(planted_ws), "--format", "json", "--all", "--explain")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert isinstance(data, list) and data
    keys = {"kind", "title", "metric", "steps", "events", "segment", "period", "baseline", "observed", "customers",
            "p_value", "q_value", "score"}
    for row in data:
        assert keys <= set(row), row
        assert row["kind"] in FINDING_KINDS and "SELECT" in (row["sql"] or "")
        assert row["period"] is None or set(row["period"]) == {"start", "end"}
    incident = [r for r in data if r["kind"] == "change" and r["steps"][:1] == ["checkout"]
                and r["period"]["start"] in {day(d) for d in range(97, 104)}]
    assert incident and incident[0]["metric"] in ("failure", "conversion", "transition", "dropoff")


def test_findings_on_the_store_equal_the_expressions(planted_ws: Path) -> None:
    """The journey index and the plain expressions on the same events give the same findings."""
    from journeymap.engine.source import open_source
    from journeymap.model.workspace import load_workspace

    ws = load_workspace(planted_ws)
    journey = ws.journey("plant")
    with open_source(ws) as source:
        on_index = journey_findings(ws, journey, source)
        assert any("journey index" in line for line in on_index.plan)
        plain = EventSource(source.all_events, use_index=False)
        on_events = journey_findings(ws, journey, plain)
    def key(r: Any) -> list[tuple[Any, ...]]:
        return [(f.kind, f.metric, tuple(f.steps), tuple(f.events), json.dumps(f.segment), json.dumps(f.period),
                 f.customers, round(f.observed or 0, 9)) for f in r.findings]

    assert key(on_index) == key(on_events) and key(on_index)


def test_findings_table_csv_and_dutch(planted_ws: Path, run_cli: Callable[..., Any], tmp_path: Path) -> None:
    res = run_cli("findings", "plant", "-w", str(planted_ws), "--top", "3")
    assert res.exit_code == 0, res.output
    assert "1. [" in res.stdout and "journeymap " in res.stdout and "4. [" not in res.stdout
    res = run_cli("findings", "plant", "-w", str(planted_ws), "--format", "csv", "--kind", "spike")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("rank,kind,title,metric,steps") and all(",spike," in ln for ln in lines[1:])
    res = run_cli("findings", "plant", "-w", str(planted_ws), "--kind", "changes")
    assert res.exit_code == 1 and "unknown kind of finding 'changes'" in res.stderr and "change" in res.stderr
    settings = planted_ws / "journeymap.yaml"
    original = settings.read_text(encoding="utf-8")
    settings.write_text(original.replace("language: en", "language: nl"), encoding="utf-8")
    try:
        res = run_cli("findings", "plant", "-w", str(planted_ws), "--format", "json", "--kind", "spike")
    finally:
        settings.write_text(original, encoding="utf-8")
    titles = [r["title"] for r in json.loads(res.stdout)]
    assert titles and all(t.startswith("Piek in nieuwe klanten") or t.startswith("Piek in actieve klanten")
                          for t in titles), titles


def test_the_living_map_carries_the_top_findings_as_badges(planted_ws: Path, tmp_path: Path) -> None:
    from journeymap.livingmap import MAP_FINDINGS, living_map
    from journeymap.model.workspace import load_workspace
    from journeymap.render import render_to_file

    ws = load_workspace(planted_ws)
    overlay = living_map(ws, "plant")
    assert overlay.findings
    scores = [f.score for f in overlay.findings]
    assert scores == sorted(scores, reverse=True)
    shown = {f.title for f in overlay.findings[:MAP_FINDINGS]}
    for f in overlay.findings:
        for step in f.steps:
            assert (f.title in overlay.steps[step].findings) == (f.title in shown)
    badged = [s for s, m in overlay.steps.items() if m.findings]
    assert badged
    html = render_to_file(ws, "plant", tmp_path / "map.html", overlay=overlay).read_text(encoding="utf-8")
    assert "Needs attention" in html and "⚑" in html


def test_the_report_puts_the_findings_first(planted_ws: Path, tmp_path: Path) -> None:
    """"What needs attention" opens with the findings engine's findings in rank order (the same list as the
    command's), and the findings table has every one of them, its CSV the command's CSV."""
    import base64
    import re
    from html import unescape
    from io import StringIO

    import pandas as pd

    from journeymap import api
    from journeymap.engine.attention import FINDINGS_SHOWN

    found = api.findings("plant", planted_ws).findings
    assert found
    html = api.report("plant", tmp_path / "r.html", planted_ws).read_text(encoding="utf-8")
    attention = html[html.index('id="attention"'):html.index("</section>", html.index('id="attention"'))]
    items = re.findall(r'<li class="finding (\w+)" data-kind="(\w[\w-]*)"( data-finding="(\w+)")?', attention)
    kinds = [k for _, k, _, _ in items]
    n = min(len(found), FINDINGS_SHOWN)
    assert kinds[:n] == ["finding"] * n and "finding" not in kinds[n:]
    assert [fk for _, _, _, fk in items[:n]] == [f.kind for f in found[:n]]
    titles = [unescape(t) for t in re.findall(r"<strong>(.*?)</strong>", attention)][:n]
    assert titles == [f.title for f in found[:n]]
    href = re.search(r'download="plant-findings.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"', html)
    assert href is not None
    table = pd.read_csv(StringIO(base64.b64decode(href.group(1)).decode("utf-8")))
    assert list(table["title"]) == [f.title for f in found]


def test_findings_are_kept_and_read_back_the_same(planted_ws: Path, tmp_path: Path) -> None:
    """The second time, the findings are read from the journey index, equal to the first; a change to the
    journey (a step's name: the titles say it) or to the settings computes them again."""
    import shutil

    from journeymap.engine.source import open_source
    from journeymap.model.workspace import load_workspace

    ws_dir = tmp_path / "ws"
    shutil.copytree(planted_ws, ws_dir)
    ws = load_workspace(ws_dir)
    journey = ws.journey("plant")

    def kept() -> set[Path]:
        return set((ws_dir / "data" / "cache").rglob("findings-result-*.duckdb"))

    before = kept()
    with open_source(ws) as source:
        first = journey_findings(ws, journey, source)
    assert len(kept() - before) == 1  # (the copy's commands name its own folder: a result of its own)
    before = kept()
    with open_source(ws) as source:
        again = journey_findings(ws, journey, source)
    assert kept() == before
    assert first.findings
    assert [f.as_dict(explain=True) for f in again.findings] == [f.as_dict(explain=True) for f in first.findings]
    assert (again.tests, again.significant) == (first.tests, first.significant)
    renamed = journey.model_copy(deep=True)
    step = next(s for s in renamed.steps if s.id == first.findings[0].steps[0]) if first.findings[0].steps else None
    if step is not None:
        step.name = "Renamed step"
    with open_source(ws) as source:
        other = journey_findings(ws, renamed, source, FindingsOptions(fdr=0.01))
    assert len(kept() - before) == 1
    assert all(f.q_value is not None and f.q_value <= 0.01 for f in other.findings)
    if step is not None:
        assert any("Renamed step" in f.title for f in other.findings)
