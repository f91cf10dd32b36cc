"""What needs attention: the report's first section.

First the statistically supported findings of :mod:`journeymap.engine.findings` (what changed, what appears or
vanishes, which segment differs, loops, spikes, cohort drift), ranked by impact, each a
:class:`~journeymap.results.Notice` with the numbers behind it and the command that shows them. Then a small set
of rules, each turning a figure the engine already computed into a notice a manager can act on: the worst
drop-offs, the most travelled undesigned paths, the NPS and the step that scores lowest, steps the data never
shows, persona rules that recognise nobody or everybody, events on no step, and the "expected vs received" gaps
of the emotion curve. :func:`needs_attention` is the one entry point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from journeymap.i18n import format_number, format_percent, format_signed, t
from journeymap.results import Finding, MapOverlay, Notice

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
#: Findings of the findings engine shown at the top of the report (``journeymap findings`` lists them all).
FINDINGS_SHOWN = 10
#: Findings shown at most per kind, so one kind cannot crowd out the rest.
PER_KIND = {"dropoff": 3, "undesigned": 2, "gap": 2}
#: An undesigned transition is worth a finding from this share of the customers on.
UNDESIGNED_MIN_SHARE = 0.01
#: Events on no step are worth a finding from this share of all events on.
UNMATCHED_MIN_SHARE = 0.10
#: A persona rule that matches this share of the customers or more does not tell personas apart.
PERSONA_ALL_SHARE = 0.95
MIN_STEP_ANSWERS = 30


@dataclass
class FeedbackFigures:
    """The feedback the report shows: the journey's NPS/CSAT/CES overall, per step and per period
    (:class:`~journeymap.voc.metrics.MetricRow` lists)."""

    overall: list[Any]
    by_step: list[Any]
    by_period: list[Any]
    period: str = "month"


def needs_attention(journey: Any, overlay: MapOverlay, frames: dict[str, pd.DataFrame],
                    feedback: FeedbackFigures | None, lang: str) -> list[Notice]:
    """The findings in the data (``overlay.findings``, ranked by impact; at most :data:`FINDINGS_SHOWN`), then
    what the rules notice, most severe first (then the most customers affected)."""
    names = {s.id: s.name for s in journey.steps}
    found: list[Notice] = []
    found += _dropoffs(overlay, names, lang)
    found += _undesigned(frames, overlay, names, lang)
    if feedback is not None:
        found += _nps(feedback, names, lang)
    found += _never_seen(overlay, names, lang)
    found += _personas(frames, overlay, lang)
    found += _unmatched(overlay, lang)
    found += _gaps(overlay)
    ranked = sorted(found, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), -f.weight))
    return [finding_notice(f, lang) for f in overlay.findings[:FINDINGS_SHOWN]] + ranked


def finding_notice(f: Finding, lang: str) -> Notice:
    """A finding of the findings engine as the report shows it: its title (which has the numbers before and
    after), the customers affected, its q-value and the command that shows the figure. High when the observed
    value is a quarter or more away from the baseline."""
    from journeymap.engine.formatting import format_p

    detail = t("attention.finding_detail", lang, customers=_num(f.customers, lang),
               q=_q(format_p(f.q_value, lang)), command=f.command)
    relative = (abs(f.observed - f.baseline) / abs(f.baseline) if f.baseline and f.observed is not None else 1.0)
    return Notice("finding", "high" if relative >= 0.25 else "medium", f.title, detail, "findings", f.score,
                  finding=f.kind)


def _gaps(overlay: MapOverlay) -> list[Notice]:
    """The emotion curve's "expected vs received" gaps, the largest first."""
    return [Notice("gap", "medium", g.title, g.detail, "map", 0.0) for g in overlay.gaps[:PER_KIND["gap"]]]


def _q(text: str) -> str:
    return f"q {text}" if text.startswith("<") else f"q = {text}"


def _num(n: float, lang: str) -> str:
    return format_number(n, lang)


def _dropoffs(overlay: MapOverlay, names: dict[str, str], lang: str) -> list[Notice]:
    worst = sorted(((sid, m) for sid, m in overlay.steps.items() if m.worst_dropoff and m.dropoff),
                   key=lambda x: -(x[1].dropoff or 0) * x[1].reach)
    out = []
    for sid, m in worst[:PER_KIND["dropoff"]]:
        share = m.dropoff or 0.0
        dropped = round(share * m.reach)
        out.append(Notice(
            "dropoff", "high" if share >= 0.4 else "medium",
            t("attention.dropoff", lang, share=format_percent(share, lang), step=names.get(sid, sid)),
            t("attention.dropoff_detail", lang, dropped=_num(dropped, lang), reach=_num(m.reach, lang),
              conversion=format_percent(m.conversion, lang) if m.conversion is not None else "–"),
            "steps", float(dropped)))
    return out


