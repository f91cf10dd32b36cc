"""Closing the loop: unhappy customers to follow up on, and one customer's journey across channels.

:func:`followups` lists the customers who, in a period, gave a detractor NPS (0–6), a low
CSAT (1–2), a hard CES (1–3), wrote a strongly negative message (sentiment ≤ −0.5) or a message
with churn intent (even a polite one: "graag mijn opzegging bevestigen"), each with the reasons
and their cross-channel timeline (events, answers and messages in time order), ready for a
service team as CSV or JSON. Customers with churn intent come first: they are the ones a
service team can still keep. :func:`customer_journey` is the same
timeline for one customer: from the overview down to a single person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from journeymap.csvsafe import safe_row
from journeymap.engine import compile as C
from journeymap.errors import JourneymapError
from journeymap.i18n import t
from journeymap.outfile import check_writable, write_output
from journeymap.voc import feedback_store

if TYPE_CHECKING:
    from ibis.backends.duckdb import Backend as DuckDBBackend

    from journeymap.model.workspace import Workspace

#: Texts at or below this sentiment count as strongly negative.
NEGATIVE_THRESHOLD = -0.5
#: Answers at or below these scores call for a follow-up.
LOW_SCORES: dict[str, int] = {"nps": 6, "csat": 2, "ces": 3}
_SINCE = re.compile(r"^\s*(\d+)\s*([hdwm])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str, now: dt.datetime) -> dt.datetime:
    """``7d``, ``12h``, ``2w``, ``1m`` (30 days) before ``now``, or an ISO date/time."""
    m = _SINCE.match(value)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = dt.timedelta(days=30 * n) if unit == "m" else dt.timedelta(**{_UNITS[unit]: n})
        return now - delta
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise JourneymapError(f"--since {value!r}: expected a period such as 7d, 12h, 2w, 1m or a date "
                              "such as 2026-03-01") from exc
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


@dataclass
class TimelineItem:
    """One moment of a customer's journey: an event, a survey answer or a message."""

    ts: str
    kind: str  # event, survey, text
    channel: str | None
    step: str | None
    what: str  # event name, "nps 3", or the message kind
    text: str | None = None
    sentiment: float | None = None
    intent: str | None = None


@dataclass
class FollowUp:
    """A customer to contact, why, and what happened to them; ``churn``: one of their texts has churn intent."""

    customer_id: str
    reasons: list[str]
    worst_ts: str
    timeline: list[TimelineItem] = field(default_factory=list)
    churn: bool = False


def _backend(ws: Workspace, con: DuckDBBackend | None) -> Any:
    return con if con is not None else feedback_store.connect(ws)


def _fmt_ts(value: Any) -> str:
    return str(value)[:19]


def event_steps(ws: Workspace, events: ir.Table, journey: str | None = None) -> ir.StringValue:
    """The step each event is on, by the engine's step matching (:func:`~journeymap.engine.binding.match_steps`,
    first match wins): of ``journey``, or of every journey in the workspace (the first journey whose binding
    matches; with several journeys the step is written ``journey/step``). NULL on no step."""
    from journeymap.engine.binding import step_predicates

    journeys = [ws.journey(journey)] if journey else list(ws.journeys.values())
    cases = [(pred, ibis.literal(sid if len(journeys) == 1 else f"{j.id}/{sid}"))
             for j in journeys for sid, pred in step_predicates(j, events)]
    return ibis.cases(*cases, else_=ibis.null("string")) if cases else ibis.null("string")


