"""The Python API behind the CLI: one function per command, usable from notebooks.

Each function loads what it needs, calls the library, and returns plain results; the
CLI only prints them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymap.errors import Diagnostic, JourneymapError
from journeymap.model.workspace import Workspace, display_path, find_root, load_workspace

if TYPE_CHECKING:
    from journeymap.events.forget import ForgetReport
    from journeymap.events.ingest import IngestReport
    from journeymap.events.status import StoreStatus


@dataclass
class ValidationResult:
    workspace: Workspace
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    def summary(self) -> str:
        """``workspace shop: 3 personas, 1 journey, 15 steps: 2 errors, 1 warning`` in the workspace's language."""
        from journeymap.i18n import t, tn

        ws = self.workspace
        lang = ws.settings.language
        steps = sum(len(j.steps) for j in ws.journeys.values())
        counts = ", ".join([tn("summary.personas", len(ws.personas), lang),
                            tn("summary.journeys", len(ws.journeys), lang), tn("summary.steps", steps, lang)])
        parts = []
        for level, key in (("error", "errors"), ("warning", "warnings"), ("advice", "advice")):
            n = sum(1 for d in self.diagnostics if d.level == level)
            if n:
                parts.append(tn(f"summary.{key}", n, lang))
        return t("summary.line", lang, path=display_path(ws.root), counts=counts,
                 result=", ".join(parts) or t("summary.no_problems", lang))


def validate(path: Path | str = ".", *, with_data: bool = False) -> ValidationResult:
    """All problems of a workspace at once; with ``with_data``, also check bindings against the events."""
    ws = load_workspace(path, strict=False)
    diags = list(ws.diagnostics)
    if with_data and not ws.errors:
        diags.extend(binding_diagnostics(ws))
    return ValidationResult(ws, sorted(diags))


def binding_diagnostics(ws: Workspace) -> list[Diagnostic]:
    """Bindings that match nothing and events matched twice, located in the journey files."""
    try:
        from journeymap.engine.binding import check_bindings
        from journeymap.events.store import open_events
    except ImportError as exc:  # pragma: no cover - both ship with the package
        raise JourneymapError(f"data checks are not available: {exc}") from exc
    table = open_events(ws)
    out: list[Diagnostic] = []
    for jid, journey in ws.journeys.items():
        report = check_bindings(ws, journey, table)
        out.extend(report.diagnostics(ws.journey_files[jid], ws.settings.language))
    return out


def lint(path: Path | str = ".") -> ValidationResult:
    """Validation errors plus advice (see :mod:`journeymap.model.lint`)."""
    from journeymap.model.lint import lint_workspace

    ws = load_workspace(path, strict=False)
    diags = list(ws.diagnostics)
    if not ws.errors:
        diags.extend(lint_workspace(ws))
    return ValidationResult(ws, sorted(diags))


def workspace_for(journey_ref: str, workspace: Path | None = None) -> tuple[Workspace, str]:
    """The workspace and journey id for a journey given as a file path or an id."""
    ref_path = Path(journey_ref)
    if ref_path.suffix in (".yaml", ".yml"):
        if not ref_path.is_file():
            raise JourneymapError(f"no such journey file: {journey_ref}")
        root = find_root(ref_path.resolve().parent)
    else:
        root = find_root(workspace or Path("."))
    ws = load_workspace(root)
    return ws, ws.journey(journey_ref).id


def build_overlay(ws: Workspace, journey_id: str) -> Any:
    """Measured figures for the map: event analytics plus, when present, feedback (see :mod:`journeymap.livingmap`)."""
    from journeymap.livingmap import living_map

    return living_map(ws, journey_id)


def render(journey_ref: str, out: Path, *, workspace: Path | None = None, with_data: bool = False,
           fmt: str | None = None, poster: bool = False, size: str | None = None, dpi: float | None = None) -> Path:
    """Render a journey map to HTML, SVG, PDF, PNG or Markdown; PDF and PNG as pages or one ``poster``
    sheet of paper ``size`` (A0–A4 or WIDTHxHEIGHT mm), PNG at ``dpi``."""
    from journeymap.render import PrintOptions, render_to_file
    from journeymap.render.output import check_options, resolve_format

    options = PrintOptions(poster=poster, paper=size, dpi=dpi)
    check_options(resolve_format(Path(out), fmt), Path(out), options)  # before any data is measured
    ws, jid = workspace_for(journey_ref, workspace)
    overlay = build_overlay(ws, jid) if with_data else None
    return render_to_file(ws, jid, out, overlay=overlay, fmt=fmt, options=options)


# --- one function per data command -------------------------------------------------------------
# Each takes paths as ``str | Path``, dates as ``date`` or ``"YYYY-MM-DD"``, and returns DataFrames or
# dataclasses; the CLI prints what these return. Heavy modules load inside each function.