def _undesigned(frames: dict[str, pd.DataFrame], overlay: MapOverlay, names: dict[str, str],
                lang: str) -> list[Notice]:
    und = frames.get("undesigned")
    if und is None or und.empty or not overlay.customers:
        return []
    fitness = overlay.conformance.fitness if overlay.conformance else None
    out = []
    for row in und.sort_values("customers", ascending=False).head(PER_KIND["undesigned"]).itertuples():
        share = int(row.customers) / overlay.customers
        if share < UNDESIGNED_MIN_SHARE:
            continue
        out.append(Notice(
            "undesigned", "high" if share >= 0.10 else "medium" if share >= 0.03 else "low",
            t("attention.undesigned", lang, customers=_num(int(row.customers), lang),
              source=names.get(str(row.source), str(row.source)), target=names.get(str(row.target), str(row.target))),
            t("attention.undesigned_detail", lang, count=_num(int(row.count), lang),
              share=format_percent(1 - fitness, lang) if fitness is not None else "–"),
            "undesigned", float(row.customers)))
    return out


def _nps(feedback: FeedbackFigures, names: dict[str, str], lang: str) -> list[Notice]:
    out = []
    overall = next((r for r in feedback.overall if r.metric == "nps" and r.n), None)
    if overall is not None and overall.value is not None:
        severity = "high" if overall.value < 0 else "medium" if overall.value < 30 else "low"
        promoters = round((overall.top2_share or 0) * overall.n)
        detractor_n = _detractors(overall)
        out.append(Notice(
            "nps", severity,
            t("attention.nps", lang, nps=format_signed(overall.value, lang), low=format_signed(overall.low, lang),
              high=format_signed(overall.high, lang), n=_num(overall.n, lang)),
            t("attention.nps_detail", lang, detractors=_num(detractor_n, lang), promoters=_num(promoters, lang)),
            "feedback", float(detractor_n)))
    steps = [r for r in feedback.by_step if r.metric == "nps" and r.n >= MIN_STEP_ANSWERS and r.value is not None]
    if len(steps) >= 2:
        low = min(steps, key=lambda r: r.value)
        out.append(Notice(
            "nps-step", "high" if low.value < 0 else "medium",
            t("attention.nps_step", lang, step=names.get(low.group or "", low.group or "–"),
              nps=format_signed(low.value, lang), n=_num(low.n, lang)),
            t("attention.nps_step_detail", lang, low=format_signed(low.low, lang), high=format_signed(low.high, lang)),
            "feedback", float(low.n)))
    return out


def _detractors(row: Any) -> int:
    """Detractors of an NPS row: NPS = 100 · (promoters − detractors) / n, so detractors = promoters − NPS · n / 100."""
    promoters = (row.top2_share or 0) * row.n
    return max(round(promoters - (row.value or 0) * row.n / 100), 0)


def _never_seen(overlay: MapOverlay, names: dict[str, str], lang: str) -> list[Notice]:
    steps: Sequence[str] = overlay.conformance.never_seen_steps if overlay.conformance else []
    if not steps or not overlay.events:
        return []
    listed = ", ".join(f"'{names.get(s, s)}'" for s in steps)
    return [Notice("never-seen", "high", t("attention.never_seen", lang, n=len(steps), steps=listed),
                    t("attention.never_seen_detail", lang), "conformance", float(len(steps)))]


def _personas(frames: dict[str, pd.DataFrame], overlay: MapOverlay, lang: str) -> list[Notice]:
    df = frames.get("personas")
    if df is None or df.empty or not overlay.customers:
        return []
    out = []
    for row in df.itertuples():
        share = int(row.customers) / overlay.customers
        if int(row.customers) == 0:
            out.append(Notice("persona", "medium", t("attention.persona_none", lang, persona=row.persona),
                               t("attention.persona_none_detail", lang), "personas", 1.0))
        elif share >= PERSONA_ALL_SHARE:
            out.append(Notice("persona", "low", t("attention.persona_all", lang, persona=row.persona,
                                                   share=format_percent(share, lang)),
                               t("attention.persona_all_detail", lang), "personas", share))
    return out


def _unmatched(overlay: MapOverlay, lang: str) -> list[Notice]:
    if not overlay.unmatched_events or not overlay.events:
        return []
    total = overlay.events - sum(m.events for m in overlay.steps.values())  # each event is on one step or none
    if total / overlay.events < UNMATCHED_MIN_SHARE:
        return []
    event = overlay.unmatched_events[0][0]
    return [Notice("unmatched", "low", t("attention.unmatched", lang, n=_num(total, lang), event=event),
                    t("attention.unmatched_detail", lang), "unmatched", float(total))]
