"""The measured emotion curve: feedback and sentiment per step on the map's -2..+2 scale.

Phases: feedback and interaction tables → scored touchpoints (:mod:`.touchpoints`) →
per step and persona means (one Ibis aggregation) → :class:`MeasuredEmotion` entries of the
:class:`~journeymap.results.MapOverlay`, which the renderer draws beside the assumed
curve. Where the assumed emotion (``emotion.score`` in the journey YAML, or the persona's)
and the measurement differ most, :func:`add_to_overlay` adds an "expected vs received" note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from journeymap.engine import compile as C
from journeymap.i18n import format_number, t
from journeymap.results import EmotionGap, MapOverlay, MeasuredEmotion
from journeymap.voc import feedback_store, peakend
from journeymap.voc.metrics import SMALL_SAMPLE, nps
from journeymap.voc.touchpoints import touchpoints

if TYPE_CHECKING:
    from ibis.backends.duckdb import Backend as DuckDBBackend

    from journeymap.model.types import Journey
    from journeymap.model.workspace import Workspace

#: A gap between assumed and measured emotion smaller than this is not called out.
MIN_GAP = 0.75
#: At most this many "expected vs received" notes per map.
MAX_NOTES = 3
UNASSIGNED = "unassigned"


def with_personas(tp: ir.Table, ws: Workspace, journey: Journey, events: ir.Table | None) -> ir.Table:
    """Add a ``persona`` column from the personas' segment rules on the events (``unassigned`` otherwise)."""
    import ibis

    if events is None:
        return tp.mutate(persona=ibis.literal(UNASSIGNED))
    from journeymap.engine.personas import personas_of

    pt = personas_of(ws, journey, events)
    joined = tp.left_join(pt, tp.customer_id == pt.customer_id)
    return joined.select(*[joined[c] for c in tp.columns], persona=joined.persona.fill_null(UNASSIGNED))


def step_emotions(tp: ir.Table) -> dict[str, MeasuredEmotion]:
    """Mean value per step, overall and per persona (``tp`` needs a ``persona`` column)."""
    on_step = tp.filter(tp.step.notnull())
    overall = C.execute(on_step.group_by("step").aggregate(score=on_step.value.mean(), n=on_step.count()))
    per = C.execute(on_step.group_by(["step", "persona"]).aggregate(score=on_step.value.mean(), n=on_step.count()))
    answers = on_step.filter(on_step.metric == "nps")
    nps_counts = C.execute(answers.group_by("step").aggregate(
        promoters=(answers.score >= 9).cast("int64").sum(), detractors=(answers.score <= 6).cast("int64").sum(),
        n=answers.count()))
    out: dict[str, MeasuredEmotion] = {}
    for row in overall.to_dict("records"):
        n = int(row["n"])
        out[str(row["step"])] = MeasuredEmotion(score=float(row["score"]), n=n, small_sample=n < SMALL_SAMPLE)
    for row in per.to_dict("records"):
        if row["persona"] != UNASSIGNED:
            out[str(row["step"])].per_persona[str(row["persona"])] = (float(row["score"]), int(row["n"]))
    for row in nps_counts.to_dict("records"):
        p, d, n = int(row["promoters"]), int(row["detractors"]), int(row["n"])
        out[str(row["step"])].nps = nps(p, n - p - d, d).score
    return out


def gaps(journey: Journey, measured: dict[str, MeasuredEmotion], min_n: int = 5) -> list[EmotionGap]:
    """Assumed vs measured emotion for every step (and persona) with both, largest difference first."""
    out: list[EmotionGap] = []
    for step in journey.steps:
        m = measured.get(step.id)
        if m is None:
            continue
        if step.emotion is not None and m.n >= min_n:
            out.append(EmotionGap(step.id, None, step.emotion.score, m.score, m.n))
        for persona, assumed in step.persona_emotions.items():
            score_n = m.per_persona.get(persona)
            if score_n and score_n[1] >= min_n:
                out.append(EmotionGap(step.id, persona, assumed.score, score_n[0], score_n[1]))
    out.sort(key=lambda g: -abs(g.difference))
    return out


def _written(g: EmotionGap, journey: Journey, ws: Workspace, lang: str) -> EmotionGap:
    """``g`` with its title and detail written in ``lang``."""
    step = journey.step(g.step)
    who = f" ({ws.personas[g.persona].name})" if g.persona and g.persona in ws.personas else ""
    key = "gap_worse" if g.difference < 0 else "gap_better"

    def signed(v: float) -> str:
        return ("+" if round(v, 1) > 0 else "") + format_number(v, lang, 1)

    g.title = t("voc.gap_title", lang, step=step.name + who)
    g.detail = t("voc." + key, lang, assumed=signed(g.assumed), measured=signed(g.measured),
                 n=format_number(g.n, lang), diff=format_number(abs(g.difference), lang, 1))
    return g


def add_to_overlay(overlay: MapOverlay, ws: Workspace, journey_id: str, con: DuckDBBackend | None = None
                   ) -> MapOverlay:
    """Fill ``overlay.emotions`` with the measured curve and add "expected vs received" notes.

    Without feedback in the store the overlay comes back unchanged, so a map renders with
    or without voice-of-the-customer data.
    """
    journey = ws.journey(journey_id)
    backend: Any = con
    if backend is None:
        from journeymap.events.store import store_path

        if not store_path(ws).is_file():
            return overlay
        import ibis

        from journeymap.events.store import duck

        backend = ibis.duckdb.from_connection(duck(ws, read_only=True))
    if not feedback_store.has_table(backend, "feedback"):
        return overlay
    fb = feedback_store.open_feedback(ws, backend)
    fb = fb.filter(fb.journey == journey.id)
    it = feedback_store.open_interactions(ws, backend)
    it = it.filter(it.journey == journey.id)
    events = backend.table("events") if feedback_store.has_table(backend, "events") else None
    tp = with_personas(touchpoints(fb, it), ws, journey, events)
    measured = step_emotions(tp)
    if not measured:
        return overlay
    report = peakend.peak_end(tp, fb)
    if report.customers:
        for m in measured.values():
            m.peak_share, m.end_share = 0.0, 0.0
    for share in report.steps:
        if share.step in measured:
            measured[share.step].peak_share = share.peak_share
            measured[share.step].end_share = share.end_share
    overlay.emotions.update(measured)
    lang = ws.settings.language
    for g in [g for g in gaps(journey, measured) if abs(g.difference) >= MIN_GAP][:MAX_NOTES]:
        overlay.gaps.append(_written(g, journey, ws, lang))
        overlay.notes.append(overlay.gaps[-1].note)
    memorable = report.memorable()
    if memorable and report.customers:
        names = ", ".join(journey.step(s).name for s in memorable if any(x.id == s for x in journey.steps))
        overlay.notes.append(t("voc.peak_end", lang, steps=names, n=report.customers))
    return overlay
