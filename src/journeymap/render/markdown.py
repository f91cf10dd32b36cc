"""The map as Markdown: a summary, a Mermaid ``journey`` diagram, and pain point and opportunity tables.

For READMEs, pull requests and wikis that render Mermaid (GitHub, GitLab, Obsidian).
"""

from __future__ import annotations

import html
import math
import re

from journeymap.i18n import format_duration, format_number, format_percent
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
            who = ", ".join(_mermaid_text(a.replace(",", " ")) for a in actors)
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
    if view.peaks:
        facts.append(f"- **{t('emotion.peak')}:** {_line(view.peak_text())}")
    if view.end is not None and view.end.step is not None:
        facts.append(f"- **{t('emotion.end')}:** {_line(view.end.step.name)}")
    note = t("markdown.score_note") + ((" " + t("markdown.measured_note", title=t("metrics.title"))) if view.overlay is not None else "")
    out += facts + ["", f"## {t('markdown.diagram')}", "", "```mermaid", mermaid(view), "```", "", f"> {note}", ""]
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
    if view.overlay is not None:
        out += ["", *measured(view)]
    return "\n".join(out) + "\n"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c or "–" for c in cells) + " |"


def measured(view: MapView) -> list[str]:
    """What ``--with-data`` adds, in the map's language: the data's period and size; every step's reach,
    trend, conversion, drop-off, median time and measured emotion (with n); the flow between stages, the
    funnel, designed vs observed, events that are not on the map, and the notes."""
    o, t, lang = view.overlay, view.t, view.lang
    assert o is not None
    num = lambda n: format_number(n, lang)  # noqa: E731
    pct = lambda x: format_percent(x, lang)  # noqa: E731
    out = [f"## {t('metrics.title')}", "", " · ".join(view.data_summary()), ""]
    if o.steps or o.emotions:
        trend = any(m.trend is not None for m in o.steps.values())
        head = [t("markdown.step"), t("metrics.reach"), *([t("metrics.trend")] if trend else []), t("metrics.conversion"),
                t("metrics.dropoff"), t("metrics.median_time"), t("emotion.measured_curve")]
        out += [_row(head), "| --- |" + " ---: |" * (len(head) - 1)]
        for c in view.steps:
            assert c.step is not None
            m, e = c.metrics, c.measured
            cells = [_cell(c.step.name)]
            if m is not None:
                signed = ("+" if m.trend is not None and m.trend > 0 else "") + pct(m.trend)
                cells += [num(m.reach), *([signed] if trend else []), pct(m.conversion),
                          ("⚠ " if m.worst_dropoff else "") + pct(m.dropoff), format_duration(m.median_seconds, lang)]
            else:
                cells += [""] * (len(head) - 2)
            mood = ""
            if e is not None:
                mood = f"{format_number(e.score, lang, 1)} ({t('emotion.n', n=num(e.n))}{', ⚠' if e.small_sample else ''})"
            out.append(_row([*cells, mood]))
        out.append("")
        if any(m.worst_dropoff for m in o.steps.values()):
            out += [f"⚠ {t('metrics.worst_dropoff')}", ""]
    if o.stage_flows:
        index = {st.id: i for i, st in enumerate(view.journey.stages)}
        out += [f"### {t('flow.title')}", "", _row([t("conformance.from"), t("conformance.to"), t("conformance.customers"), t("markdown.remark")]),
                "| --- | --- | ---: | --- |"]
        for f in o.stage_flows:
            back = index.get(f.target, 1 << 30) <= index.get(f.source, -1)
            remark = "; ".join([*([t("flow.backward")] if back else []), *([] if f.designed else [t("flow.undesigned")])])
            out.append(_row([_cell(view.name_of(f.source)), _cell(view.name_of(f.target)), num(f.customers), remark]))
        out.append("")
    if o.funnel:
        out += [f"### {t('funnel.title')}", "",
                _row([t("markdown.step"), t("conformance.customers"), t("funnel.from_start"), t("funnel.from_previous")]),
                "| --- | ---: | ---: | ---: |"]
        out += [_row([_cell(view.name_of(f.step)), num(f.customers), pct(f.conversion_from_start),
                      pct(f.conversion_from_previous)]) for f in o.funnel]
        out.append("")
    if o.conformance is not None:
        cf = o.conformance
        out += [f"### {t('conformance.title')}", "",
                f"- {t('conformance.following')}: {pct(cf.journeys_following_design)}",
                f"- {t('conformance.fitness')}: {pct(cf.fitness)}"]
        if cf.undesigned:
            out.append(f"- {t('conformance.undesigned')}:")
            out += [f"  - {_line(view.name_of(f.source))} → {_line(view.name_of(f.target))} ({num(f.customers)})"
                    for f in sorted(cf.undesigned, key=lambda f: -f.customers)[:10]]
        if cf.never_seen_steps:
            out.append(f"- {t('conformance.never_seen')}: " + ", ".join(_line(view.name_of(s)) for s in cf.never_seen_steps))
        if cf.skipped_steps:
            out.append(f"- {t('conformance.skipped')}: "
                       + ", ".join(f"{_line(view.name_of(s))} ({num(n)})" for s, n in cf.skipped_steps[:10]))
        out.append("")
    if o.unmatched_events:
        shown = sorted(o.unmatched_events, key=lambda e: -e[1])[:20]
        out += [f"### {t('unmatched.title')}", "", t("unmatched.intro"), "",
                _row([t("unmatched.event"), t("unmatched.count")]), "| --- | ---: |",
                *(_row([_cell(name), num(n)]) for name, n in shown)]
        if len(o.unmatched_events) > len(shown):
            out += ["", t("unmatched.more", n=num(len(o.unmatched_events) - len(shown)))]
        out.append("")
    if o.notes:
        out += [f"### {t('notes.title')}", "", *(f"- {_line(n)}" for n in o.notes), ""]
    return out[:-1] if out[-1] == "" else out


def render_markdown(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> str:
    """The journey map of ``journey_id`` as Markdown with a Mermaid journey diagram."""
    return markdown_from_view(build_view(ws, journey_id, overlay))
