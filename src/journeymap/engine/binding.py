"""Binding events to the map: each step's data binding becomes an Ibis predicate.

A binding lists event names, globs (``checkout_*``) or regexes (``re:^cart_.*``), property
filters (``where``) and a channel. Bindings are tried in map order and the first match wins,
so an event belongs to at most one step. :func:`check_bindings` reports what the map and the
data disagree on: bindings that match nothing, events two bindings both claim, and frequent
events on no step at all ("real but not on the map").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from journeymap.engine import compile as C
from journeymap.errors import Diagnostic
from journeymap.model import patterns, yamlio
from journeymap.model.patterns import glob_regex as glob_regex  # re-exported: the engine's glob meaning
from journeymap.model.types import Condition, DataBinding, Journey

#: Event columns a condition may name directly; any other name is looked up in ``properties``.
COLUMNS = ("customer_id", "event", "channel", "source", "anonymous_id", "raw_customer_id", "event_id")


def attribute(t: ir.Table, name: str) -> ir.StringValue:
    """An event attribute: a column of the event layout or a key of ``properties``."""
    if name in COLUMNS:
        return t[name]
    if f"property:{name}" in t.columns:  # the key read on its own (EventSource.events_with)
        return t[f"property:{name}"]
    return t.properties.get(name)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return [str(value)]


def condition_predicate(cond: Condition, t: ir.Table) -> ir.BooleanValue:
    """One ``where``/segment condition as a predicate; a missing attribute never matches."""
    col = attribute(t, cond.property)
    op = cond.op
    pred: ir.BooleanValue
    if op == "exists":
        pred = col.notnull()
    elif op == "eq":
        pred = col == str(cond.value)
    elif op == "ne":
        pred = col != str(cond.value)
    elif op == "in":
        pred = col.isin(_as_list(cond.value))
    elif op == "not_in":
        pred = ~col.isin(_as_list(cond.value))
    elif op == "contains":
        pred = col.contains(str(cond.value))
    elif op == "regex":
        pred = col.re_search(str(cond.value))
    else:  # numeric comparisons: properties are strings, so cast (unparseable → NULL → no match)
        num = col.try_cast("float64")
        value = float(cond.value)
        pred = {"gt": num > value, "gte": num >= value, "lt": num < value, "lte": num <= value}[op]
    return pred.fill_null(False)


def binding_predicate(binding: DataBinding | None, t: ir.Table) -> ir.BooleanValue | None:
    """The events a binding claims, or None when it claims none (no binding, no event names)."""
    if binding is None or not binding.events:
        return None
    parsed = [patterns.parse(e) for e in binding.events]
    exact = [p.text for p in parsed if p.regex is None]
    parts: list[ir.BooleanValue] = []
    if exact:
        parts.append(t.event.isin(exact))
    parts.extend(t.event.re_search(p.regex) for p in parsed if p.regex is not None)
    pred = parts[0]
    for p in parts[1:]:
        pred = pred | p
    if binding.channel:
        pred = pred & (t.channel == binding.channel)
    for cond in binding.where:
        pred = pred & condition_predicate(cond, t)
    return pred.fill_null(False)


def step_predicates(journey: Journey, t: ir.Table) -> list[tuple[str, ir.BooleanValue]]:
    """(step id, predicate) for every bound step, in map order."""
    out = []
    for step in journey.steps:
        pred = binding_predicate(step.binding, t)
        if pred is not None:
            out.append((step.id, pred))
    return out


def match_steps(journey: Journey, t: ir.Table, *, keep_unmatched: bool = False) -> ir.Table:
    """The events with their ``step``, ``step_idx``, ``stage`` and ``stage_idx`` (first match wins).

    Without ``keep_unmatched`` only events on a step remain, which is what most analyses read.
    """
    preds = step_predicates(journey, t)
    stage_of = {s.id: s.stage for s in journey.steps}
    step_idx = {s.id: i for i, s in enumerate(journey.steps)}
    stage_idx = {st.id: i for i, st in enumerate(journey.stages)}
    if not preds:
        null = ibis.null("string")
        matched = t.mutate(step=null, stage=null, step_idx=ibis.null("int64"), stage_idx=ibis.null("int64"))
    else:
        step = ibis.cases(*[(p, ibis.literal(sid)) for sid, p in preds], else_=ibis.null("string"))
        matched = t.mutate(step=step)
        matched = matched.mutate(
            stage=matched.step.substitute({sid: stage_of[sid] for sid, _ in preds}, else_=ibis.null("string")),
            step_idx=matched.step.substitute({sid: step_idx[sid] for sid, _ in preds}, else_=ibis.null("int64")),
        )
        matched = matched.mutate(
            stage_idx=matched.stage.substitute(stage_idx, else_=ibis.null("int64")),
        )
    if keep_unmatched:
        return matched
    return matched.filter(matched.step.notnull())


@dataclass
class BindingReport:
    """What the map's bindings and the events disagree on, for ``validate --with-data``."""

    journey_id: str
    events: int = 0
    matched_events: int = 0
    step_events: dict[str, int] = field(default_factory=dict)          # after first-match-wins
    no_match: list[str] = field(default_factory=list)                  # bound steps matching no event
    unbound: list[str] = field(default_factory=list)                   # steps with no binding at all
    overlaps: list[tuple[str, str, int]] = field(default_factory=list)  # (first step, later step, events)
    unmatched: list[tuple[str, int]] = field(default_factory=list)     # event names on no step, most frequent first
    unmatched_total: int = 0
    step_index: dict[str, int] = field(default_factory=dict)             # step id → index in ``steps``

    def diagnostics(self, src: Any, lang: str = "en") -> list[Diagnostic]:
        """Located warnings, pointing at each step's binding in the journey's YAML file.

        ``src`` is the journey's :class:`~journeymap.model.workspace.SourceFile` (or the
        workspace, whose file for this journey is then used).
        """
        if hasattr(src, "journey_files"):
            src = src.journey_files.get(self.journey_id)
        index = self.step_index
        display = src.display if src is not None else f"journeys/{self.journey_id}.yaml"

        def where(step_id: str, key: str = "binding") -> tuple[int, int]:
            if src is None:
                return 1, 1
            return yamlio.position(src.doc, src.original_loc(("steps", index[step_id], key)))

        from journeymap.i18n import format_number, t

        out: list[Diagnostic] = []
        for sid in self.no_match:
            line, col = where(sid)
            out.append(Diagnostic(display, line, col, t("validate.binding_no_match", lang, step=repr(sid)), "warning",
                                  "binding-no-match"))
        for first, later, n in self.overlaps:
            line, col = where(later)
            out.append(Diagnostic(display, line, col, t("validate.binding_overlap", lang, step=repr(later), n=n,
                                                        first=repr(first)), "warning", "binding-overlap"))
        if self.unmatched:
            top = ", ".join(f"{name} ({format_number(n, lang)})" for name, n in self.unmatched[:10])
            out.append(Diagnostic(display, 1, 1, t("validate.unmatched_events", lang,
                                                   n=format_number(self.unmatched_total, lang), top=top),
                                  "advice", "binding-unmatched"))
        return out


