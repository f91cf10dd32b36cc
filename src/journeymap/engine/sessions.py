"""Sessions: a customer's journey cut into visits of one sitting, so paths and funnels can be per session.

A **session** is a run of one customer's matched events (the journey's own events, in journey order)

* with the same session id, when the export has one (``events.columns.session_id`` in ``journeymap.yaml``
  names its column, kept as the event property of that name); an event without an id continues the
  session before it unless the inactivity gap has passed;
* else, without more than ``events.session_gap_minutes`` (default 30) between consecutive events.

The **sessions** relation (:func:`journeymap.engine.relations.sessions`) numbers each customer's sessions
0, 1, … Per-session analyses treat each session as a customer of its own (:func:`session_relations`: the
customer key becomes the session key), so every relation and analysis works on them unchanged: path
variants of one sitting (not of a whole multi-month history), funnels per session, loops per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from journeymap.engine import relations as R
from journeymap.engine.source import EXPRESSIONS, EventSource, JourneyRelations
from journeymap.model.types import Journey

DEFAULT_GAP_MINUTES = 30.0
#: Session numbers per customer fit below this, so ``cust * SESSION_WIDTH + sess`` is one integer key.
SESSION_WIDTH = 1 << 20


@dataclass(frozen=True)
class SessionSpec:
    """How sessions are cut: an inactivity gap in seconds, and the property holding a session id (or None)."""

    gap_seconds: float = DEFAULT_GAP_MINUTES * 60
    key: str | None = None

    @property
    def tag(self) -> str:
        """The parameters as a name part (for results kept in the index)."""
        return f"g{self.gap_seconds:g}" + (f"-k{self.key}" if self.key else "")

    def describe(self) -> str:
        if self.key:
            return f"sessions by the session id in property {self.key!r} (else a {self.gap_seconds / 60:g}-minute gap)"
        return f"sessions cut after {self.gap_seconds / 60:g} minutes without an event on the journey"


def session_spec(ws: Any) -> SessionSpec:
    """The workspace's session settings (``events.columns.session_id``, ``events.session_gap_minutes``)."""
    events = ws.settings.events
    return SessionSpec(float(events.session_gap_minutes) * 60, events.columns.session_id)


def session_matched(source: EventSource, journey: Journey, spec: SessionSpec) -> ir.Table:
    """The journey's matched events with their session number ``sess`` (see the module docstring)."""
    rel = source.journey(journey)
    m = rel.matched
    if spec.key:
        ev = source.events_with({spec.key})
        col = f"property:{spec.key}"
        ids = ev.select(_sid_cust=ev.customer_id, _sid_seq=ev.seq,
                        _sid=ev[col] if col in ev.columns else ev.properties.get(spec.key))
        j = m.left_join(ids, (m.customer_id == ids._sid_cust) & (m.seq == ids._sid_seq))
        m = j.select(*rel.matched.columns, _sid=j._sid)
    return R.sessions(m, spec.gap_seconds, "_sid" if spec.key else None)


def session_key(t: ir.Table) -> ir.Value:
    """One key per (customer, session): an integer where the customer key is one, else text."""
    if t.cust.type().is_integer():
        return t.cust.cast("int64") * SESSION_WIDTH + t.sess.cast("int64")
    return t.cust.cast("string").concat(ibis.literal("#"), t.sess.cast("string"))


def session_relations(source: EventSource, journey: Journey, spec: SessionSpec) -> JourneyRelations:
    """The journey's relations with each session as a customer of its own (``customer_id`` stays the person)."""
    s = session_matched(source, journey, spec)
    matched = s.select(cust=session_key(s), customer_id=s.customer_id, ts=s.ts, seq=s.seq, si=s.si,
                       channel=s.channel)
    source.plan.append(f"journey {journey.id}: per session ({spec.describe()}), {EXPRESSIONS}")
    return JourneyRelations(journey, EXPRESSIONS, matched, False, source=source)
