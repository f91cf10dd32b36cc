"""Feedback ingest: every row stored, quarantined with a reason, or a duplicate; re-ingest adds nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from journeymap.errors import JourneymapError
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace
from journeymap.voc.ingest import ingest_feedback

SURVEY = """response_id,customer_id,ts,step,metric,score,comment
r1,c1,2026-03-01 10:06:00,payment,csat,5,Quick and easy payment
r2,c1,2026-03-03 13:00:00,delivery,nps,3,The parcel arrived late and damaged
r3,c2,2026-03-05 16:00:00,delivry,nps,9,
r4,c2,2026-03-05 16:00:00,delivery,nps,11,great
r5,c2,2026-03-06 09:00:00,customer-service,ces,6,Het ging prima
r6,,2026-03-06 09:00:00,customer-service,ces,6,
r7,c3,yesterday,payment,csat,4,
r8,c3,2026-03-04 09:00:00,payment,xps,4,
r9,c3,2026-03-04 09:00:00,payment,csat,four,
r10,c3,2026-03-04 09:00:00,payment,csat,0,
r11,c3,2026-03-04 09:00:00,,nps,8,
r12,c3,2099-03-04 09:00:00,payment,csat,4,
"""


def rows(ws: Workspace, sql: str) -> list[tuple]:
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_survey_rows_are_stored_or_quarantined_with_reasons(ws_events: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    report = ingest_feedback(ws_events, [path], quiet=True)
    f = report.files[0]
    assert (f.kind, f.read, f.stored, f.quarantined, f.duplicates) == ("survey", 12, 4, 8, 0)
    assert f.reasons == {
        "missing customer id": 1,
        "unparsable time": 1,
        "unknown metric 'xps' (expected one of: ces, csat, nps)": 1,
        "score is not a number": 1,
        "score outside the nps scale 0–10": 1,
        "score outside the csat scale 1–5": 1,
        "time in the future": 1,
        "unknown step 'delivry' in journey 'webshop'; did you mean 'delivery'? "
        "expected one of: checkout, customer-service, delivery, payment": 1,
    }
    stored = rows(ws_events, "SELECT response_id, step, channel, metric, score, comment, language, sentiment_label "
                             "FROM feedback ORDER BY response_id")
    assert stored == [
        ("r1", "payment", "web", "csat", 5.0, "Quick and easy payment", "en", "positive"),
        ("r11", None, None, "nps", 8.0, None, None, None),  # no step: feedback on the relationship, kept
        ("r2", "delivery", "post", "nps", 3.0, "The parcel arrived late and damaged", "en", "negative"),
        ("r5", "customer-service", "phone", "ces", 6.0, "Het ging prima", "nl", "positive"),
    ]
    quarantined = rows(ws_events, "SELECT line, reason FROM feedback_quarantine ORDER BY line")
    assert [q[0] for q in quarantined] == [4, 5, 7, 8, 9, 10, 11, 13]


def test_reingest_adds_nothing(ws_events: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    ingest_feedback(ws_events, [path], quiet=True)
    again = ingest_feedback(ws_events, [path], quiet=True)
    f = again.files[0]
    assert (f.stored, f.quarantined, f.duplicates) == (0, 8, 4)
    assert again.feedback_rows == 4
    assert rows(ws_events, "SELECT count(*) FROM feedback_quarantine") == [(8,)]


def test_interaction_texts_with_event_references_bad_json_and_empty_text(ws_events: Workspace,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(
        '{"customer_id": "c2", "ts": "2026-03-06T11:10:00", "channel": "chat", "event": "support_call", '
        '"text": "Ik sta al 20 minuten in de wacht!"}\n'
        '{"customer_id": "c1", "ts": "2026-03-06T11:10:00", "channel": "email", "text": "  "}\n'
        "not json\n"
        '{"customer_id": "c3", "ts": "2026-03-06T11:10:00", "event": "wishlist_added", "text": "hi"}\n'
        '{"customer_id": "c3", "ts": "2026-03-07T11:10:00", "event": "payment_failed", "kind": "e-mail", '
        '"text": "Das Paket ist nicht angekommen"}\n',
        encoding="utf-8",
    )
    report = ingest_feedback(ws_events, [path], quiet=True)
    f = report.files[0]
    assert (f.kind, f.read, f.stored, f.quarantined) == ("interactions", 5, 2, 3)
    assert f.reasons == {"empty text": 1, "invalid JSON": 1,
                         "event 'wishlist_added' is on no step of journey 'webshop'": 1}
    stored = rows(ws_events, "SELECT customer_id, step, channel, kind, language, sentiment_label "
                             "FROM interactions ORDER BY customer_id")
    assert stored == [
        ("c2", "customer-service", "chat", "chat", "nl", "negative"),
        ("c3", "payment", "web", "email", "unknown", "neutral"),  # glob payment_* binds; German labelled unknown
    ]


def test_invalid_utf8_line_is_quarantined_not_fatal(ws_events: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"customer_id,ts,step,metric,score,comment\n"
        b"c1,2026-03-01 10:00:00,payment,csat,4,fine\n"
        b"c2,2026-03-01 10:00:00,payment,csat,2,caf\xe9 was slecht\n"
        b"c3,2026-03-01 10:00:00,payment,csat,5,top\n"
    )
    f = ingest_feedback(ws_events, [path], quiet=True).files[0]
    assert (f.read, f.stored, f.quarantined, f.duplicates) == (3, 2, 1, 0)
    assert f.reasons == {"invalid UTF-8": 1}


def test_customer_ids_are_stitched_to_the_events(ws: Workspace, tmp_path: Path) -> None:
    from voc_helpers import write_events

    # the events know raw id "web-42" as customer "c9"
    write_events(ws, [("c9", "2026-03-01 10:00:00", "checkout_started", "loyal-fan")])
    con = duckdb.connect(str(store_path(ws)))
    con.execute("UPDATE events SET raw_customer_id = 'web-42'")
    con.close()
    path = tmp_path / "s.csv"
    path.write_text("customer_id,ts,step,metric,score\nweb-42,2026-03-01 11:00:00,checkout,csat,4\n", encoding="utf-8")
    ingest_feedback(ws, [path], quiet=True)
    assert rows(ws, "SELECT customer_id FROM feedback") == [("c9",)]


def test_column_mapping_and_unusable_files(ws_events: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("klant;datum;touch;type;cijfer\nc1;2026-03-01 11:00:00;checkout;nps;10\n", encoding="utf-8")
    with pytest.raises(JourneymapError, match="no customer_id column"):
        ingest_feedback(ws_events, [path], quiet=True, columns={"metric": "type", "score": "cijfer"})
    report = ingest_feedback(ws_events, [path], quiet=True,
                             columns={"customer_id": "klant", "ts": "datum", "step": "touch", "metric": "type",
                                      "score": "cijfer"})
    assert report.files[0].stored == 1
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(JourneymapError, match="neither survey answers .* it has: a, b"):
        ingest_feedback(ws_events, [other], quiet=True)


def test_failed_ingest_leaves_the_store_unchanged(ws_events: Workspace, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("customer_id,ts,step,metric,score\nc1,2026-03-01 11:00:00,checkout,nps,10\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(JourneymapError):
        ingest_feedback(ws_events, [good, bad], quiet=True)
    con = duckdb.connect(str(store_path(ws_events)), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert "feedback" not in tables
