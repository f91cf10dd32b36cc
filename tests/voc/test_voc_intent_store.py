"""Intent in the feedback store, in follow-ups and on the command line; older stores keep working."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import duckdb
import typer.main
from voc_helpers import store_rows

from journeymap.cli import app
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace
from journeymap.voc.feedback_store import open_interactions
from journeymap.voc.followup import export_followups, followups
from journeymap.voc.ingest import ingest_feedback
from journeymap.voc.sentiment import sentiment

NOW = dt.datetime(2026, 3, 10)
TEXTS = """customer_id,ts,channel,step,text
c1,2026-03-08 09:00:00,chat,customer-service,Wanneer komt de monteur?
c2,2026-03-08 10:00:00,email,customer-service,Graag mijn abonnement opzeggen per 1 april.
c3,2026-03-08 11:00:00,chat,customer-service,Al tien dagen geen reactie op mijn e-mail.
c4,2026-03-09 11:00:00,chat,customer-service,Ik stap over naar een andere leverancier.
c3,2026-03-09 12:00:00,chat,customer-service,Nog steeds niets gehoord en niemand belt terug!
"""
SURVEY = """response_id,customer_id,ts,step,metric,score,comment
r1,c5,2026-03-08 10:00:00,delivery,nps,9,Binnen een dag geleverd
"""



def _ingest(ws: Workspace, tmp_path: Path, name: str = "texts.csv", text: str = TEXTS) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ingest_feedback(ws, [path], quiet=True, now=NOW)


def test_ingest_stores_each_texts_intent_and_its_score(ws: Workspace, tmp_path: Path) -> None:
    _ingest(ws, tmp_path)
    _ingest(ws, tmp_path, "survey.csv", SURVEY)
    stored = store_rows(ws, "SELECT text, language, intent, intent_score FROM interactions ORDER BY ts")
    for text, language, intent, score in stored:
        expected = sentiment(text, language)  # the same backend, called on its own
        assert (intent, score) == (expected.intent, expected.intents[expected.intent] if expected.intent != "none"
                                   else 0.0)
    assert [s[2] for s in stored] == ["question", "churn", "complaint", "churn", "complaint"]
    assert store_rows(ws, "SELECT intent FROM feedback") == [("praise",)]


def test_an_older_store_reads_and_gets_its_intents_on_the_next_ingest(ws: Workspace, tmp_path: Path) -> None:
    _ingest(ws, tmp_path)
    con = duckdb.connect(str(store_path(ws)))  # make it a store from before intents
    for table in ("feedback", "interactions"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN intent")
        con.execute(f"ALTER TABLE {table} DROP COLUMN intent_score")
    con.close()
    old = open_interactions(ws).execute()  # reading still works: the intent reads as missing
    assert len(old) == 5 and old["intent"].isna().all()
    # no intents yet: the polite cancellation (c2) is not followed up, the rest by their number of reasons
    assert [(f.customer_id, f.churn) for f in followups(ws, "7d", now=NOW)] == [("c3", False), ("c4", False)]
    _ingest(ws, tmp_path, "survey.csv", SURVEY)
    assert store_rows(ws, "SELECT count(*) FROM interactions WHERE intent IS NULL") == [(0,)]
    assert store_rows(ws, "SELECT intent FROM interactions WHERE customer_id = 'c4'") == [("churn",)]


def test_ingest_reads_the_workspaces_own_rules(ws: Workspace, tmp_path: Path) -> None:
    text = "customer_id,ts,channel,step,text\nc9,2026-03-08 09:00:00,chat,customer-service," \
           "De bezorger gooide het pakket over de schutting.\n"
    _ingest(ws, tmp_path, "one.csv", text)
    assert store_rows(ws, "SELECT sentiment_label, intent FROM interactions") == [("neutral", "none")]
    (ws.root / "sentiment-rules.yaml").write_text(
        "nl:\n  rules:\n    thrown:\n      kind: failure\n      patterns: ['gooide ... over']\n", encoding="utf-8")
    _ingest(ws, tmp_path, "two.csv", text.replace("c9", "c8"))
    assert store_rows(ws, "SELECT sentiment_label, intent FROM interactions WHERE customer_id = 'c8'") == [
        ("negative", "complaint")]


def test_followup_lists_churn_intent_first_even_when_polite(ws: Workspace, tmp_path: Path) -> None:
    _ingest(ws, tmp_path)
    items = followups(ws, "7d", now=NOW)
    # c2 (a polite, neutral cancellation) and c4 (switching) have churn intent, c3 two negative messages
    assert [(f.customer_id, f.churn) for f in items] == [("c2", True), ("c4", True), ("c3", False)]
    assert items[0].reasons == ["email (-0.06) [churn intent]: Graag mijn abonnement opzeggen per 1 april."]
    out = tmp_path / "followup.csv"  # the spreadsheet keeps its columns: churn shows in the reasons and the order
    export_followups(items, out)
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["customer_id"], "[churn intent]" in r["reasons"]) for r in table] == [
        ("c2", True), ("c4", True), ("c3", False), ("c3", False)]
    data = json.loads(export_followups(items, tmp_path / "followup.json").read_text(encoding="utf-8"))
    assert [(d["customer_id"], d["churn"], [t["intent"] for t in d["timeline"]]) for d in data] == [
        ("c2", True, ["churn"]), ("c4", True, ["churn"]), ("c3", False, ["complaint", "complaint"])]


def test_cli_shows_intent_and_explains(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("sentiment", "Ik stap over naar een andere leverancier.")
    # two churn phrases ("stap over", "andere leverancier"), -2.2 each: -4.4 / sqrt(4.4² + 15) = -0.751
    assert result.exit_code == 0 and result.stdout.split()[:4] == ["negative", "-0.751", "nl", "churn"]
    data = json.loads(run_cli("sentiment", "Could you call me back?", "--json").stdout)
    assert data[0]["intent"] == "request" and set(data[0]["intents"]) == {
        "complaint", "question", "praise", "churn", "request"}
    out = run_cli("sentiment", "--explain", "Top service weer, drie uur in de wacht.").stdout
    assert "drie uur in de wacht" in out and "nl.waiting (failure)" in out
    assert re.search(r"nl\.waiting \(failure\) journeymap/voc/data/service_rules\.yaml:\d+", out)
    assert "sum -3.40 → score -0.660: negative" in out


def test_cli_rules_file_mistake_is_a_clean_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "sentiment-rules.yaml"
    bad.write_text("nl:\n  rules:\n    late:\n      kind: late\n      patterns: [te laat]\n", encoding="utf-8")
    result = run_cli("sentiment", "Te laat", "--rules", bad)
    assert result.exit_code == 1
    assert f"{bad}:4: unknown kind 'late' in rule nl.late; expected one of:" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    # the workspace's own file is read without --rules
    result = run_cli("sentiment", "Te laat", "-w", tmp_path)
    assert result.exit_code == 1 and "unknown kind 'late'" in result.stderr + result.stdout
    assert run_cli("sentiment", "x", "--split", "dev1").exit_code == 1


def test_cli_eval_reports_intent_churn_recall_and_question_swaps(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("sentiment", "--eval", "service", "--split", "dev1").stdout
    assert re.search(r"nl: accuracy [\d.]+ % \(\d+/68\), intent [\d.]+ % \(\d+/68\)", out)
    assert re.search(r"churn intent: recall [\d.]+ % \(\d+/16\)", out)
    assert "questions:" in out
    result = run_cli("sentiment", "--eval", "service", "--split", "dev9")
    assert result.exit_code == 1 and "has no split 'dev9'" in result.stderr + result.stdout


def test_every_option_of_the_voc_commands_is_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    common = docs.split("## Common options", 1)[1].split("\n## ", 1)[0]  # --format, --quiet, --workspace …
    for name in ("sentiment", "followup"):
        section = docs.split(f"## `journeymap {name}`", 1)[1].split("\n## ", 1)[0]
        for param in root.commands[name].params:  # type: ignore[attr-defined]
            if getattr(param, "hidden", False):  # a deprecated alias (--json), kept working but not shown
                continue
            opts = [o for o in getattr(param, "opts", []) if o.startswith("--") and o not in ("--workspace",)]
            for opt in opts:
                assert opt in section or opt in common, f"docs/cli.md, journeymap {name}: no word on {opt}"
