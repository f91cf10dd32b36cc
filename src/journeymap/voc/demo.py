"""Demo feedback for the webshop demo: survey answers and customer texts that fit the demo's events.

For customers in the event store (or a given list), :func:`generate_feedback` writes one
CSV (``data/demo-feedback.csv``) holding both survey answers and texts, in the workspace's
language:

* CSAT after ``payment_completed`` (about 1 in 5), NPS after ``parcel_delivered`` (1 in 4),
  CES after ``support_call`` (2 in 5), each with a comment about half of the time;
* chat messages at ``chat_started``, e-mails after a ``payment_failed`` event;
* worse during the demo's payment incident (``events.demo.INCIDENT_START`` to
  ``INCIDENT_END``): payment scores drop and failed-payment e-mails turn angry;
* personas differ: bargain hunters are harsher on delivery, loyal fans kinder overall;
* three deliberately bad rows (a score outside its scale, an unknown step, an empty
  customer id) so the quarantine has something to show.

Scores and comments are drawn with a seeded generator: the same seed gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from journeymap.errors import JourneymapError
from journeymap.model.yamlio import atomic_write_text

if TYPE_CHECKING:
    from journeymap.model.workspace import Workspace

DEMO_FEEDBACK_FILE = "demo-feedback.csv"
COLUMNS = ("response_id", "interaction_id", "customer_id", "ts", "step", "metric", "score", "comment", "channel",
           "kind", "text")

#: (event, step, metric, response rate)
SURVEYS = (("payment_completed", "payment", "csat", 0.2), ("parcel_delivered", "delivery", "nps", 0.25),
           ("support_call", "customer-service", "ces", 0.4))
COMMENT_RATE = 0.5
CHAT_RATE = 0.6

# Comments per language, step and mood (neg / neu / pos).
COMMENTS: dict[str, dict[str, dict[str, list[str]]]] = {
    "en": {
        "payment": {
            "neg": ["Payment failed twice before it worked.", "iDEAL kept giving an error, very frustrating.",
                    "I was charged twice for one order.", "Checkout is confusing and slow."],
            "neu": ["Paid with a credit card.", "Payment went through after a while."],
            "pos": ["Quick and easy payment.", "Paying was smooth, no hassle at all.", "Easy checkout, great."],
        },
        "delivery": {
            "neg": ["The parcel arrived three days late.", "Box was damaged and a part was missing.",
                    "Still waiting for my parcel, nobody answers.", "Delivery costs are far too high.",
                    "The driver left my parcel outside in the rain."],
            "neu": ["Parcel was delivered to the neighbours.", "Delivered on Tuesday."],
            "pos": ["Delivered a day early, well packaged.", "Fast delivery and friendly driver.",
                    "Arrived on time, exactly as described."],
        },
        "customer-service": {
            "neg": ["I was on hold for 40 minutes.", "Nobody called me back as promised.",
                    "I had to explain my story three times."],
            "neu": ["Called about my invoice.", "They will send a new part."],
            "pos": ["Very helpful agent, sorted in one call.", "Friendly and patient, thank you!"],
        },
    },
    "nl": {
        "payment": {
            "neg": ["Betalen mislukte twee keer voordat het lukte.", "iDEAL gaf steeds een foutmelding, erg irritant.",
                    "Er is twee keer afgeschreven voor één bestelling.", "Afrekenen is onduidelijk en traag."],
            "neu": ["Betaald met creditcard.", "De betaling ging na een tijdje door."],
            "pos": ["Snel en makkelijk betaald.", "Betalen ging soepel, geen gedoe.", "Makkelijk afrekenen, top."],
        },
        "delivery": {
            "neg": ["Het pakket kwam drie dagen te laat.", "Doos was beschadigd en er ontbrak een onderdeel.",
                    "Ik wacht nog steeds op mijn pakket, niemand reageert.", "Verzendkosten zijn veel te duur.",
                    "De bezorger liet mijn pakket buiten in de regen staan."],
            "neu": ["Pakket is bij de buren bezorgd.", "Op dinsdag geleverd."],
            "pos": ["Een dag eerder geleverd, goed verpakt.", "Snelle levering en vriendelijke bezorger.",
                    "Op tijd binnen, precies zoals beschreven."],
        },
        "customer-service": {
            "neg": ["Ik stond 40 minuten in de wacht.", "Niet teruggebeld terwijl dat wel beloofd was.",
                    "Ik moest mijn verhaal drie keer doen."],
            "neu": ["Gebeld over mijn factuur.", "Ze sturen een nieuw onderdeel op."],
            "pos": ["Heel behulpzame medewerker, in één keer opgelost.", "Vriendelijk en geduldig, dank je wel!"],
        },
    },
}

CHATS: dict[str, dict[str, list[str]]] = {
    "en": {
        "neg": ["Your size chart is wrong, this is the second time.", "Why is the discount code not working?"],
        "neu": ["Is this jacket available in medium?", "Do you ship to Belgium?", "When will the blue one be back?",
                "Can I pick up my order in a store?"],
        "pos": ["Thanks, that answers my question!", "Great, very helpful, thank you."],
    },
    "nl": {
        "neg": ["Jullie maattabel klopt niet, dit is al de tweede keer.", "Waarom werkt de kortingscode niet?"],
        "neu": ["Is deze jas ook in maat M verkrijgbaar?", "Leveren jullie ook in België?",
                "Wanneer is de blauwe weer op voorraad?", "Kan ik mijn bestelling in de winkel ophalen?"],
        "pos": ["Bedankt, daarmee is mijn vraag beantwoord!", "Top, heel behulpzaam, dank je wel."],
    },
}

FAILED_PAYMENT_MAILS: dict[str, dict[str, list[str]]] = {
    "en": {
        "incident": ["Your payment page has been broken for days, I give up.",
                     "Payment failed three times, unacceptable. Where is my order?"],
        "normal": ["My payment failed, can you check what went wrong?"],
    },
    "nl": {
        "incident": ["Jullie betaalpagina is al dagen kapot, ik geef het op.",
                     "Betalen mislukte drie keer, onacceptabel. Waar blijft mijn bestelling?"],
        "normal": ["Mijn betaling is mislukt, kunnen jullie kijken wat er misging?"],
    },
}

#: Mean score shift per persona (on the metric's own scale, before clipping).
PERSONA_SHIFT: dict[str, dict[str, float]] = {
    "bargain-hunter": {"delivery": -1.5, "payment": 0.0, "customer-service": -0.5},
    "busy-parent": {"delivery": -0.5, "payment": -0.3, "customer-service": -0.8},
    "loyal-fan": {"delivery": 0.8, "payment": 0.3, "customer-service": 0.5},
}
#: Typical score and spread per metric.
BASE: dict[str, tuple[float, float, int, int]] = {"csat": (4.1, 0.9, 1, 5), "nps": (7.6, 2.2, 0, 10),
                                                  "ces": (5.0, 1.5, 1, 7)}
INCIDENT_PENALTY = {"csat": 1.8, "nps": 2.5, "ces": 1.5}
#: How much a customer's own mood (one draw per customer, standard normal) moves all their scores, in spreads;
#: it makes one customer's answers agree with each other, as real answers do.
MOOD_WEIGHT = 0.6


def _mood(metric: str, score: int) -> str:
    lo, hi = BASE[metric][2], BASE[metric][3]
    position = (score - lo) / (hi - lo)
    return "neg" if position < 0.45 else "pos" if position > 0.7 else "neu"


def _touchpoints(ws: Workspace, n_customers: int | None, seed: int) -> list[tuple[str, str, dt.datetime, str]]:
    """(customer_id, event, ts, segment) of the events the demo feedback hangs on."""
    from journeymap.events.store import duck, has_table

    con = duck(ws, read_only=True)
    try:
        if not has_table(con, "events"):
            raise JourneymapError("no events to attach demo feedback to: ingest events first (journeymap demo)")
        names = [e for e, *_ in SURVEYS] + ["chat_started", "payment_failed"]
        sample = ""
        params: list[object] = [names]
        if n_customers is not None:
            sample = ("AND customer_id IN (SELECT customer_id FROM (SELECT DISTINCT customer_id FROM events) "
                      "ORDER BY hash(customer_id || ?) LIMIT ?)")
            params += [str(seed), int(n_customers)]
        rows = con.execute(f"""
            SELECT customer_id, event, ts, coalesce(properties['segment'], '') FROM events
            WHERE list_contains(?, event) {sample} ORDER BY customer_id, ts, seq
        """, params).fetchall()
    finally:
        con.close()
    return [(str(c), str(e), t, str(s)) for c, e, t, s in rows]


def _synthetic(customers: Sequence[str], seed: int) -> list[tuple[str, str, dt.datetime, str]]:
    """Touchpoints for a given list of customer ids when there are no events: one purchase each in 2025."""
    rng = random.Random(seed)
    out = []
    for c in customers:
        t = dt.datetime(2025, 1, 1) + dt.timedelta(minutes=rng.randrange(365 * 24 * 60 - 10 * 24 * 60))
        out.append((c, "payment_completed", t, ""))
        out.append((c, "parcel_delivered", t + dt.timedelta(days=rng.randint(1, 5)), ""))
        if rng.random() < 0.2:
            out.append((c, "support_call", t + dt.timedelta(days=rng.randint(5, 9)), ""))
    return out


def generate_feedback(ws: Workspace, n_customers: int | None = None, seed: int = 0,
                      customers: Sequence[str] | None = None) -> Path:
    """Write the demo feedback CSV for the webshop demo and return its path (see the module docstring)."""
    from journeymap.events.demo import INCIDENT_END, INCIDENT_START

    lang = ws.settings.language if ws.settings.language in COMMENTS else "en"
    points = _synthetic(customers, seed) if customers is not None else _touchpoints(ws, n_customers, seed)
    rng = random.Random(seed)
    survey_of = {e: (step, metric, rate) for e, step, metric, rate in SURVEYS}
    rows: list[dict[str, object]] = []
    customer_mood: dict[str, float] = {}
    for cust, event, ts, segment in points:
        incident = INCIDENT_START <= ts < INCIDENT_END
        later = ts + dt.timedelta(minutes=rng.randint(20, 60 * 24))
        if event in survey_of:
            step, metric, rate = survey_of[event]
            if rng.random() >= rate:
                continue
            mean, spread, lo, hi = BASE[metric]
            mean += PERSONA_SHIFT.get(segment, {}).get(step, 0.0)
            if cust not in customer_mood:
                customer_mood[cust] = rng.gauss(0.0, 1.0)
            mean += MOOD_WEIGHT * spread * customer_mood[cust]
            if incident and step == "payment":
                mean -= INCIDENT_PENALTY[metric]
            score = int(min(hi, max(lo, round(rng.gauss(mean, spread)))))
            comment = ""
            if rng.random() < COMMENT_RATE:
                comment = rng.choice(COMMENTS[lang][step][_mood(metric, score)])
            rows.append({"response_id": f"fb{len(rows)}", "customer_id": cust, "ts": later, "step": step,
                         "metric": metric, "score": score, "comment": comment})
        elif event == "chat_started" and rng.random() < CHAT_RATE:
            mood = rng.choices(("neg", "neu", "pos"), (0.2, 0.6, 0.2))[0]
            rows.append({"interaction_id": f"it{len(rows)}", "customer_id": cust,
                         "ts": ts + dt.timedelta(minutes=1), "step": "chat-question", "channel": "chat", "kind": "chat",
                         "text": rng.choice(CHATS[lang][mood])})
        elif event == "payment_failed" and rng.random() < (0.5 if incident else 0.1):
            mails = FAILED_PAYMENT_MAILS[lang]["incident" if incident else "normal"]
            rows.append({"interaction_id": f"it{len(rows)}", "customer_id": cust, "ts": later, "step": "payment",
                         "channel": "email", "kind": "email", "text": rng.choice(mails)})
    if rows:
        first = rows[0]
        rows.append({"response_id": "bad-scale", "customer_id": first["customer_id"], "ts": first["ts"],
                     "step": "delivery", "metric": "nps", "score": 11, "comment": ""})
        rows.append({"response_id": "bad-step", "customer_id": first["customer_id"], "ts": first["ts"],
                     "step": "delivry", "metric": "csat", "score": 2, "comment": ""})
        rows.append({"response_id": "bad-customer", "customer_id": "", "ts": first["ts"], "step": "payment",
                     "metric": "csat", "score": 4, "comment": ""})
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="raise")
    writer.writeheader()
    for row in rows:
        when = row["ts"]
        writer.writerow(row | {"ts": when.isoformat(sep=" ", timespec="seconds") if isinstance(when, dt.datetime)
                               else when})
    target = ws.data_dir / DEMO_FEEDBACK_FILE
    atomic_write_text(target, buf.getvalue())
    return target
