"""Advice on a valid workspace: things that make a map less trustworthy, not wrong.

``journeymap lint`` runs these after validation. Each rule has a code so a team can
see which advice it keeps getting; advice never changes the exit code unless asked.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from journeymap.errors import Diagnostic
from journeymap.i18n import t
from journeymap.model import yamlio

if TYPE_CHECKING:
    from journeymap.model.workspace import SourceFile, Workspace

RULES: dict[str, str] = {
    "pain-no-owner": "a pain point with no owner (on the pain point or its step)",
    "pain-no-evidence": "an assumed pain point with no source note",
    "review-overdue": "a map past its review date",
    "no-review-date": "a map with no review date",
    "emotions-all-assumed": "a journey whose emotions are all assumptions",
    "kpi-no-target": "a KPI without a target",
    "mot-no-kpi": "a moment of truth that nothing measures",
    "no-binding": "a step with no data binding (nothing can check it)",
    "opportunity-no-owner": "an improvement idea with no owner",
}


def _adv(src: SourceFile, loc: tuple[Any, ...], message: str, code: str) -> Diagnostic:
    line, col = yamlio.position(src.doc, src.original_loc(loc))
    return Diagnostic(src.display, line, col, message, "advice", code)


def lint_workspace(ws: Workspace, today: dt.date | None = None) -> list[Diagnostic]:
    """All advice for the workspace's journeys, sorted by file and line."""
    today = today or dt.date.today()
    lang = ws.settings.language
    out: list[Diagnostic] = []

    def say(key: str, **kw: object) -> str:
        return t(f"lint.{key}", lang, **kw)

    for jid, j in ws.journeys.items():
        src = ws.journey_files[jid]
        if j.review_date is None:
            out.append(_adv(src, ("id",), say("no_review_date", journey=repr(jid)), "no-review-date"))
        elif j.review_date < today:
            days = (today - j.review_date).days
            out.append(_adv(src, ("review_date",), say("review_overdue", journey=repr(jid),
                                                        date=j.review_date.isoformat(), days=days), "review-overdue"))
        emotions = [(i, s.emotion) for i, s in enumerate(j.steps) if s.emotion]
        emotions += [(i, e) for i, s in enumerate(j.steps) for e in s.persona_emotions.values()]
        if emotions and all(e.provenance == "assumed" for _, e in emotions):
            out.append(_adv(src, ("steps",), say("emotions_all_assumed", n=len(emotions), journey=repr(jid)),
                            "emotions-all-assumed"))
        if j.kpi and j.kpi.target is None:
            out.append(_adv(src, ("kpi",), say("kpi_no_target", kpi=repr(j.kpi.name), journey=repr(jid)),
                            "kpi-no-target"))
        for i, s in enumerate(j.steps):
            for k, p in enumerate(s.pain_points):
                if not (p.owner or s.owner):
                    out.append(_adv(src, ("steps", i, "pain_points", k),
                                    say("pain_no_owner", text=repr(p.text), step=repr(s.id)), "pain-no-owner"))
                if p.provenance == "assumed" and not p.source:
                    out.append(_adv(src, ("steps", i, "pain_points", k),
                                    say("pain_no_evidence", text=repr(p.text), step=repr(s.id)), "pain-no-evidence"))
            for k, kpi in enumerate(s.kpis):
                if kpi.target is None:
                    out.append(_adv(src, ("steps", i, "kpis", k),
                                    say("step_kpi_no_target", kpi=repr(kpi.name), step=repr(s.id)), "kpi-no-target"))
            if s.moment_of_truth and s.moment_of_truth >= 4 and not s.kpis:
                out.append(_adv(src, ("steps", i, "moment_of_truth"),
                                say("mot_no_kpi", step=repr(s.id), weight=s.moment_of_truth), "mot-no-kpi"))
            if s.binding is None:
                out.append(_adv(src, ("steps", i, "id"), say("no_binding", step=repr(s.id)), "no-binding"))
        for i, o in enumerate(j.opportunities):
            if not o.owner:
                out.append(_adv(src, ("opportunities", i, "id"), say("opportunity_no_owner", id=repr(o.id)),
                                "opportunity-no-owner"))
    return sorted(out)
