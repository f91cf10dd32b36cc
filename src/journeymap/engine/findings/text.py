"""Plain-language titles and reproducing commands for findings, in the workspace's language."""

from __future__ import annotations

import datetime as dt
import shlex
from typing import Any

from journeymap.engine.findings.base import period_text
from journeymap.i18n import format_duration, format_number, format_percent, t
from journeymap.model.types import Journey
from journeymap.results import Finding


def value_text(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return "–"
    if unit == "share":
        return format_percent(value, lang, 1)
    if unit == "seconds":
        return format_duration(value, lang)
    if unit == "mean":
        return format_number(value, lang, 1)
    return format_number(value, lang)


def _step(journey: Journey, sid: str) -> str:
    try:
        return journey.step(sid).name
    except KeyError:
        return sid


def title(f: Finding, journey: Journey, lang: str) -> str:
    """The finding's title (see the ``findings.title`` messages)."""
    args: dict[str, Any] = {
        "baseline": value_text(f.baseline, f.unit, lang),
        "observed": value_text(f.observed, f.unit, lang),
        "period": period_text(f.period, lang),
        "customers": format_number(f.customers, lang),
        "direction": t("findings.up" if (f.effect or 0) > 0 else "findings.down", lang),
        "metric": t(f"findings.metric.{f.metric}", lang),
    }
    if f.steps:
        args["step"] = _step(journey, f.steps[0])
    if len(f.steps) > 1:
        args["target"] = _step(journey, f.steps[1])
    if f.events:
        args["event"] = f.events[0]
    if f.segment:
        (key, value), = f.segment.items()
        args["segment"] = f"{key} = {value}"
    if f.period:
        args["start"] = period_text({"start": f.period["start"], "end": f.period["start"]}, lang)
        last = dt.date.fromisoformat(f.period["end"]) - dt.timedelta(days=1)
        args["end"] = period_text({"start": last.isoformat(), "end": last.isoformat()}, lang)
    key = _title_key(f)
    if f.kind == "interaction":
        args["rest"] = value_text(f.details.get("rest_in_window"), f.unit, lang)
    if f.kind == "spike" and "spike_conversion" in f.details:
        args["spike_conversion"] = value_text(f.details["spike_conversion"], "share", lang)
        args["usual_conversion"] = value_text(f.details["usual_conversion"], "share", lang)
        key += "_conversion"
    if f.kind == "cohort" and f.period:
        months = list(f.details.get("months", {}))
        args["first_month"], args["last_month"] = (months[0], months[-1]) if months else ("", "")
    return t(f"findings.title.{key}", lang, **args)


def _title_key(f: Finding) -> str:
    if f.kind == "change":
        if f.details.get("level") == "customer":
            return "change_reach" if f.metric == "reach" else "change_customers"
        return "change_move" if f.metric == "transition" else "change"
    if f.kind in ("appear", "vanish"):
        what = "event" if f.events else "move" if len(f.steps) > 1 else "step"
        bounded = f.kind == "appear" and f.details.get("bounded")
        return f"{f.kind}_{what}" + ("_bounded" if bounded else "")
    if f.kind == "segment":
        return "segment_step" if f.steps else "segment"
    return f.kind


def command(f: Finding, journey: Journey, workspace: str, main: list[str]) -> str:
    """A command that shows the figure behind the finding."""
    ws = ["-w", workspace]
    jid = journey.id
    period = f.period or {}
    since_until = ["--since", period["start"], "--until", period["end"]] if period else []
    if f.kind == "change" and f.details.get("level") == "visit" and period:
        start, end = dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])
        before = start - (end - start)
        args = ["compare", jid, *ws, "--a", f"{before.isoformat()}:{start.isoformat()}",
                "--b", f"{start.isoformat()}:{end.isoformat()}"]
    elif f.kind in ("change", "cohort", "spike") and len(main) >= 2:
        args = ["funnel", jid, *main, *ws, "--by", "period:week" if f.kind != "cohort" else "period:month"]
    elif f.kind == "interaction" and f.segment and len(main) >= 2:
        (key, value), = f.segment.items()
        args = ["funnel", jid, *main, *ws, "--where", f"{key}={value}", "--by", "period:week"]
    elif f.kind == "segment" and f.segment:
        (key, value), = f.segment.items()
        args = ["compare", jid, *ws, "--by", key, "--a", value]
    elif f.kind in ("appear", "vanish") and f.events:
        args = ["analyze", jid, *ws, "--only", "unmatched", *since_until]
    elif f.kind in ("appear", "vanish") and len(f.steps) > 1 or f.kind == "loop":
        args = ["paths", jid, *ws, "--after", f.steps[0], "--depth", "1", *since_until]
    else:
        args = ["analyze", jid, *ws, "--only", "steps", *since_until]
    return "journeymap " + " ".join(shlex.quote(a) for a in args)
