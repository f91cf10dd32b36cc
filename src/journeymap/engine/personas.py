"""Personas in data: segment rules assign customers to personas, and analyses break down by them.

A customer belongs to a persona when at least one of their events satisfies the persona's
segment rule (every ``all`` condition, and one of the ``any`` conditions when there are
some). Personas are tried in the journey's order (or the workspace's when the journey names
none); the first that matches wins, and customers no rule recognises are ``unassigned``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.binding import COLUMNS, condition_predicate
from journeymap.model.types import Journey, Persona, SegmentRule

UNASSIGNED = "unassigned"


def rule_predicate(rule: SegmentRule, t: ir.Table) -> ir.BooleanValue | None:
    """An event-level predicate for a segment rule, or None for an empty rule."""
    parts = [condition_predicate(c, t) for c in rule.all]
    if rule.any:
        anyp = condition_predicate(rule.any[0], t)
        for c in rule.any[1:]:
            anyp = anyp | condition_predicate(c, t)
        parts.append(anyp)
    if not parts:
        return None
    pred = parts[0]
    for p in parts[1:]:
        pred = pred & p
    return pred


def journey_personas(ws: Any, journey: Journey) -> list[Persona]:
    """The personas to recognise, in order, that have a segment rule."""
    ids = journey.personas or list(ws.personas)
    return [ws.personas[p] for p in ids if p in ws.personas and ws.personas[p].segment is not None]


def persona_table(personas: list[Persona], t: ir.Table) -> ir.Table:
    """``customer_id, persona`` for every customer (``unassigned`` when no rule matches)."""
    rules: list[tuple[str, ir.BooleanValue]] = []
    for p in personas:
        pred = rule_predicate(p.segment, t) if p.segment is not None else None
        if pred is not None:
            rules.append((p.id, pred))
    if not rules:
        return t.select("customer_id").distinct().mutate(persona=ibis.literal(UNASSIGNED))
    flags = t.group_by("customer_id").aggregate(
        **{f"_p{i}": pred.cast("int32").max() for i, (_pid, pred) in enumerate(rules)}
    )
    persona = ibis.cases(*[(flags[f"_p{i}"] == 1, ibis.literal(pid)) for i, (pid, _p) in enumerate(rules)],
                         else_=ibis.literal(UNASSIGNED))
    return flags.select("customer_id", persona=persona)


def personas_of(ws: Any, journey: Journey, t: ir.Table | Any) -> ir.Table:
    """:func:`persona_table` for the personas of a journey in a workspace (``t``: events or an event source;
    from a source the table is kept in the journey index, keyed by the rules: one pass over the events)."""
    from journeymap.engine.source import EventSource

    personas = journey_personas(ws, journey)
    if not isinstance(t, EventSource):
        return persona_table(personas, t)
    rules = hashlib.sha1(repr([(p.id, p.segment.model_dump() if p.segment else None)
                               for p in personas]).encode()).hexdigest()[:12]
    source = t
    keys = {c.property for p in personas if p.segment is not None for c in [*p.segment.all, *p.segment.any]
            if c.property not in COLUMNS}
    return source.kept(f"personas-{rules}", lambda: persona_table(personas, source.events_with(keys)))


def persona_counts(ws: Any, journey: Journey, t: ir.Table | Any) -> pd.DataFrame:
    """Customers per persona."""
    pt = personas_of(ws, journey, t)
    df = C.execute(pt.group_by("persona").aggregate(customers=pt.count()))
    return df.sort_values(["customers", "persona"], ascending=[False, True]).reset_index(drop=True)


def check_persona_rules(personas: list[Persona], t: ir.Table) -> list[str]:
    """Warnings for rules on attributes no event has (the rule can never match)."""
    keys: set[str] = set()
    for p in personas:
        if p.segment is not None:
            keys.update(c.property for c in [*p.segment.all, *p.segment.any] if c.property not in COLUMNS)
    if not keys:
        return []
    # one event with the key is enough: the scan stops at the first (a full pass only for a missing key)
    missing = {k for k in sorted(keys)
               if C.execute(t.filter(t.properties.contains(k)).select(found=ibis.literal(1)).limit(1)).empty}
    if not missing:
        return []
    known = C.execute(t.select(key=t.properties.keys().unnest()).distinct())["key"].dropna().astype(str).tolist()
    from journeymap.errors import suggest
    from journeymap.i18n import t

    out = []
    for p in personas:
        if p.segment is None:
            continue
        for c in [*p.segment.all, *p.segment.any]:
            if c.property in missing:
                # in English, like every engine note: outputs translate it (journeymap.i18n.translate_note)
                out.append(t("engine_notes.persona_property", "en", persona=repr(p.id), property=repr(c.property),
                             hint=suggest(c.property, [*COLUMNS, *known])))
    return out
