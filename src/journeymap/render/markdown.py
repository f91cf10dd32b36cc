"""The map as Markdown: a summary, a Mermaid ``journey`` diagram, and pain point and opportunity tables.

For READMEs, pull requests and wikis that render Mermaid (GitHub, GitLab, Obsidian).
"""

from __future__ import annotations

import html
import math
import re

from journeymap.model.workspace import Workspace
from journeymap.render.view import MapView, build_view, format_target
from journeymap.results import MapOverlay


def mermaid_score(score: float | None) -> int:
    """The emotion −2..+2 as Mermaid's 1..5 (−2 → 1, 0 → 3, +2 → 5); no emotion is neutral, 3."""
    if score is None:
        return 3
    return int(min(max(math.floor(score + 3 + 0.5), 1), 5))  # half up: +1.5 → 5, not banker's 4


def _mermaid_text(text: str) -> str:
    """User text made inert inside the Mermaid block.

    The journey syntax splits on ``:`` and ends lines at ``;`` and ``#``; ``%%{...}%%`` is a
    directive; a backtick run closes the fenced block; ``<``/``>`` would be HTML in labels.
    All become spaces, and line breaks too, so a name is always one task line.
    """
    return re.sub(r"\s+", " ", re.sub(r"[:;#%{}`<>&\\]", " ", text)).strip() or "-"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]()!|~])")


def _md(text: object) -> str:
    """User text as inert Markdown: HTML-escaped (``<script>`` shows as text), and the characters
    that form links, images, code and emphasis backslash-escaped, so ``[x](javascript:…)`` is no link.
    A line that starts with ``#``, ``>``, ``-``, ``+`` or a number and dot stays a plain line."""
    out = _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))
    return re.sub(r"(?m)^(\s*)([#>+\-=]|\d+\.)", r"\1\\\2", out)


def _line(text: object) -> str:
    """:func:`_md` on one line: headings, list items and table cells cannot span lines."""
    return _md(re.sub(r"\s+", " ", str(text)).strip())


def _cell(text: object) -> str:
    return _line(text)


def mermaid(view: MapView) -> str:
    """The Mermaid ``journey`` block: sections are stages (those with steps), tasks are steps."""
    j = view.journey
    all_actors = [p.name for p in view.personas]
    names = {p.id: p.name for p in view.personas}
    lines = ["journey", f"  title {_mermaid_text(j.title)}"]
    for span in view.chunks(None)[0].spans if view.columns else []:
        steps = [c for c in view.columns if c.stage_index == span.index and c.step is not None]
        if not steps:
            continue
        lines.append(f"  section {_mermaid_text(span.stage.name)}")
        for c in steps:
            assert c.step is not None
            actors = [names.get(p, p) for p in c.step.personas] or all_actors
            who = ", ".join(_mermaid_text(a).replace(",", " ") for a in actors)
            lines.append(f"    {_mermaid_text(c.step.name)}: {mermaid_score(c.score)}" + (f": {who}" if who else ""))
    return "\n".join(lines)


def markdown_from_view(view: MapView) -> str:
    """Render a prepared :class:`MapView` as Markdown."""
    j = view.journey
    t = view.t
    out = [f"# {_line(j.title)}", "", f"*{t('scope.' + j.scope)} · {t('state.' + j.state)}*", ""]
    if j.description:
        out += [_md(j.description), ""]
    out += [f"## {t('markdown.summary')}", ""]
    facts = []
    if j.goal:
        facts.append(f"- **{t('map.goal')}:** {_line(j.goal)}")
    if j.kpi:
        target = f" → {format_target(j.kpi.target, view.lang)}{(' ' + _line(j.kpi.unit)) if j.kpi.unit else ''}" if j.kpi.target is not None else ""
        facts.append(f"- **{t('map.kpi')}:** {_line(j.kpi.name)}{target}")
    if j.owner:
        facts.append(f"- **{t('map.owner')}:** {_line(j.owner)}")
    if j.review_date:
        facts.append(f"- **{t('map.review_date')}:** {view.date(j.review_date)}")
    if view.personas:
        facts.append(f"- **{t('map.personas')}:** " + ", ".join(f"{_line(p.name)} ({t('role.' + p.role)})" for p in view.personas))
    facts.append(f"- **{t('map.stages')}:** " + " → ".join(_line(s.name) for s in j.stages))
    facts.append(f"- **{t('map.steps')}:** {len(view.steps)}")
    if view.peak is not None and view.peak.step is not None:
        facts.append(f"- **{t('emotion.peak')}:** {_line(view.peak.step.name)}")
    if view.end is not None and view.end.step is not None:
        facts.append(f"- **{t('emotion.end')}:** {_line(view.end.step.name)}")
    out += facts + ["", f"## {t('markdown.diagram')}", "", "```mermaid", mermaid(view), "```", "",
                    f"> {t('markdown.score_note')}", ""]
    out += [f"## {t('pains.title')}", ""]
    if view.pains:
        out += [f"| {t('pains.severity')} | {t('pains.title')} | {t('pains.step')} | {t('markdown.stage')} |",
                "| --- | --- | --- | --- |"]
        out += [f"| {t('severity.' + r.pain.severity)} | {_cell(r.pain.text)} | {_cell(r.step.name)} | "
                f"{_cell(r.stage.name)} |" for r in view.pains]
    else:
        out.append(t("pains.none"))
    out += ["", f"## {t('opportunities.title')}", ""]
    if view.opportunities:
        out += [f"| # | {t('opportunities.title')} | {t('opportunities.matrix')} | {t('opportunities.impact')} | "
                f"{t('opportunities.effort')} | {t('opportunities.status')} | {t('opportunities.linked_to')} |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for i, o in enumerate(view.opportunities, 1):
            out.append(f"| {i} | {_cell(o.title)} | {t('opportunities.' + o.quadrant)} | {o.impact} | {o.effort} | "
                       f"{t('status.' + o.status)} | {_cell(view.opportunity_target(o))} |")
    else:
        out.append(t("opportunities.none"))
    return "\n".join(out) + "\n"


def render_markdown(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> str:
    """The journey map of ``journey_id`` as Markdown with a Mermaid journey diagram."""
    return markdown_from_view(build_view(ws, journey_id, overlay))