def check_bindings(ws: Any, journey: Journey | str, table: ir.Table | None = None, *, top: int = 20) -> BindingReport:
    """Compare a journey's bindings with the events (``table``, or the workspace's store)."""
    journey = ws.journey(journey) if isinstance(journey, str) else journey
    assert isinstance(journey, Journey)
    if table is None:
        from journeymap.events.store import open_events

        table = open_events(ws)
    t = table
    report = BindingReport(journey.id, step_index={s.id: i for i, s in enumerate(journey.steps)})
    report.unbound = [s.id for s in journey.steps if binding_predicate(s.binding, t) is None]
    preds = step_predicates(journey, t)
    aggs: dict[str, ir.Scalar] = {"n": t.count()}
    for i, (_sid, p) in enumerate(preds):
        aggs[f"raw{i}"] = p.cast("int32").sum()
    pairs = [(i, j) for i in range(len(preds)) for j in range(i + 1, len(preds))]
    for i, j in pairs:
        aggs[f"both{i}_{j}"] = (preds[i][1] & preds[j][1]).cast("int32").sum()
    row = C.execute(t.aggregate(**aggs)).iloc[0]
    report.events = int(row["n"])
    raw = {sid: int(row[f"raw{i}"] or 0) for i, (sid, _p) in enumerate(preds)}
    report.no_match = [sid for sid, n in raw.items() if n == 0]
    report.overlaps = [(preds[i][0], preds[j][0], int(row[f"both{i}_{j}"] or 0)) for i, j in pairs
                       if int(row[f"both{i}_{j}"] or 0) > 0]
    matched = match_steps(journey, t, keep_unmatched=True)
    on_step = matched.filter(matched.step.notnull())
    per_step = C.execute(on_step.group_by("step").aggregate(n=on_step.count()))
    report.step_events = {s.id: 0 for s in journey.steps}
    report.step_events.update({str(r.step): int(r.n) for r in per_step.itertuples()})
    report.matched_events = sum(report.step_events.values())
    unmatched = matched.filter(matched.step.isnull())
    counts = C.execute(unmatched.group_by("event").aggregate(n=unmatched.count()))
    counts = counts.sort_values(["n", "event"], ascending=[False, True])
    report.unmatched_total = int(counts["n"].sum()) if len(counts) else 0
    report.unmatched = [(str(r.event), int(r.n)) for r in counts.head(top).itertuples()]
    return report


def regex_safe(text: str) -> str:
    """``text`` escaped for use inside a regular expression (RE2 and Java agree on ``\\`` escapes)."""
    return re.sub(r"([^A-Za-z0-9_])", r"\\\1", text)
