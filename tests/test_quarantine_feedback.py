"""Feedback's quarantined rows are as visible as the events': in `quarantine`, its export and `status`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from journeymap.events.demo import create_demo
from journeymap.model.workspace import Workspace, load_workspace
from journeymap.voc.demo import generate_feedback
from journeymap.voc.ingest import ingest_feedback


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, tuple[int, int]]:
    root = create_demo(tmp_path_factory.mktemp("q") / "shop", customers=800, lang="en", quiet=True).root
    ws = load_workspace(root)
    path = generate_feedback(ws, seed=2)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ingest_feedback(ws, [path], quiet=True)
    # rows with a metric are survey answers (the three planted bad rows are answers), the others are texts
    return ws, (sum(1 for r in rows if r["metric"]) - 3, sum(1 for r in rows if not r["metric"]))


def test_quarantine_lists_feedback_rows(shop: tuple[Workspace, tuple[int, int]], run_cli) -> None:  # type: ignore[no-untyped-def]
    ws, _ = shop
    res = run_cli("quarantine", "-w", ws.root, "--limit", "1000")
    assert res.exit_code == 0, res.output
    # the demo plants three bad feedback rows, one of each kind
    assert "feedback: missing customer id: 1" in res.stdout
    assert "feedback: score outside the nps scale 0–10: 1" in res.stdout
    shown = [line for line in res.stdout.splitlines() if line.startswith("feedback ")]
    assert len(shown) == 3 and all("feedback.csv:" in line for line in shown)


def test_quarantine_filters_and_exports_feedback_reasons(shop: tuple[Workspace, tuple[int, int]], run_cli,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    ws, _ = shop
    res = run_cli("quarantine", "-w", ws.root, "--reason", "missing customer id")
    assert res.exit_code == 0, res.output
    listed = [line for line in res.stdout.splitlines() if ": missing customer id: {" in line]
    assert [line.split(" ", 1)[0] for line in listed].count("feedback") == 1
    out = tmp_path / "q.jsonl"
    assert run_cli("quarantine", "-w", ws.root, "--export", out).exit_code == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(1 for r in exported if r["data"] == "feedback") == 3
    bad = run_cli("quarantine", "-w", ws.root, "--reason", "missing customer")
    assert bad.exit_code == 1 and "did you mean 'missing customer id'?" in bad.stderr


def test_status_counts_feedback(shop: tuple[Workspace, tuple[int, int]], run_cli) -> None:  # type: ignore[no-untyped-def]
    ws, (want_answers, want_texts) = shop
    res = run_cli("status", "-w", ws.root)
    assert res.exit_code == 0, res.output
    (line,) = [x for x in res.stdout.splitlines() if x.startswith("feedback:")]
    answers = int(line.split(": ")[1].split(" survey")[0].replace(",", ""))
    texts = int(line.split("answers, ")[1].split(" texts")[0].replace(",", ""))
    assert "quarantined 3 (" in line
    assert (answers, texts) == (want_answers, want_texts)
