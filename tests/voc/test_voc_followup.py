"""Follow-ups, the customer timeline, themes, and the commands that show them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.model.workspace import Workspace
from journeymap.voc.followup import customer_journey, export_followups, followups, parse_since
from journeymap.voc.ingest import ingest_feedback
from journeymap.voc.themes import extract_themes, stem

NOW = dt.datetime(2026, 3, 10)


def _feedback(ws: Workspace, tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "response_id,customer_id,ts,step,metric,score,comment\n"
        "r1,c1,2026-03-08 10:00:00,delivery,nps,3,Het pakket kwam te laat\n"    # detractor, in period
        "r2,c2,2026-03-08 10:00:00,delivery,nps,9,Top\n"                         # promoter
        "r3,c3,2026-02-01 10:00:00,delivery,nps,0,\n"                            # detractor, before the period
        "r4,c2,2026-03-09 10:00:00,customer-service,ces,2,\n",                   # hard CES, in period
        encoding="utf-8")
    texts = tmp_path / "chat.csv"
    texts.write_text(
        "customer_id,ts,channel,step,text\n"
        "c1,2026-03-09 09:00:00,chat,customer-service,Ik stond een uur in de wacht en niemand belde terug!\n"
        "c3,2026-03-09 09:00:00,chat,customer-service,Wanneer komt mijn pakket?\n",
        encoding="utf-8")
    ingest_feedback(ws, [survey, texts], quiet=True, now=NOW)


def test_parse_since() -> None:
    assert parse_since("7d", NOW) == dt.datetime(2026, 3, 3)
    assert parse_since("12h", NOW) == dt.datetime(2026, 3, 9, 12)
    assert parse_since("2w", NOW) == dt.datetime(2026, 2, 24)
    assert parse_since("2026-03-01", NOW) == dt.datetime(2026, 3, 1)
    with pytest.raises(JourneymapError, match="expected a period such as 7d"):
        parse_since("last week", NOW)


def test_followups_pick_low_scores_and_negative_texts_in_the_period(ws_events: Workspace, tmp_path: Path) -> None:
    _feedback(ws_events, tmp_path)
    items = followups(ws_events, "7d", now=NOW)
    assert [f.customer_id for f in items] == ["c1", "c2"]  # c1 has two reasons, so comes first
    c1, c2 = items
    assert c1.reasons[0] == "nps 3 at delivery: Het pakket kwam te laat"
    assert c1.reasons[1].startswith("chat (-")
    assert c2.reasons == ["ces 2 at customer-service"]
    # the timeline holds c1's events and feedback in time order
    kinds = [(t.kind, t.what) for t in c1.timeline]
    assert kinds == [("event", "checkout_started"), ("event", "payment_completed"), ("event", "parcel_delivered"),
                     ("survey", "nps 3"), ("text", "chat")]


def test_export_csv_and_json(ws_events: Workspace, tmp_path: Path) -> None:
    _feedback(ws_events, tmp_path)
    items = followups(ws_events, "7d", now=NOW)
    out_csv = export_followups(items, tmp_path / "out" / "followup.csv")
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == len(items[0].timeline) + len(items[1].timeline)
    assert {r["customer_id"] for r in rows} == {"c1", "c2"}
    out_json = export_followups(items, tmp_path / "followup.json")
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data[0]["customer_id"] == "c1" and data[0]["timeline"][3]["what"] == "nps 3"
    with pytest.raises(JourneymapError, match="use a .csv or .json"):
        export_followups(items, tmp_path / "followup.xlsx")
    assert not (tmp_path / "followup.xlsx").exists()


def test_customer_journey(ws_events: Workspace, tmp_path: Path) -> None:
    _feedback(ws_events, tmp_path)
    cj = customer_journey(ws_events, "c1")
    assert (cj.answers, cj.messages) == (1, 1)
    assert cj.channels == ["chat", "post", "web"]
    # every event carries the step of the map its binding matches (the issue: the column was empty)
    assert [(i.what, i.step) for i in cj.timeline] == [
        ("checkout_started", "checkout"), ("payment_completed", "payment"), ("parcel_delivered", "delivery"),
        ("nps 3", "delivery"), ("chat", "customer-service")]
    with pytest.raises(JourneymapError, match="no events, answers or messages for customer 'nobody'"):
        customer_journey(ws_events, "nobody")


def test_themes_merge_variants_and_count_texts() -> None:
    assert stem("pakketten") == stem("pakket") == "pakket"
    assert stem("deliveries") == stem("delivery")
    texts = ["Het pakket kwam te laat", "Pakketten komen altijd te laat", "De bezorger was onvriendelijk",
             "pakket beschadigd"]
    themes = {t.phrase: t for t in extract_themes(texts, top=3)}
    assert themes["pakket"].count == 3  # three texts mention a parcel, in two wordings
    assert themes["laat"].count == 2
    assert themes["pakket"].examples[0] == "Het pakket kwam te laat"


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from journeymap.cli import main

    monkeypatch.setattr(sys, "argv", ["journeymap", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_commands(ws_events: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> None:
    w = ["-w", str(ws_events.root)]
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,ts,step,metric,score\nc1,2026-03-01 10:00:00,checkot,nps,7\n", encoding="utf-8")
    code, out = run_cli(["ingest", "feedback", str(bad), "-q", *w], monkeypatch, capsys)
    assert code == 0
    assert "read 1 = stored 0 + quarantined 1 + duplicates 0" in out
    assert "unknown step 'checkot'" in out and "did you mean 'checkout'?" in out
    code, out = run_cli(["sentiment", "Ik ben niet teruggebeld"], monkeypatch, capsys)
    assert code == 0 and out.startswith("negative") and " nl " in out
    code, out = run_cli(["sentiment", "--eval", "bundled"], monkeypatch, capsys)
    assert code == 0 and "nl: accuracy" in out and "en: accuracy" in out
    code, out = run_cli(["sentiment"], monkeypatch, capsys)
    assert code == 1 and "give a TEXT, --file FILE or --eval" in out and "Traceback" not in out
    code, out = run_cli(["feedback", "--by", "stap", *w], monkeypatch, capsys)
    assert code == 1 and "cannot group feedback by 'stap'" in out
    _feedback(ws_events, tmp_path)
    code, out = run_cli(["feedback", "--by", "step", *w], monkeypatch, capsys)
    # NPS at delivery: 3 answers (too few to judge); CES at customer service: 1 answer, which has no spread
    assert code == 0 and "too few answers (n < 5)" in out and "one answer: no interval" in out
    code, out = run_cli(["feedback", "webshop", "--by", "step", "--format", "csv", *w], monkeypatch, capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["metric"], r["group"], r["n"], r["note"]) for r in rows} == {
        ("nps", "delivery", "3", "too_few"), ("ces", "customer-service", "1", "no_interval")}
    code, out = run_cli(["feedback", "--peak-end", *w], monkeypatch, capsys)
    assert code == 0 and "Peak-end over 3 customers" in out  # c1, c2 and c3 each have two scored touchpoints
    code, out = run_cli(["followup", "--since", "7d", "--as-of", "2026-03-10", "--export",
                         str(tmp_path / "f.csv"), *w], monkeypatch, capsys)
    assert code == 0 and "Wrote 2 customers" in out
    code, out = run_cli(["followup", "--since", "1d", "--as-of", "2026-06-01", *w], monkeypatch, capsys)
    assert code == 0 and "Nobody to follow up since 1d. The newest feedback is from 2026-03-09 10:00:00" in out
    code, out = run_cli(["customer", "c1", *w], monkeypatch, capsys)
    assert code == 0 and "c1: 5 moments" in out
    code, out = run_cli(["customer", "c1", "--format", "json", *w], monkeypatch, capsys)
    steps = [(m["what"], m["step"]) for m in json.loads(out)["timeline"]]
    assert steps[:3] == [("checkout_started", "checkout"), ("payment_completed", "payment"),
                         ("parcel_delivered", "delivery")]
    code, out = run_cli(["followup", "--since", "7d", "--as-of", "2026-03-10", "-n", "2", *w], monkeypatch, capsys)
    # the timeline it promises: c1's latest two moments under its reasons, with channel and step
    assert code == 0 and "timeline (latest 2):" in out
    assert "2026-03-08 10:00:00  post  delivery  nps 3" in out  # the answer's channel: its step's (post)
    assert "2026-03-09 09:00:00  chat  customer-service  chat" in out
