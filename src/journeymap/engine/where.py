"""Customer segments as filters and breakdowns: ``--where KEY=VALUE`` and ``--by KEY`` on the analyses.

A customer's value of a key is the one the findings scan (:mod:`.findings.data`): for a property, its value
at the customer's first event that has it; for ``channel`` and ``source``, those of their first event; for
``persona``, the persona their segment rule gives them (:mod:`.personas`). So a finding about
``device = mobile`` is reproduced by ``--where device=mobile``. A restricted source holds the events of the
matching customers (all of them: their whole journeys, not only the events with the value), read as
expressions on the events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.source import EventSource
from journeymap.errors import JourneymapError
from journeymap.model.types import Journey

COLUMN_KEYS = ("channel", "source")
PERSONA = "persona"


def parse_where(items: Sequence[str]) -> list[tuple[str, str]]:
    """``["device=mobile", …]`` as (key, value) pairs; a malformed item is refused with an example."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise JourneymapError(f"--where {item!r} is not KEY=VALUE; write e.g. --where device=mobile "
                                  "(a property, channel, source or persona)")
        key = key.strip()
        if key.startswith("property:"):
            key = key.split(":", 1)[1]
        out.append((key, value.strip()))
    return out


def segment_of(source: EventSource, ws: Any, journey: Journey, key: str) -> ir.Table:
    """``customer_id, value``: every customer's value of ``key`` (see the module docstring)."""
    if key == PERSONA:
        from journeymap.engine.personas import journey_personas, personas_of

        if ws is None or not journey_personas(ws, journey):
            raise JourneymapError(f"journey {journey.id!r} has no personas with a segment rule to select by; "
                                  "add a 'segment' to a persona, or use a property, channel or source")
        p = personas_of(ws, journey, source)
        return p.select("customer_id", value=p.persona)
    t = source.events_with(set() if key in COLUMN_KEYS else {key})
    g = first_values(t, [key], prefix="value:")
    g = g.select("customer_id", value=g[f"value:{key}"])
    return g if key in COLUMN_KEYS else g.filter(g.value.notnull())


def first_values(t: ir.Table, keys: Sequence[str], *, prefix: str = "") -> ir.Table:
    """Per ``customer_id`` each key's value at the customer's first event that has it (``channel`` and ``source``:
    at their first event), as columns ``prefix + key``. First in the store's order, time then sequence number:
    events at the same time are common at a customer's start, and every engine must pick the same one."""
    order = ibis.struct({"ts": t.ts, "seq": t.seq})  # compared field by field: time, then sequence number
    out: dict[str, ir.Value] = {}
    for key in keys:
        if key in COLUMN_KEYS:
            out[prefix + key] = t[key].argmin(order)
            continue
        col = f"property:{key}"
        val = t[col] if col in t.columns else t.properties.get(key)
        out[prefix + key] = val.argmin(order, where=val.notnull())
    return t.group_by("customer_id").aggregate(**out)


def restrict(source: EventSource, ws: Any, journey: Journey, where: Sequence[tuple[str, str]], *,
             other: bool = False) -> EventSource:
    """The events of the customers matching every ``(key, value)`` (with the source's period); with ``other``
    the customers who have a value for the (single) key, but another one (the rest of a comparison)."""
    if not where:
        return source
    events = source.all_events
    for key, value in where:
        seg = segment_of(source, ws, journey, key)
        ids = seg.filter(seg.value != value if other else seg.value == value).select(_who=seg.customer_id)
        events = events.filter(events.customer_id.isin(ids._who))
    label = " and ".join(f"{k}{'≠' if other else '='}{v}" for k, v in where)
    out = EventSource(events, name=f"{source.name}, customers with {label}", since=source.since,
                      until=source.until, use_index=False)
    source.plan.append(f"customers with {label} (their value at their first event with the key): "
                       "expressions on their events")
    out.plan = source.plan
    return out


def values_of(source: EventSource, ws: Any, journey: Journey, key: str, top: int = 12) -> list[str]:
    """The ``top`` most frequent values of ``key`` among the customers (most frequent first)."""
    seg = segment_of(source, ws, journey, key)
    counts = C.execute(seg.group_by("value").aggregate(n=ibis._.count()).order_by([ibis.desc("n"), "value"])
                       .limit(top))
    values = [str(v) for v in counts["value"] if v is not None]
    if not values:
        raise JourneymapError(f"no customer has a value for {key!r}; use a property the events carry, "
                              "channel, source or persona")
    return values


def by_segment(source: EventSource, ws: Any, journey: Journey, key: str,
               run: Callable[[EventSource], pd.DataFrame]) -> pd.DataFrame:
    """``run`` on the customers of each value of ``key`` (the most frequent first), with a ``group`` column."""
    frames = []
    sql = None
    for value in values_of(source, ws, journey, key):
        df = run(restrict(source, ws, journey, [(key, value)]))
        sql = sql or df.attrs.get(C.SQL_ATTR)
        frames.append(df.assign(group=value))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out = out[["group", *[c for c in out.columns if c != "group"]]]
    out.attrs[C.SQL_ATTR] = sql
    return out
