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
#: Seconds without an event that end a session, where a rule judged per session needs one (the workspace's
#: ``events.session_gap_minutes`` where the workspace is known).
SESSION_GAP = 30 * 60.0


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


def persona_table(personas: list[Persona], t: ir.Table, gap_seconds: float = SESSION_GAP) -> ir.Table:
    """``customer_id, persona`` for every customer (``unassigned`` when no rule matches). A rule judged per
    customer holds when any event of theirs matches; one judged per event or per session gives the persona
    they came in as: their first event, or any event of their first session (events less than
    ``gap_seconds`` apart from their first), matches it."""
    rules: list[tuple[str, ir.BooleanValue]] = []
    scoped = any(p.segment is not None and p.segment.per != "customer" for p in personas)
    if scoped:
        w = ibis.window(group_by="customer_id")
        t = t.mutate(_first=t.ts.min().over(w))
    for p in personas:
        pred = rule_predicate(p.segment, t) if p.segment is not None else None
        if pred is None or p.segment is None:
            continue
        if p.segment.per == "event":
            pred = pred & (t.ts == t._first)
        elif p.segment.per == "session":
            pred = pred & (C.seconds_between(t._first, t.ts) <= gap_seconds)
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
    keys = rule_keys(personas)
    settings = getattr(ws, "settings", None)  # a workspace, or a stand-in with only the personas
    gap = float(settings.events.session_gap_minutes) * 60 if settings is not None else SESSION_GAP
    return source.kept(f"personas-{rules}-g{gap:g}" if any(p.segment is not None and p.segment.per != "customer"
                                                          for p in personas) else f"personas-{rules}",
                       lambda: persona_table(personas, source.events_with(keys), gap))


def rule_keys(personas: list[Persona]) -> set[str]:
    """The event properties the personas' segment rules read."""
    return {c.property for p in personas if p.segment is not None for c in [*p.segment.all, *p.segment.any]
            if c.property not in COLUMNS}


def persona_at_event(personas: list[Persona], sticky: ir.Value, t: ir.Table,
                     gap_seconds: float = SESSION_GAP) -> tuple[ir.Table, ir.StringValue]:
    """Each event's persona where rules are judged per event or per session: in the personas' order, the first
    whose rule holds at the event (per event), in the event's session (per session: any event of the
    customer's run without a ``gap_seconds`` pause around it), or for the customer (``sticky``: the persona the
    customer-level rules give). Returns ``t`` with the session columns the expression reads, and the expression."""
    w = ibis.window(group_by="customer_id", order_by=[t.ts, t.seq])
    prev = t.ts.lag().over(w)
    t2 = t.mutate(_new=(prev.isnull() | (C.seconds_between(prev, t.ts) > gap_seconds)).cast("int32"))
    cumulative = ibis.window(group_by="customer_id", order_by=[t2.ts, t2.seq], preceding=None, following=0)
    t2 = t2.mutate(_sess=t2._new.sum().over(cumulative))
    branches = []
    for p in personas:
        if p.segment is None:
            continue
        pred = rule_predicate(p.segment, t2)
        if pred is None:
            continue
        if p.segment.per == "event":
            branches.append((pred, p.id))
        elif p.segment.per == "session":
            flag = pred.cast("int32").max().over(ibis.window(group_by=["customer_id", "_sess"]))
            branches.append((flag == 1, p.id))
        else:
            branches.append((sticky == p.id, p.id))
    return t2, ibis.cases(*[(cond, ibis.literal(pid)) for cond, pid in branches], else_=ibis.literal(UNASSIGNED))


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
