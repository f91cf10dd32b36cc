"""Demo feedback: fits the demo's events, is reproducible, ingests cleanly except three planted bad rows."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from journeymap.events.demo import INCIDENT_END, INCIDENT_START, create_demo
from journeymap.events.store import store_path
from journeymap.model.workspace import load_workspace
from journeymap.results import MapOverlay
from journeymap.voc.demo import generate_feedback
from journeymap.voc.emotion import add_to_overlay
from journeymap.voc.ingest import ingest_feedback


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = create_demo(tmp_path_factory.mktemp("demo") / "shop", customers=4000, lang="nl", quiet=True).root
    return load_workspace(root)


def test_demo_feedback_ingests_and_reaches_the_map(demo_ws) -> None:  # type: ignore[no-untyped-def]
    path = generate_feedback(demo_ws, seed=3)
    first = path.read_bytes()
    assert generate_feedback(demo_ws, seed=3).read_bytes() == first  # same seed, same file
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    report = ingest_feedback(demo_ws, [path], quiet=True)
    f = report.files[0]
    assert (f.kind, f.read, f.quarantined, f.duplicates) == ("mixed", len(rows), 3, 0)
    assert set(f.reasons) == {"missing customer id", "score outside the nps scale 0–10",
                              "unknown step 'delivry' in journey 'webshop'; did you mean 'delivery'? expected one of: "
                              "add-to-cart, cart-reminder, chat-question, checkout, customer-service, delivery, "
                              "order-confirmation, payment, product-page, referral, repeat-purchase, review-request, "
                              "reviews, search-landing, social-ad"}
    con = duckdb.connect(str(store_path(demo_ws)), read_only=True)
    langs = {r[0] for r in con.execute("SELECT DISTINCT language FROM feedback WHERE comment IS NOT NULL").fetchall()}
    unknown_customers = con.execute(
        "SELECT count(*) FROM feedback WHERE customer_id NOT IN (SELECT customer_id FROM events)").fetchone()
    con.close()
    assert langs == {"nl"}
    assert unknown_customers == (0,)
    overlay = add_to_overlay(MapOverlay(), demo_ws, "webshop")
    assert {"payment", "delivery", "customer-service", "chat-question"} <= set(overlay.emotions)
    assert any(n.startswith("Verwacht vs ontvangen") for n in overlay.notes)


def test_payment_scores_drop_during_the_incident(demo_ws) -> None:  # type: ignore[no-untyped-def]
    # A response comes 20 minutes to a day after its payment, so the first day of the incident and the
    # day after it are left out (their payments may lie on the other side); five seeds pool enough
    # responses from the two incident weeks to tell the drop from chance.
    day = dt.timedelta(days=1)
    inside, outside = [], []
    for seed in range(5, 10):
        path = generate_feedback(demo_ws, seed=seed)
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["step"] == "payment" and row["metric"] == "csat" and row["response_id"].startswith("fb"):
                    ts = dt.datetime.fromisoformat(row["ts"])
                    if INCIDENT_START + day <= ts < INCIDENT_END:
                        inside.append(int(row["score"]))
                    elif ts < INCIDENT_START or ts >= INCIDENT_END + day:
                        outside.append(int(row["score"]))
    assert len(inside) >= 20 and len(outside) >= 500
    # the generator lowers the mean by 1.8 points (sd 0.9, scores clipped to 1-5): a drop of over one
    # point is far outside chance
    assert sum(outside) / len(outside) - sum(inside) / len(inside) > 1.0


def test_feedback_for_a_given_customer_list(tmp_path: Path) -> None:
    from voc_helpers import write_workspace

    ws = write_workspace(tmp_path / "shop")
    path = generate_feedback(ws, customers=[f"k{i}" for i in range(300)], seed=1)
    with path.open(encoding="utf-8") as fh:
        customers = {r["customer_id"] for r in csv.DictReader(fh)}
    assert customers - {""} <= {f"k{i}" for i in range(300)}
    assert len(customers) > 50
