"""The findings engine: what the data says needs attention, found with no hints from the user.

Phases: the journey's relations → a few small tables (:mod:`.data`, one query each) → every test of every
kind (:mod:`.change`, :mod:`.appear`, :mod:`.segments`, :mod:`.loops`, :mod:`.spikes`, :mod:`.cohorts`),
each a candidate with a p-value → Benjamini–Hochberg over all of them → the significant candidates that are
big enough (customers, effect), one per subject (a step in one window …) → the customers affected counted
(one query) → titles in the workspace's language, the command that shows each figure, the SQL behind it →
ranked by score (customers affected × size of the effect). docs/findings.md describes each kind.

:func:`journey_findings` is the library function (the report's "What needs attention" and the living map's
badges call it with the source they already have open); :func:`findings_report` is the ``findings``
command's work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from journeymap.engine import stats
from journeymap.engine.findings import appear, change, cohorts, loops, segments, spikes
from journeymap.engine.findings.base import Candidate, FindingsOptions
from journeymap.engine.findings.data import FindingsData, collect, event_customers, visit_customers
from journeymap.engine.findings.text import command, title
from journeymap.engine.source import EventSource
from journeymap.model.types import Journey
from journeymap.results import Finding

__all__ = ["FindingsOptions", "FindingsResult", "findings_report", "journey_findings"]


@dataclass
class FindingsResult:
    """The findings of one journey, ranked, and how they were found."""

    findings: list[Finding]
    tests: dict[str, int] = field(default_factory=dict)   # tests run per kind (all count in the correction)
    significant: int = 0                                  # candidates with q <= the false-discovery rate
    plan: list[str] = field(default_factory=list)
    sql: dict[str, str] = field(default_factory=dict)
    options: FindingsOptions | None = None


def _kinds(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    return [*change.candidates(data, opts), *appear.candidates(data, opts), *segments.candidates(data, opts),
            *loops.candidates(data, opts), *spikes.candidates(data, opts), *cohorts.candidates(data, opts)]


#: Bump when the findings of the same events, journey and settings change (kept results are keyed by it).
RESULT_VERSION = 1


def journey_findings(ws: Any, journey: Journey, source: EventSource, options: FindingsOptions | None = None, *,
                     lang: str | None = None, main_path: list[str] | None = None) -> FindingsResult:
    """Every statistically supported finding of ``journey`` on ``source``, ranked (see the module docstring).

    ``ws`` gives the personas, the settings and the language; ``main_path`` the steps of the funnel the
    reproducing commands use (default: the designed main path, measured). On the workspace's store the result
    is kept in the journey index, keyed by everything it depends on (the store's generation, the whole journey,
    its personas' rules and names, the settings, the language, the main path), so the report, the living map
    and the command share one computation until one of those changes."""
    opts = options or FindingsOptions.of(ws)
    lang = lang or (ws.settings.language if ws is not None else "en")
    computed: dict[str, FindingsResult] = {}

    def build() -> Any:
        import ibis

        computed["r"] = _findings(ws, journey, source, opts, lang, main_path)
        one = source.all_events.limit(1)  # a one-row table on the source's own connection, holding the result
        return one.select(result=ibis.literal(_dump(computed["r"]), "string"))

    kept = source.kept(f"findings-result-{_result_key(ws, journey, opts, lang, main_path)}", build, journey)
    if "r" in computed:
        return computed["r"]
    from journeymap.engine import compile as C

    rows = C.execute(kept)["result"]
    if rows.empty:  # a store without events keeps no row: there is nothing to find
        return _findings(ws, journey, source, opts, lang, main_path)
    result = _load(str(rows.iloc[0]))
    result.plan, result.options = list(source.plan), opts
    return result


def _result_key(ws: Any, journey: Journey, opts: FindingsOptions, lang: str, main_path: list[str] | None) -> str:
    from journeymap.engine.personas import journey_personas
    from journeymap.model.workspace import display_path

    personas = ([p.model_dump(mode="json", include={"id", "name", "segment"}) for p in journey_personas(ws, journey)]
                if ws is not None else [])
    # what the findings read of the journey: its steps and stages with their names (the titles say them), not
    # the lanes' texts, so editing a lane in the app does not compute them again
    design = [journey.id, [(st.id, st.name) for st in journey.stages],
              [s.model_dump(mode="json", include={"id", "name", "stage", "binding", "next", "goal", "outcome",
                                                  "edge_outcomes"}) for s in journey.steps]]
    parts = [RESULT_VERSION, design, personas, dataclasses.asdict(opts), lang, main_path,
             display_path(ws.root) if ws is not None else "."]
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _dump(result: FindingsResult) -> str:
    from journeymap.engine.formatting import _plain_deep

    return json.dumps(_plain_deep({"findings": [dataclasses.asdict(f) for f in result.findings],
                                   "tests": result.tests, "significant": result.significant, "sql": result.sql}),
                      default=str)


def _load(text: str) -> FindingsResult:
    data = json.loads(text)
    findings = []
    for f in data["findings"]:
        if f.get("interval") is not None:
            f["interval"] = tuple(f["interval"])
        findings.append(Finding(**f))
    return FindingsResult(findings, data["tests"], data["significant"], [], data["sql"])


def _findings(ws: Any, journey: Journey, source: EventSource, opts: FindingsOptions, lang: str,
              main_path: list[str] | None) -> FindingsResult:
    if not source.totals()["events"]:
        return FindingsResult([], plan=list(source.plan), options=opts)
    warm = stats.preload()  # the statistics libraries load while the queries run (the engine gives up the GIL)
    data = collect(source, journey, ws, window_s=opts.window_s, gap_s=opts.gap_s, max_values=opts.segment_values)
    warm.join()
    cands = [c for c in _kinds(data, opts) if c.finding.p_value is not None]
    q = stats.bh([c.finding.p_value for c in cands], opts.fdr)  # type: ignore[misc]
    tests: dict[str, int] = {}
    for cand, qv in zip(cands, q, strict=True):
        cand.finding.q_value = float(qv)
        tests[cand.finding.kind] = tests.get(cand.finding.kind, 0) + 1
    significant = [c for c in cands if c.finding.q_value is not None and c.finding.q_value <= opts.fdr]
    shown = _one_per_subject([c for c in significant if c.eligible and c.finding.kind != "spike"])
    shown += _one_per_subject(spikes.merge([c for c in significant if c.eligible and c.finding.kind == "spike"],
                                           data, opts))
    _count_customers(shown, source, journey, opts)
    shown = [c for c in shown if c.eligible]
    for cand in shown:
        if cand.finding.kind == "loop":
            loops.concentration(data, cand.finding, opts)
    path = main_path if main_path is not None else _main_path(journey, data)
    from journeymap.model.workspace import display_path

    workspace = display_path(ws.root) if ws is not None else "."
    out = []
    for cand in shown:
        f = cand.finding
        f.title = title(f, journey, lang)
        f.command = command(f, journey, workspace, path)
        f.sql = _sql_of(f, data)
        out.append(f)
    out.sort(key=lambda f: (-f.score, f.kind, f.title))
    return FindingsResult(out, tests, len(significant), list(source.plan), dict(data.sql), opts)


def _overlap(a: dict[str, str] | None, b: dict[str, str] | None) -> bool:
    """Whether two periods overlap by at least half of the shorter (no period: the same subject)."""
    if a is None or b is None:
        return True
    start, end = max(a["start"], b["start"]), min(a["end"], b["end"])
    if start >= end:
        return False
    length = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
    shorter = min((dt.date.fromisoformat(p["end"]) - dt.date.fromisoformat(p["start"])).days for p in (a, b))
    return length >= shorter / 2


def _one_per_subject(cands: list[Candidate]) -> list[Candidate]:
    """The highest-scoring candidate of each group (and overlapping period); the others named in its details
    (``related``)."""
    winners: dict[str, list[Candidate]] = {}
    out: list[Candidate] = []
    for cand in sorted(cands, key=lambda c: -(c.rank if c.rank is not None else c.finding.score)):
        if cand.group is None:
            out.append(cand)
            continue
        f = cand.finding
        same = [w for w in winners.get(cand.group, []) if _overlap(w.finding.period, f.period)]
        if same:
            related = {"metric": f.metric, "steps": f.steps, "segment": f.segment, "period": f.period,
                       "baseline": f.baseline, "observed": f.observed, "q_value": f.q_value}
            same[0].finding.details.setdefault("related", []).append(related)
            continue
        winners.setdefault(cand.group, []).append(cand)
        out.append(cand)
    return out


def _count_customers(shown: list[Candidate], source: EventSource, journey: Journey, opts: FindingsOptions) -> None:
    """The customers behind visit- and event-level findings, in one query each."""
    visits = [c for c in shown if c.visit_spec is not None]
    for cand, n in zip(visits, visit_customers(source, journey, [c.visit_spec for c in visits]),  # type: ignore[misc]
                       strict=True):
        f = cand.finding
        f.customers = n
        if f.kind in ("appear", "vanish"):
            f.score = n * (f.observed or 0.0)
        else:
            f.score = n * cand.size
        cand.eligible = cand.eligible and n >= opts.min_customers
    events = [c for c in shown if c.event_spec is not None]
    for cand, (n, active) in zip(events, event_customers(source, [c.event_spec for c in events]),  # type: ignore[misc]
                                 strict=True):
        f = cand.finding
        f.customers = n
        f.observed = n / active if active else None
        f.n = active
        f.score = n * (f.observed or 0.0)
        cand.eligible = cand.eligible and n >= opts.min_customers


def _main_path(journey: Journey, data: FindingsData) -> list[str]:
    """The designed main path (:func:`journeymap.engine.overlay.main_path`) from the findings' own tables: the
    moves counted in the step days, the entries from the customers' first steps."""
    import pandas as pd

    from journeymap.engine.overlay import main_path

    ids = data.marks.ids
    moves = data.steps_daily[data.steps_daily["nu"].notna()].groupby(["u", "nu"])["inwin"].sum().reset_index()
    tr = pd.DataFrame({"source": [ids[int(u)] for u in moves["u"]], "target": [ids[int(v)] for v in moves["nu"]],
                       "count": moves["inwin"].astype("int64")})
    entries = data.customers["entry"].dropna().astype(int).value_counts()
    return main_path(journey, tr, {ids[int(u)]: int(n) for u, n in entries.items()})


def _sql_of(f: Finding, data: FindingsData) -> str | None:
    if f.kind in ("segment", "cohort", "interaction") or (f.kind == "change" and f.details.get("level") == "customer"):
        return data.sql.get("customers")
    if f.events:
        return data.sql.get("event days")
    if f.kind == "spike" and f.metric == "new_customers":
        return data.sql.get("customers")
    if f.kind in ("appear", "vanish") and len(f.steps) == 1:
        return data.sql.get("customers")
    return data.sql.get("step days")


def findings_report(ws: Any, journey_id: str, *, table: Any = None, since: dt.date | None = None,
                    until: dt.date | None = None, window: dt.timedelta | None = None,
                    kinds: list[str] | None = None, lang: str | None = None) -> FindingsResult:
    """The ``findings`` command's work: the journey's findings on the workspace's events (or ``table``),
    optionally limited to a period and to some kinds (``lang``: the titles' language, else the workspace's)."""
    from journeymap.engine.source import open_source
    from journeymap.errors import JourneymapError, suggest
    from journeymap.results import FINDING_KINDS

    for k in kinds or []:
        if k not in FINDING_KINDS:
            raise JourneymapError(f"unknown kind of finding {k!r}; {suggest(k, FINDING_KINDS)}")
    journey = ws.journey(journey_id)
    whole = EventSource.of(table) if table is not None else open_source(ws)
    try:
        source = whole.period(since, until) if since is not None or until is not None else whole
        opts = FindingsOptions.of(ws, window.total_seconds() if window is not None else None)
        result = journey_findings(ws, journey, source, opts, lang=lang)
        if kinds:
            result.findings = [f for f in result.findings if f.kind in kinds]
        return result
    finally:
        if table is None:
            whole.close()