def timeline(ws: Workspace, customer_ids: list[str], con: DuckDBBackend | None = None,
             limit: int | None = 50, journey: str | None = None) -> dict[str, list[TimelineItem]]:
    """The cross-channel timeline of each customer: events (with the step of the map they are on), survey
    answers and messages by time.

    ``limit`` keeps the latest items per customer (None: all); ``journey`` chooses the map whose steps name
    the events (default: every journey of the workspace).
    """
    backend = _backend(ws, con)
    ids = ibis.memtable({"cid": list(customer_ids)}, schema={"cid": "string"})
    parts = []
    if feedback_store.has_table(backend, "events"):
        ev = backend.table("events")
        ev = ev.semi_join(ids, ev.customer_id == ids.cid)
        parts.append(ev.select(customer_id=ev.customer_id, ts=ev.ts, kind=ibis.literal("event"), channel=ev.channel,
                               step=event_steps(ws, ev, journey), what=ev.event, text=ibis.null("string"),
                               sentiment=ibis.null("float64"), intent=ibis.null("string")))
    fb = feedback_store.open_feedback(ws, backend)
    fb = fb.semi_join(ids, fb.customer_id == ids.cid)
    parts.append(fb.select(customer_id=fb.customer_id, ts=fb.ts, kind=ibis.literal("survey"), channel=fb.channel,
                           step=fb.step, what=fb.metric + " " + fb.score.cast("int64").cast("string"),
                           text=fb.comment, sentiment=fb.sentiment, intent=fb.intent))
    it = feedback_store.open_interactions(ws, backend)
    it = it.semi_join(ids, it.customer_id == ids.cid)
    parts.append(it.select(customer_id=it.customer_id, ts=it.ts, kind=ibis.literal("text"), channel=it.channel,
                           step=it.step, what=it.kind, text=it.text, sentiment=it.sentiment, intent=it.intent))
    t = parts[0]
    for p in parts[1:]:
        t = t.union(p)
    if limit:
        w = ibis.window(group_by=t.customer_id, order_by=[t.ts.desc()])
        t = t.mutate(_r=ibis.row_number().over(w))
        t = t.filter(t._r < limit).drop("_r")
    df = C.execute(t.order_by(["customer_id", "ts", "kind"]))
    out: dict[str, list[TimelineItem]] = {c: [] for c in customer_ids}
    for row in df.to_dict("records"):
        s = row["sentiment"]
        out[str(row["customer_id"])].append(TimelineItem(
            _fmt_ts(row["ts"]), str(row["kind"]), _none(row["channel"]), _none(row["step"]), str(row["what"]),
            _none(row["text"]), None if s is None or s != s else round(float(s), 3), _none(row["intent"])))
    return out


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def followups(ws: Workspace, since: str | dt.datetime = "7d", *, now: dt.datetime | None = None,
              threshold: float = NEGATIVE_THRESHOLD, con: DuckDBBackend | None = None,
              timeline_limit: int | None = 50) -> list[FollowUp]:
    """Customers with a low score, a strongly negative message or churn intent since ``since`` (``7d`` or a
    date); those with churn intent first, then those with the most reasons."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    start = parse_since(since, now) if isinstance(since, str) else since
    backend = _backend(ws, con)
    lang = ws.settings.language
    churn_note = ibis.literal(f" [{t('voc.followup_churn', lang)}]")
    at = ibis.literal(f" {t('voc.followup_at', lang)} ")
    fb = feedback_store.open_feedback(ws, backend)
    fb_churn = (fb.intent == "churn").fill_null(False)
    low = ibis.or_(*[(fb.metric == m) & (fb.score <= s) for m, s in LOW_SCORES.items()],
                   fb.sentiment <= threshold, fb_churn)
    fb_hits = fb.filter(low & (fb.ts >= start) & (fb.ts <= now)).select(
        customer_id=fb.customer_id, ts=fb.ts,
        reason=fb.metric + " " + fb.score.cast("int64").cast("string")
        + ibis.ifelse(fb.step.notnull(), at + fb.step.fill_null(""), "")
        + ibis.ifelse(fb_churn, churn_note, "")
        + ibis.ifelse(fb.comment.notnull(), ": " + fb.comment.fill_null(""), ""),
        churn=fb_churn,
    )
    it = feedback_store.open_interactions(ws, backend)
    it_churn = (it.intent == "churn").fill_null(False)
    it_hits = it.filter(((it.sentiment <= threshold) | it_churn) & (it.ts >= start) & (it.ts <= now)).select(
        customer_id=it.customer_id, ts=it.ts, reason=it.kind + " (" + it.sentiment.round(2).cast("string") + ")"
        + ibis.ifelse(it_churn, churn_note, "") + ": " + it.text,
        churn=it_churn,
    )
    hits = C.execute(fb_hits.union(it_hits).order_by(["customer_id", "ts"]))
    grouped: dict[str, FollowUp] = {}
    for row in hits.to_dict("records"):
        cid = str(row["customer_id"])
        entry = grouped.setdefault(cid, FollowUp(cid, [], _fmt_ts(row["ts"])))
        entry.reasons.append(str(row["reason"]))
        entry.worst_ts = max(entry.worst_ts, _fmt_ts(row["ts"]))
        entry.churn = entry.churn or bool(row["churn"])
    items = sorted(grouped.values(), key=lambda f: (not f.churn, -len(f.reasons), f.worst_ts, f.customer_id))
    if items and timeline_limit != 0:
        lines = timeline(ws, [f.customer_id for f in items], backend, timeline_limit)
        for f in items:
            f.timeline = lines.get(f.customer_id, [])
    return items


def newest_feedback(ws: Workspace, con: DuckDBBackend | None = None) -> str | None:
    """The time of the newest answer or message (to suggest ``--as-of`` when a period is empty)."""
    backend = _backend(ws, con)
    fb = feedback_store.open_feedback(ws, backend)
    it = feedback_store.open_interactions(ws, backend)
    both = fb.select("ts").union(it.select("ts"))
    value = C.scalar(both.ts.max())
    return None if value is None else _fmt_ts(value)


def export_followups(items: list[FollowUp], target: Path) -> Path:
    """Write follow-ups as JSON (``.json``: nested timelines) or CSV (one row per timeline item)."""
    suffix = target.suffix.lower()
    check_writable(target, "follow-ups")
    if suffix == ".json":
        text = json.dumps([asdict(f) for f in items], ensure_ascii=False, indent=2)
    elif suffix == ".csv":
        text = followups_csv(items)
    else:
        raise JourneymapError(f"cannot export follow-ups to {target.name}: use a .csv or .json file name")
    return write_output(target, text, "follow-ups")


def followups_csv(items: list[FollowUp]) -> str:
    """Follow-ups as CSV, one row per timeline item (what ``--export FILE.csv`` writes)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # the columns a service team's spreadsheet already reads; churn intent shows in the reasons ("[churn intent]",
    # in the workspace's language) and in the order, the intent of every message in the JSON export
    w.writerow(["customer_id", "reasons", "ts", "kind", "channel", "step", "what", "text", "sentiment"])
    # every text cell through safe_row: customer texts reach the service team's spreadsheet
    for f in items:
        reasons = " | ".join(f.reasons)
        for item in f.timeline or [TimelineItem(f.worst_ts, "", None, None, "")]:
            w.writerow(safe_row([f.customer_id, reasons, item.ts, item.kind, item.channel or "", item.step or "",
                                 item.what, item.text or "", "" if item.sentiment is None else item.sentiment]))
    return buf.getvalue()


@dataclass
class CustomerJourney:
    """One customer across channels: summary figures and the full timeline."""

    customer_id: str
    timeline: list[TimelineItem]
    channels: list[str]
    answers: int
    messages: int
    mean_sentiment: float | None


def customer_journey(ws: Workspace, customer_id: str, con: DuckDBBackend | None = None,
                     limit: int | None = None, journey: str | None = None) -> CustomerJourney:
    """The journey of one customer: events (each with its step), survey answers and messages in time order."""
    items = timeline(ws, [customer_id], con, limit, journey)[customer_id]
    if not items:
        raise JourneymapError(f"no events, answers or messages for customer {customer_id!r}")
    sentiments = [i.sentiment for i in items if i.sentiment is not None]
    return CustomerJourney(
        customer_id, items, sorted({i.channel for i in items if i.channel}),
        sum(1 for i in items if i.kind == "survey"), sum(1 for i in items if i.kind == "text"),
        sum(sentiments) / len(sentiments) if sentiments else None,
    )