def as_date(value: dt.date | str | None, option: str = "date") -> dt.date | None:
    """``value`` as a date: a date, ``YYYY-MM-DD`` text or None; ``option`` names it in the error."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise JourneymapError(f"{option} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


def window_days(days: float) -> dt.timedelta:
    """A conversion window of ``days`` days (positive)."""
    if days <= 0:
        raise JourneymapError(f"--window-days must be positive (got {days:g}); the default is 14")
    return dt.timedelta(days=days)


def ingest_events(sources: Sequence[str | Path], workspace: str | Path = ".", *,
                  columns: dict[str, str] | None = None, table: str | None = None, query: str | None = None,
                  delimiter: str | None = None, header: bool | None = None, keep_duplicates: bool = False,
                  time_format: str | list[str] | None = None, quiet: bool = True) -> IngestReport:
    """Load event files or database sources into the workspace's store (``journeymap ingest events``);
    ``time_format`` (``day-first``, ``month-first`` or strptime formats) overrides ``events.time_format``."""
    from journeymap.events.ingest import ingest_events as run

    if delimiter is not None and (not 1 <= len(delimiter.encode("utf-8")) <= 4
                                  or any(c in delimiter for c in "\n\r\"")):
        raise JourneymapError(f"--delimiter {delimiter!r} cannot split CSV columns: give 1 to 4 characters "
                              "(at most 4 bytes), not a line break or quote, e.g. --delimiter ';'")
    from journeymap.engine.index import index_workspace_store

    ws = load_workspace(workspace)
    report = run(ws, [str(s) for s in sources], columns=columns, table=table, query=query,
                 delimiter=delimiter, header=header, quiet=quiet, keep_duplicates=keep_duplicates,
                 time_format=time_format)
    index_workspace_store(ws, quiet=quiet)  # the first analysis then reads integer codes, not text
    return report


def ingest_feedback(files: Sequence[str | Path], workspace: str | Path = ".", *, journey: str | None = None,
                    columns: dict[str, str] | None = None, delimiter: str | None = None,
                    quiet: bool = True) -> Any:
    """Load survey answers and customer texts (``journeymap ingest feedback``)."""
    from journeymap.voc.ingest import ingest_feedback as run

    return run(load_workspace(workspace), [Path(f) for f in files], journey=journey, columns=columns,
               delimiter=delimiter, quiet=quiet)


def status(workspace: str | Path = ".") -> StoreStatus:
    """What the event store holds (``journeymap status``)."""
    from journeymap.events.status import store_status

    return store_status(load_workspace(workspace))


def forget(source: str, workspace: str | Path = ".", *, dry_run: bool = False) -> ForgetReport:
    """Remove one source's events, quarantined rows and feedback (``journeymap forget``)."""
    from journeymap.engine.index import index_workspace_store
    from journeymap.events.forget import forget_source

    ws = load_workspace(workspace)
    report = forget_source(ws, str(source), dry_run=dry_run)
    if not dry_run:
        index_workspace_store(ws)
    return report


def quarantine(workspace: str | Path = ".", *, reason: str | None = None, limit: int | None = None) -> Any:
    """The quarantined rows of events and feedback as a DataFrame: data ("events" or "feedback"), source_file,
    line, reason, raw (``journeymap quarantine``)."""
    import pandas as pd

    from journeymap.events.quarantine import list_quarantine

    rows = list_quarantine(load_workspace(workspace), reason, limit)
    return pd.DataFrame([vars(r) for r in rows],
                        columns=["source_file", "line", "reason", "raw", "data"])


