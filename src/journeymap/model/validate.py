"""Semantic checks on a loaded workspace: references, duplicates, the flow.

Each check returns located diagnostics; ``load_workspace`` runs them all, so the
user sees every problem at once.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from journeymap.errors import Diagnostic, suggest
from journeymap.i18n import t
from journeymap.model import yamlio
from journeymap.model.types import Journey

if TYPE_CHECKING:
    from journeymap.model.workspace import SourceFile, Workspace


def _at(src: SourceFile, loc: tuple[Any, ...], message: str, code: str, level: str = "error") -> Diagnostic:
    line, col = yamlio.position(src.doc, src.original_loc(loc))
    return Diagnostic(src.display, line, col, message, level, code)  # type: ignore[arg-type]


def check_workspace(ws: Workspace) -> list[Diagnostic]:
    """Every reference and flow problem of the workspace, in its language."""
    out: list[Diagnostic] = []
    lang = ws.settings.language
    channels = set(ws.settings.channels)
    for pid, persona in ws.personas.items():
        src = ws.persona_files[pid]
        for i, ch in enumerate(persona.channels):
            if ch not in channels:
                out.append(_at(src, ("channels", i), t("validate.unknown_channel_persona", lang, channel=repr(ch),
                               persona=repr(pid), hint=suggest(ch, channels, lang)), "unknown-channel"))
    for jid, journey in ws.journeys.items():
        out.extend(check_journey(journey, ws.journey_files[jid], set(ws.personas), channels, lang))
    return out


def _duplicates(src: SourceFile, items: list[Any], key: str, kind: str, lang: str) -> list[Diagnostic]:
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        if item.id in seen:
            out.append(_at(src, (key, i, "id"), t("validate.duplicate_id", lang, kind=t(f"kind.{kind}", lang),
                           id=repr(item.id), key=key, index=seen[item.id]), "duplicate-id"))
        else:
            seen[item.id] = i
    return out


def check_journey(j: Journey, src: SourceFile, personas: set[str], channels: set[str],
                  lang: str = "en") -> list[Diagnostic]:
    out: list[Diagnostic] = []

    def say(key: str, **kw: object) -> str:
        return t(f"validate.{key}", lang, **kw)

    def hint(value: str, valid: set[str]) -> str:
        return suggest(value, valid, lang)

    for key, kind in (("stages", "stage"), ("steps", "step"), ("triggers", "trigger"),
                      ("opportunities", "opportunity"), ("lanes", "lane")):
        out.extend(_duplicates(src, getattr(j, key), key, kind, lang))
    stage_ids = {s.id for s in j.stages}
    step_ids = {s.id for s in j.steps}
    lane_ids = {lane.id for lane in j.lanes}

    def persona_ref(ref: str, loc: tuple[Any, ...], where: str) -> None:
        if ref not in personas:
            out.append(_at(src, loc, say("unknown_persona", persona=repr(ref), where=where,
                                         hint=hint(ref, personas)), "unknown-persona"))

    for i, p in enumerate(j.personas):
        persona_ref(p, ("personas", i), f"{t('kind.journey', lang)} {j.id!r}")
    for i, step in enumerate(j.steps):
        where = f"{t('kind.step', lang)} {step.id!r}"
        if step.stage not in stage_ids:
            out.append(_at(src, ("steps", i, "stage"), say("unknown_stage", stage=repr(step.stage), where=where,
                                                            hint=hint(step.stage, stage_ids)), "unknown-stage"))
        if step.channel not in channels:
            out.append(_at(src, ("steps", i, "channel"), say("unknown_channel", channel=repr(step.channel),
                                                              where=where, hint=hint(step.channel, channels)),
                           "unknown-channel"))
        if step.binding and step.binding.channel and step.binding.channel not in channels:
            out.append(_at(src, ("steps", i, "binding", "channel"),
                           say("unknown_binding_channel", channel=repr(step.binding.channel), where=where,
                               hint=hint(step.binding.channel, channels)), "unknown-channel"))
        for k, p in enumerate(step.personas):
            persona_ref(p, ("steps", i, "personas", k), where)
        for p in step.persona_emotions:
            persona_ref(p, ("steps", i, "persona_emotions", p), where)
        for k, n in enumerate(step.next or []):
            if n not in step_ids:
                out.append(_at(src, ("steps", i, "next", k), say("unknown_next", step=repr(n), where=where,
                                                                  hint=hint(n, step_ids)), "unknown-step"))
        for target in step.edge_outcomes:
            if target not in step_ids:
                out.append(_at(src, ("steps", i, "edge_outcomes", target), say(
                    "unknown_edge_outcome", step=repr(target), where=where, hint=hint(target, step_ids)),
                    "unknown-step"))
        if step.goal and step.outcome == "failure":
            out.append(_at(src, ("steps", i, "outcome"), say("goal_failure", where=where), "goal-failure"))
        for lane in step.lanes:
            if lane not in lane_ids:
                out.append(_at(src, ("steps", i, "lanes", lane), say("unknown_lane", lane=repr(lane), where=where,
                                                                      hint=hint(lane, lane_ids)), "unknown-lane"))
    for i, trig in enumerate(j.triggers):
        if trig.step and trig.step not in step_ids:
            out.append(_at(src, ("triggers", i, "step"), say("unknown_trigger_step", step=repr(trig.step),
                                                              trigger=repr(trig.id), hint=hint(trig.step, step_ids)),
                           "unknown-step"))
    for i, opp in enumerate(j.opportunities):
        if opp.step and opp.step not in step_ids:
            out.append(_at(src, ("opportunities", i, "step"), say("unknown_opportunity_step", step=repr(opp.step),
                                                                   opportunity=repr(opp.id),
                                                                   hint=hint(opp.step, step_ids)), "unknown-step"))
        if opp.stage and opp.stage not in stage_ids:
            out.append(_at(src, ("opportunities", i, "stage"), say("unknown_opportunity_stage", stage=repr(opp.stage),
                                                                    opportunity=repr(opp.id),
                                                                    hint=hint(opp.stage, stage_ids)),
                           "unknown-stage"))
    for i, stage in enumerate(j.stages):
        if not j.steps_in(stage.id):
            out.append(_at(src, ("stages", i, "id"), say("empty_stage", stage=repr(stage.id), id=stage.id),
                           "empty-stage"))
    if not j.steps:
        out.append(_at(src, ("steps",), say("no_steps", journey=repr(j.id)), "no-steps"))
    out.extend(_unreachable(j, src, lang))
    return out


def _unreachable(j: Journey, src: SourceFile, lang: str = "en") -> list[Diagnostic]:
    if not j.steps:
        return []
    step_ids = {s.id for s in j.steps}
    starts = {j.steps[0].id} | {s.id for s in j.steps if s.entry} | {t.step for t in j.triggers if t.step}
    graph: dict[str, list[str]] = {}
    for a, b in j.designed_edges():
        graph.setdefault(a, []).append(b)
    seen = {s for s in starts if s in step_ids}
    queue = deque(seen)
    while queue:
        for nxt in graph.get(queue.popleft(), []):
            if nxt in step_ids and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    out = []
    for i, s in enumerate(j.steps):
        if s.id not in seen:
            out.append(_at(src, ("steps", i, "id"), t("validate.unreachable", lang, step=repr(s.id)), "unreachable"))
    return out
