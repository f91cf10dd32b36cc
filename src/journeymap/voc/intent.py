"""What a customer wants, beside how they feel: complaint, question, praise, churn, request or none.

The intent of a message comes from the service rules that fired (each rule kind supports some
intents, :data:`KIND_INTENTS`) and from its sentiment score. Every intent gets a score 0..1
(``1 − e^(−evidence)``), so a service team can sort by it; one intent is *the* intent:

1. **churn** whenever its score reaches :data:`THRESHOLD`: leaving is the message a service team
   must not miss, even when it is polite ("graag mijn opzegging bevestigen") or a question
   ("what does it cost to end my contract early?");
2. a **negative** message is a complaint ("waarom heb ik mijn geld nog niet terug?" complains,
   it does not ask);
3. a **positive** message is praise, unless it asks or requests more strongly than it praises;
4. a **neutral** message is a request or a question when it has their markers (request first:
   "kunt u mij terugbellen?" wants something done), else ``none``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from journeymap.voc.service import Hit

INTENTS: tuple[str, ...] = ("complaint", "question", "praise", "churn", "request")
NO_INTENT = "none"
#: An intent needs at least this score (0..1) to be a text's intent.
THRESHOLD = 0.5
#: Which intents each kind of rule supports, and how much (summed per intent, then squashed to 0..1).
KIND_INTENTS: dict[str, dict[str, float]] = {
    "failure": {"complaint": 1.2},
    "expectation": {"complaint": 1.0},
    "irony": {"complaint": 1.0},
    "concern": {"complaint": 0.5},
    "success": {"praise": 1.2},
    "loyalty": {"praise": 0.6},
    "churn": {"churn": 2.0, "complaint": 0.5},
    "cancel": {"churn": 2.0},
    "reproach": {"complaint": 0.3},
    "question": {"question": 1.2},
    "request": {"request": 1.2},
    "condition": {},
    "notice": {},
    "neutral": {},
}
#: How much a sentiment score adds to complaint (negative) or praise (positive), per unit of |score|:
#: a text just past the neutral band (0.25) reaches the threshold on its sentiment alone.
SENTIMENT_WEIGHT = 4.0


def squash(evidence: float) -> float:
    """Evidence ≥ 0 onto 0..1."""
    return round(1.0 - math.exp(-evidence), 3) if evidence > 0 else 0.0


def intent_scores(hits: Iterable[Hit], score: float) -> dict[str, float]:
    """A 0..1 score per intent from the rules that fired and the sentiment score."""
    raw = dict.fromkeys(INTENTS, 0.0)
    for h in hits:
        for intent, w in KIND_INTENTS[h.rule.kind].items():
            raw[intent] += w
    if score < 0:
        raw["complaint"] += SENTIMENT_WEIGHT * -score
    elif score > 0:
        raw["praise"] += SENTIMENT_WEIGHT * score
    return {k: round(1.0 - math.exp(-v), 3) if v > 0 else 0.0 for k, v in raw.items()}


def decide(scores: Mapping[str, float], label: str) -> str:
    """The one intent of a text, from its intent scores and sentiment label (rules in the module docstring)."""
    if scores["churn"] >= THRESHOLD:
        return "churn"
    if label == "negative":
        return "complaint"
    asks = max(("request", "question"), key=lambda k: scores[k])  # request first on a tie
    if label == "positive":
        return asks if scores[asks] > scores["praise"] else "praise"
    return asks if scores[asks] >= THRESHOLD else NO_INTENT
