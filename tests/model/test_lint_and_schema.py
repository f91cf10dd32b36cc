"""Lint advice and the JSON Schema."""

from __future__ import annotations

import datetime as dt
import json

from journeymap.model import load_workspace
from journeymap.model.lint import lint_workspace

FILES = {
    "journeymap.yaml": "name: L\nlanguage: en\n",
    "personas/p.yaml": "id: p\nname: Pat\n",
    "journeys/j.yaml": """
        id: j
        title: J
        review_date: 2026-01-01
        kpi: {name: NPS}
        stages:
          - id: s
            name: S
        steps:
          - id: a
            name: A
            stage: s
            channel: web
            emotion: {score: -1}
            pain_points:
              - Slow page
            kpis:
              - {name: Load time, target: 2s}
            binding: {events: [page_view]}
          - id: b
            name: B
            stage: s
            channel: web
            owner: Web team
            moment_of_truth: 5
            emotion: {score: 1}
            pain_points:
              - text: Confusing form
                provenance: reported
                source: usability test 2026-10
        opportunities:
          - id: o
            title: Faster pages
            owner: Web team
    """,
}


def test_lint_gives_each_piece_of_advice_once(make_workspace):
    ws = load_workspace(make_workspace(FILES))
    advice = lint_workspace(ws, today=dt.date(2026, 11, 23))
    codes = sorted(d.code for d in advice)
    # by hand: review date 2026-01-01 is 326 days before 2026-11-23; both emotions assumed;
    # the journey KPI has no target; 'Slow page' has no owner (step a has none) and no source;
    # step b is a moment of truth of weight 5 without KPIs and has no binding.
    assert codes == sorted(["review-overdue", "emotions-all-assumed", "kpi-no-target", "pain-no-owner",
                            "pain-no-evidence", "mot-no-kpi", "no-binding"])
    overdue = next(d for d in advice if d.code == "review-overdue")
    assert "(2026-01-01, 326 days ago)" in overdue.message
    assert overdue.line == 3 and overdue.level == "advice"


def test_lint_command_exit_codes(make_workspace, run_cli):
    root = make_workspace(FILES)
    result = run_cli("lint", str(root))
    assert result.exit_code == 0
    assert "advice: pain point 'Slow page' in step 'a' has no owner" in result.stdout
    assert run_cli("lint", str(root), "--strict").exit_code == 1


def test_schema_describes_the_model(run_cli, tmp_path):
    result = run_cli("schema")
    schema = json.loads(result.stdout)
    step = schema["$defs"]["Step"]
    assert step["additionalProperties"] is False
    assert {"stage", "channel", "pain_points", "moment_of_truth", "binding", "next"} <= set(step["properties"])
    persona = json.loads(run_cli("schema", "--kind", "persona").stdout)
    assert set(persona["properties"]["role"]["enum"]) == {
        "initiator", "user", "influencer", "decider", "buyer", "gatekeeper", "customer"}
    out = tmp_path / "persona.schema.json"
    assert run_cli("schema", "--kind", "persona", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["title"] == "Persona"
    bad = run_cli("schema", "--kind", "jorney")
    assert bad.exit_code == 1 and "did you mean 'journey'?" in bad.stderr
