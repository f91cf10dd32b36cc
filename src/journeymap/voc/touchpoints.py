"""Scored touchpoints: every survey answer and customer text as one value on the map's -2..+2 scale.

The map's emotion lane runs from -2 (very negative) to +2 (very positive). Each source is
mapped onto it by linear rescaling around its own neutral point:

=========  =============  ==============================  =========================
source     scale          mapping                         neutral point → 0
=========  =============  ==============================  =========================
NPS        0–10           (score − 5) / 2.5               5
CSAT       1–5            score − 3                       3 (neither)
CES        1–7 (7 easy)   (score − 4) / 1.5               4 (neither)
sentiment  −1..1          2 · sentiment                   0
=========  =============  ==============================  =========================

Why linear: each scale's ends are the strongest answers it allows, so they map to the
map's ends, and equal steps on a scale stay equal on the map. Why the scale's midpoint and
not NPS's passive band: the map shows feeling, not loyalty classes (NPS 7–8 lands at
+0.8..+1.2, mildly positive, which is how passives tend to word their comments).

A survey answer with a comment counts as the **mean of its score and its text**
(``(mapped score + 2 · sentiment) / 2``): the score says how strongly, the words say
why, and the mean damps the text scorer's errors (about 1 in 10 texts mislabelled, see
``docs/sentiment.md``) without ignoring what the customer wrote. A text without a score
(chat, e-mail, review) counts with its sentiment alone.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

#: (offset, divisor) per metric: value = (score − offset) / divisor.
SCALE_MAP: dict[str, tuple[float, float]] = {"nps": (5.0, 2.5), "csat": (3.0, 1.0), "ces": (4.0, 1.5)}


def score_to_emotion(metric: str, score: float) -> float:
    """A survey score on the -2..+2 scale (see the module table)."""
    offset, divisor = SCALE_MAP[metric]
    return (score - offset) / divisor


def combine(metric: str, score: float, sentiment: float | None) -> float:
    """A survey answer's value: its mapped score, averaged with 2·sentiment when it has a comment."""
    mapped = score_to_emotion(metric, score)
    return mapped if sentiment is None else (mapped + 2.0 * sentiment) / 2.0


def _mapped_score(fb: ir.Table) -> ir.FloatingValue:
    score = fb.score.cast("float64")
    return ibis.cases(
        *[(fb.metric == m, (score - off) / div) for m, (off, div) in SCALE_MAP.items()],
        else_=ibis.null("float64"),
    )


def touchpoints(fb: ir.Table | None, interactions: ir.Table | None) -> ir.Table:
    """One row per scored touchpoint: ``customer_id, ts, step, channel, source, metric, score, value``.

    ``source`` is ``survey`` or ``text``; ``value`` is on the -2..+2 scale. Rows without a
    value (a text that scored nothing) are left out; they carry no emotion.
    """
    parts: list[ir.Table] = []
    if fb is not None:
        mapped = _mapped_score(fb)
        value = ibis.cases((fb.sentiment.isnull(), mapped), else_=(mapped + 2.0 * fb.sentiment) / 2.0)
        parts.append(fb.select(
            customer_id=fb.customer_id, ts=fb.ts, step=fb.step, channel=fb.channel,
            source=ibis.literal("survey"), metric=fb.metric, score=fb.score.cast("float64"),
            value=value.cast("float64"),
        ))
    if interactions is not None:
        it = interactions
        parts.append(it.select(
            customer_id=it.customer_id, ts=it.ts, step=it.step, channel=it.channel,
            source=ibis.literal("text"), metric=ibis.null("string"), score=ibis.null("float64"),
            value=(2.0 * it.sentiment).cast("float64"),
        ))
    if not parts:
        raise ValueError("touchpoints needs a feedback or an interactions table")
    out = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    return out.filter(out.value.notnull())
