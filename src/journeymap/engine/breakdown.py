"""Breakdowns: the attribute an analysis is split by (persona, channel, source, property, period).

A breakdown is written as ``persona``, ``channel``, ``source``, ``event``, ``property:KEY`` or
``period:day|week|month``. It adds a string column ``_group`` to an event table; analyses
take the value at the event that matters (a funnel's entry, a visit's start). A persona whose segment
rule is judged per event or per session (``per``) is the persona of that event or its session, so a
customer who was "new" in March and "returning" in June counts as each in turn.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from journeymap.engine.personas import UNASSIGNED, journey_personas, persona_at_event, personas_of
from journeymap.errors import JourneymapError, suggest
from journeymap.model.types import Journey

PERIODS = {"day": "D", "week": "W", "month": "M"}
CHOICES = ("persona", "channel", "source", "event", "property:KEY", "period:day", "period:week", "period:month")


def with_group(t: ir.Table, by: str | None, *, ws: Any = None, journey: Journey | None = None,
               source: Any = None) -> ir.Table:
    """``t`` plus a ``_group`` column for breakdown ``by`` (a constant ``all`` when ``by`` is None)."""
    if by is None:
        return t.mutate(_group=ibis.literal("all"))
    if by in ("channel", "source", "event"):
        return t.mutate(_group=t[by].fill_null("(none)"))
    if by.startswith("property:") and len(by) > len("property:"):
        value = t[by] if by in t.columns else t.properties.get(by.split(":", 1)[1])
        return t.mutate(_group=value.fill_null("(none)"))
    if by.startswith("period:"):
        unit = by.split(":", 1)[1]
        if unit not in PERIODS:
            raise JourneymapError(f"unknown period {unit!r} in breakdown {by!r}; {suggest(unit, PERIODS)}")
        return t.mutate(_group=t.ts.truncate(PERIODS[unit]).date().cast("string"))
    if by == "persona":
        if ws is None or journey is None:
            raise JourneymapError("a breakdown by persona needs the workspace and the journey")
        personas = personas_of(ws, journey, source if source is not None else t).rename(_group="persona")
        j = t.join(personas, "customer_id", how="left")
        rules = journey_personas(ws, journey)
        if any(p.segment is not None and p.segment.per != "customer" for p in rules):
            # rules judged per event or per session: the persona of each event (a customer can change)
            gap = float(ws.settings.events.session_gap_minutes) * 60
            j2, group = persona_at_event(rules, j._group, j, gap)
            return j2.mutate(_group=group).drop("_new", "_sess")
        return j.mutate(_group=j._group.fill_null(UNASSIGNED))
    raise JourneymapError(f"unknown breakdown {by!r}; {suggest(by, CHOICES)}")