def analyze(journey: str, workspace: str | Path | None = None, *, only: Sequence[str] | None = None,
            since: dt.date | str | None = None, until: dt.date | str | None = None, window: float = 14.0,
            where: Sequence[str] = (), by: str | None = None,
            on_done: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every analysis of a journey (or ``only`` those named) as DataFrames by name (``journeymap analyze``).

    ``where`` (``["device=mobile", …]``) keeps the customers with those values (:mod:`journeymap.engine.where`);
    ``by`` adds the step metrics per value of a customer segment (``steps by KEY``)."""
    from journeymap.engine.analyze import ANALYSES
    from journeymap.engine.analyze import analyze as run

    ws, jid = workspace_for(journey, _path(workspace))
    start, end, win = as_date(since, "--since"), as_date(until, "--until"), window_days(window)
    with _events(ws) as table:
        source = _segment_source(ws, jid, table, where)
        frames = run(ws, jid, source, since=start, until=end, window=win,
                     only=list(only) if only else list(ANALYSES), on_done=on_done)
        if by:
            from journeymap.engine.steps import step_metrics
            from journeymap.engine.where import by_segment

            journey_ = ws.journey(jid)
            period = source.period(start, end) if start or end else source
            frames[f"steps by {by}"] = by_segment(period, ws, journey_, _key(by),
                                                  lambda s: step_metrics(journey_, s, window=win))
            frames[f"steps by {by}"].attrs["plan"] = list(source.plan)
        return frames


def funnel(journey: str, steps: Sequence[str], workspace: str | Path | None = None, *, mode: str = "sequential",
           attempts: str = "first", exclude: Sequence[str] = (), by: str | None = None, window: float = 14.0,
           customers_csv: str | Path | None = None, since: dt.date | str | None = None,
           until: dt.date | str | None = None, where: Sequence[str] = (), per_session: bool = False) -> dict[str, Any]:
    """A funnel over any steps (``journeymap funnel``); ``customers_csv`` also writes every attempt; ``by`` breaks
    it down with the significance of each group against the others; ``per_session`` counts each session as an
    attempt of its own (:mod:`journeymap.engine.sessions`)."""
    from journeymap.engine.funnel import funnel_report
    from journeymap.engine.sessions import session_spec

    ws, jid = workspace_for(journey, _path(workspace))
    win = window_days(window)
    start, end = as_date(since, "--since"), as_date(until, "--until")
    with _events(ws) as table:
        source = _segment_source(ws, jid, table, where)
        source = source.period(start, end) if start or end else source
        frames = funnel_report(ws, jid, list(steps), mode=mode, attempts=attempts, exclude=list(exclude), by=by,
                               window=win, customers_csv=_path(customers_csv), table=source,
                               sessions=session_spec(ws) if per_session else None)
        for df in frames.values():
            df.attrs["plan"] = list(source.plan)
        return frames


def paths(journey: str, workspace: str | Path | None = None, *, level: str = "step", after: str | None = None,
          before: str | None = None, depth: int = 3, top: int | None = 15, variants: int = 10,
          keep_repeats: bool = False, since: dt.date | str | None = None, until: dt.date | str | None = None,
          where: Sequence[str] = (), by: str | None = None, per_session: bool = False) -> dict[str, Any]:
    """Transitions and top path variants, or the paths around a step (``journeymap paths``); ``by`` adds the
    transitions per value of a customer segment; ``per_session`` takes the variants of single sessions."""
    from journeymap.engine.sessions import session_spec
    from journeymap.engine.transitions import paths_report, transitions

    ws, jid = workspace_for(journey, _path(workspace))
    start, end = as_date(since, "--since"), as_date(until, "--until")
    with _events(ws) as table:
        source = _segment_source(ws, jid, table, where)
        source = source.period(start, end) if start or end else source
        frames = paths_report(ws, jid, level=level, after=after, before=before, depth=depth,  # type: ignore[arg-type]
                              top=top, variants=variants, collapse_repeats=not keep_repeats, table=source,
                              sessions=session_spec(ws) if per_session else None)
        if by:
            from journeymap.engine.where import by_segment

            journey_ = ws.journey(jid)
            frames[f"transitions by {by}"] = by_segment(
                source, ws, journey_, _key(by),
                lambda s: transitions(journey_, s, level=level, collapse_repeats=not keep_repeats,  # type: ignore[arg-type]
                                      top=top))
        for df in frames.values():
            df.attrs["plan"] = list(source.plan)
        return frames


def compare(journey: str, workspace: str | Path | None = None, *, a: str, b: str | None = None,
            by: str | None = None, window: float = 14.0, where: Sequence[str] = ()) -> dict[str, Any]:
    """Two segments (``by`` with values ``a`` and ``b``, or ``a`` against every other value) or two periods
    (``a`` and ``b`` as ``START:END``) step by step, with significance (``journeymap compare``)."""
    from journeymap.engine.compare import compare_report
    from journeymap.engine.where import parse_where

    ws, jid = workspace_for(journey, _path(workspace))
    win = window_days(window)
    with _events(ws) as table:
        return compare_report(ws, jid, a=a, b=b, by=by, window=win, where=parse_where(where), table=table)


def report(journey: str, output: str | Path, workspace: str | Path | None = None, *,
           since: dt.date | str | None = None, until: dt.date | str | None = None,
           where: Sequence[str] = ()) -> Path:
    """Write the journey report (``journeymap report``) as ``.html`` (self-contained, every table downloadable as
    CSV) or ``.pdf`` (A4 pages); one source of events for the map and every table. ``where`` keeps the customers
    with those segment values. Returns its path."""
    from journeymap.engine.report import write_report

    ws, jid = workspace_for(journey, _path(workspace))
    start, end = as_date(since, "--since"), as_date(until, "--until")
    with _events(ws) as table:
        return write_report(ws, jid, Path(output), _segment_source(ws, jid, table, where), since=start, until=end)


def _segment_source(ws: Workspace, journey_id: str, table: Any, where: Sequence[str]) -> Any:
    """The events as a source, restricted to the customers ``where`` says (``KEY=VALUE`` each)."""
    from journeymap.engine.source import EventSource
    from journeymap.engine.where import parse_where, restrict

    source = EventSource.of(table)
    return restrict(source, ws, ws.journey(journey_id), parse_where(where)) if where else source


def _key(by: str) -> str:
    return by.split(":", 1)[1] if by.startswith("property:") else by


def findings(journey: str, workspace: str | Path | None = None, *, since: dt.date | str | None = None,
             until: dt.date | str | None = None, window: float = 14.0, kinds: Sequence[str] | None = None,
             top: int | None = None, where: Sequence[str] = (), lang: str | None = None) -> Any:
    """Every statistically supported finding of a journey, ranked by impact (``journeymap findings``): a
    :class:`journeymap.engine.findings.FindingsResult` whose ``findings`` are
    :class:`journeymap.results.Finding` objects (``top``: only the first ones; ``where``: among the customers
    with those segment values; ``lang``: the titles' language, by default the workspace's)."""
    from journeymap.engine.findings import findings_report

    if top is not None and top < 1:
        raise JourneymapError(f"--top must be at least 1 (got {top}); --all shows every finding")
    ws, jid = workspace_for(journey, _path(workspace))
    start, end, win = as_date(since, "--since"), as_date(until, "--until"), window_days(window)
    with _events(ws) as table:
        result = findings_report(ws, jid, table=_segment_source(ws, jid, table, where), since=start, until=end,
                                 window=win, kinds=list(kinds) if kinds else None, lang=lang)
    if top is not None:
        result.findings = result.findings[:top]
    return result


def feedback(workspace: str | Path = ".", *, by: str | None = None, period: str | None = None,
             journey: str | None = None) -> Any:
    """NPS, CSAT and CES with n and 95 % intervals (``journeymap feedback``)."""
    from journeymap.voc.report import feedback_metrics

    return feedback_metrics(load_workspace(workspace), by=by, period=period, journey=journey)


def feedback_themes(workspace: str | Path | Workspace = ".", *, journey: str | None = None, top: int = 5) -> Any:
    """Negative and positive themes of the feedback per step of a journey, in map order (the web app's explorer)."""
    from journeymap.voc.report import feedback_themes as run

    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    return run(ws, journey=journey, top=top)


def event_names(workspace: str | Path | Workspace = ".", *, limit: int = 500) -> list[tuple[str, int]]:
    """The event names in the store with how often each occurs, most frequent first (the binding picker)."""
    from journeymap.engine.source import open_source

    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    with open_source(ws) as source:
        counts = source.event_counts()
        per = counts.group_by("event").aggregate(n=counts.n.sum())
        rows = per.order_by([per.n.desc(), per.event]).limit(limit).to_pyarrow().to_pylist()
    return [(str(r["event"]), int(r["n"])) for r in rows]


def sentiment(texts: str | Sequence[str], *, backend: Any = None) -> list[Any]:
    """Sentiment (label, score, language) of one text or many (``journeymap sentiment``)."""
    from journeymap.voc.sentiment import analyze as run

    return run([texts] if isinstance(texts, str) else list(texts), backend=backend)


def followup(workspace: str | Path = ".", *, since: str = "7d", as_of: str | None = None,
             threshold: float = -0.5) -> list[Any]:
    """Customers to follow up, each with a cross-channel timeline (``journeymap followup``)."""
    from journeymap.voc.followup import followups, parse_since

    ws = load_workspace(workspace)
    now = parse_since(as_of, dt.datetime.now(dt.UTC).replace(tzinfo=None)) if as_of else None
    return followups(ws, since, now=now, threshold=threshold)


def customer(customer_id: str, workspace: str | Path = ".", *, limit: int | None = None) -> Any:
    """One customer's journey across channels (``journeymap customer``)."""
    from journeymap.voc.followup import customer_journey

    return customer_journey(load_workspace(workspace), customer_id, limit=limit)


def demo(directory: str | Path = "journeymap-demo", *, customers: int = 100_000, seed: int = 42, lang: str = "en",
         quiet: bool = True) -> Any:
    """The demo workspace with data, rendered into the living map and report (``journeymap demo``)."""
    from journeymap.demo import run_demo

    return run_demo(Path(directory), customers=customers, seed=seed, lang=lang, quiet=quiet)


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


@contextlib.contextmanager
def _events(ws: Workspace) -> Iterator[Any]:
    """The workspace's events (its store, or where ``events.source`` says) as an
    :class:`~journeymap.engine.source.EventSource`, closed afterwards so a notebook can ingest again."""
    from journeymap.engine.source import open_source

    with open_source(ws) as source:
        yield source
