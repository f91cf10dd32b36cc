"""Commands on measured journeys: analyze, report, funnel, paths, compare, findings.

Each command resolves the workspace and journey, calls one engine function, and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from journeymap.cli import app
from journeymap.cli.common import QuietOption, console
from journeymap.cli.output import FormatOption, output_format

if TYPE_CHECKING:
    import pandas as pd

ExplainOption = typer.Option(False, "--explain", help="Also show the plan (where the figures were read, and how) "
                             "and the compiled SQL behind each table.")
SinceOption = typer.Option(None, "--since", help="Only events on or after this date (YYYY-MM-DD).")
UntilOption = typer.Option(None, "--until", help="Only events before this date (YYYY-MM-DD).")
JourneyArg = typer.Argument(..., help="A journey file (journeys/x.yaml) or a journey id.")
WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="Workspace folder when JOURNEY is an id.")
WindowOption = typer.Option(14.0, "--window-days", help="Conversion window in days.")


def _print(frames: dict[str, pd.DataFrame], fmt: str, explain: bool, lang: str = "en") -> None:
    from journeymap.cli.output import emit, output_format

    emit(frames, output_format(fmt), lang, explain=explain)


WhereOption = typer.Option([], "--where", help="Only customers with this segment value, KEY=VALUE (repeatable): a "
                           "property (their first event's value), channel, source or persona.")
SegmentByOption = typer.Option(None, "--by", help="Also per value of a customer segment: a property, channel, source "
                               "or persona.")
PerSessionOption = typer.Option(False, "--per-session", help="Each session counts on its own (a session id column, "
                                "else a gap of events.session_gap_minutes without events).")


@app.command()
def analyze(
    journey: str = JourneyArg,
    workspace: Path = WorkspaceOpt,
    fmt: str = FormatOption,
    only: str = typer.Option(None, "--only", help="Comma-separated analyses: steps, stages, funnel, transitions, "
                             "variants, conformance, undesigned, skipped, unmatched, personas, retention, "
                             "lifecycle, attribution."),
    since: str = SinceOption,
    until: str = UntilOption,
    window_days: float = WindowOption,
    where: list[str] = WhereOption,
    by: str = SegmentByOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """Print the numbers of a journey measured on the event store: steps, funnel, paths, conformance …"""
    from journeymap.api import analyze as run
    from journeymap.engine.analyze import ANALYSES
    from journeymap.i18n import t
    from journeymap.progress import progress

    fmt = output_format(fmt)
    lang = _language(journey, workspace)
    wanted = [x.strip() for x in only.split(",") if x.strip()] if only else list(ANALYSES)
    with progress(quiet or fmt != "table") as bar:
        task = bar.add_task(t("cli.analysing", lang), total=len(wanted) + (1 if by else 0))
        frames = run(journey, workspace, only=wanted, since=since, until=until, window=window_days, where=where,
                     by=by, on_done=lambda name: bar.advance(task))
    _print(frames, fmt, explain, lang)


@app.command()
def report(
    journey: str = JourneyArg,
    output: Path = typer.Option(..., "--output", "-o", help="The file to write: .html (self-contained, every table "
                                "downloadable as CSV) or .pdf (A4 pages)."),
    workspace: Path = WorkspaceOpt,
    since: str = SinceOption,
    until: str = UntilOption,
    where: list[str] = WhereOption,
    quiet: bool = QuietOption,
) -> None:
    """Write the journey report (HTML or PDF): what needs attention first, then charts, short tables with every
    table as CSV, and the living map."""
    from journeymap import api
    from journeymap.cli.output import language_of
    from journeymap.i18n import t
    from journeymap.progress import progress

    lang = language_of(workspace or Path(journey).parent)
    with progress(quiet) as bar:
        bar.add_task(t("cli.measuring", lang), total=None)
        out = api.report(journey, output, workspace, since=since, until=until, where=where)
    if not quiet:
        console.print(t("cli.wrote", lang, path=out), soft_wrap=True, markup=False)


@app.command()
def funnel(
    journey: str = JourneyArg,
    steps: list[str] = typer.Argument(..., help="Two or more step ids, in funnel order."),
    workspace: Path = WorkspaceOpt,
    mode: str = typer.Option("sequential", "--mode", help="sequential, strict or any (order)."),
    attempts: str = typer.Option("first", "--attempts", help="first (from the first entry) or every attempt."),
    exclude: list[str] = typer.Option([], "--exclude", help="A step that ends an attempt (repeatable)."),
    by: str = typer.Option(None, "--by", help="Breakdown at each attempt's entry: persona, channel, source, "
                           "property:KEY, period:week …; each group is tested against the others."),
    since: str = SinceOption,
    until: str = UntilOption,
    where: list[str] = WhereOption,
    per_session: bool = PerSessionOption,
    window_days: float = WindowOption,
    customers: Path = typer.Option(None, "--customers", help="Also write every attempt (customer, furthest step, "
                                   "dropped) to this CSV file for follow-up."),
    fmt: str = FormatOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """A funnel over any steps: conversion per step, drop-off and time to convert."""
    from journeymap.api import funnel as run
    from journeymap.i18n import t

    fmt = output_format(fmt)
    lang = _language(journey, workspace)
    frames = run(journey, steps, workspace, mode=mode, attempts=attempts, exclude=exclude, by=by,
                 window=window_days, customers_csv=customers, since=since, until=until, where=where,
                 per_session=per_session)
    _print(frames, fmt, explain, lang)
    if customers is not None and not quiet and fmt == "table":
        console.print(t("cli.wrote", lang, path=customers), soft_wrap=True, markup=False)


@app.command()
def paths(
    journey: str = JourneyArg,
    workspace: Path = WorkspaceOpt,
    level: str = typer.Option("step", "--level", help="step, stage or event."),
    after: str = typer.Option(None, "--after", help="Show the paths after this step."),
    before: str = typer.Option(None, "--before", help="Show the paths before this step."),
    depth: int = typer.Option(3, "--depth", help="Steps shown after/before."),
    top: int = typer.Option(15, "--top", help="Keep the heaviest edges (readable with 100+ events)."),
    every_edge: bool = typer.Option(False, "--all", help="Every edge of the graph (overrides --top)."),
    variants: int = typer.Option(10, "--variants", help="The most frequent whole paths to show (0: none)."),
    keep_repeats: bool = typer.Option(False, "--keep-repeats", help="Do not collapse repeated events."),
    since: str = SinceOption,
    until: str = UntilOption,
    where: list[str] = WhereOption,
    by: str = SegmentByOption,
    per_session: bool = PerSessionOption,
    fmt: str = FormatOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """Transitions and top path variants (or paths before/after a step), designed edges marked."""
    from journeymap.api import paths as run
    from journeymap.i18n import t
    from journeymap.progress import progress

    fmt = output_format(fmt)
    lang = _language(journey, workspace)
    with progress(quiet or fmt != "table") as bar:
        bar.add_task(t("cli.analysing", lang), total=None)
        frames = run(journey, workspace, level=level, after=after, before=before, depth=depth,
                     top=None if every_edge else top, variants=variants, keep_repeats=keep_repeats, since=since,
                     until=until, where=where, by=by, per_session=per_session)
    _print(frames, fmt, explain, lang)


@app.command()
def compare(
    journey: str = JourneyArg,
    workspace: Path = WorkspaceOpt,
    a: str = typer.Option(..., "--a", help="A period START:END (end excluded), or with --by a segment value."),
    b: str = typer.Option(None, "--b", help="The other period START:END, or with --by another value (default: "
                          "every other value)."),
    by: str = typer.Option(None, "--by", help="Compare customer segments of this key: a property, channel, "
                           "source or persona."),
    where: list[str] = WhereOption,
    window_days: float = WindowOption,
    fmt: str = FormatOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """Two periods or two customer segments step by step: conversion and drop-off with p- and q-values."""
    from journeymap.api import compare as run
    from journeymap.i18n import t
    from journeymap.progress import progress

    fmt = output_format(fmt)
    lang = _language(journey, workspace)
    with progress(quiet or fmt != "table") as bar:
        bar.add_task(t("cli.analysing", lang), total=None)
        frames = run(journey, workspace, a=a, b=b, by=by, window=window_days, where=where)
    _print(frames, fmt, explain, lang)


@app.command()
def findings(
    journey: str = JourneyArg,
    workspace: Path = WorkspaceOpt,
    fmt: str = FormatOption,
    kind: list[str] = typer.Option([], "--kind", help="Only findings of this kind (repeatable): change, appear, "
                                   "vanish, segment, interaction, loop, spike, cohort."),
    top: int = typer.Option(20, "--top", help="Show the N findings with the highest impact."),
    every: bool = typer.Option(False, "--all", help="Show every finding (overrides --top)."),
    since: str = SinceOption,
    until: str = UntilOption,
    where: list[str] = WhereOption,
    window_days: float = WindowOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """What needs attention: every statistically supported finding, ranked by customers × effect."""
    from journeymap.api import findings as run
    from journeymap.i18n import t
    from journeymap.progress import progress

    fmt = output_format(fmt)
    lang = _language(journey, workspace)
    with progress(quiet or fmt != "table") as bar:
        bar.add_task(t("cli.finding", lang), total=None)
        result = run(journey, workspace, since=since, until=until, window=window_days, kinds=kind or None,
                     top=None if every else top, where=where)
    _print_findings(result, fmt, explain, lang)


def _print_findings(result: object, fmt: str, explain: bool, lang: str) -> None:
    from rich.markup import escape

    from journeymap.cli.common import printable
    from journeymap.engine.findings import FindingsResult
    from journeymap.engine.formatting import findings_frame, findings_json, format_p
    from journeymap.i18n import format_number, t
    from journeymap.render.cells import test_label

    assert isinstance(result, FindingsResult)
    found = result.findings
    if fmt == "json":
        console.file.write(findings_json(found, explain=explain) + "\n")
        console.file.flush()
        return
    if fmt == "csv":
        from journeymap.csvsafe import safe_frame

        console.out(safe_frame(findings_frame(found)).to_csv(index=False, lineterminator="\n"), end="",
                    highlight=False)
        return
    if explain:
        for line in result.plan:
            console.print(f"-- plan: {line}", style="dim", soft_wrap=True, markup=False, highlight=False)
    tests = sum(result.tests.values())
    fdr = result.options.fdr if result.options else 0.05
    console.print(t("cli.findings_summary", lang, shown=format_number(len(found), lang),
                    significant=format_number(result.significant, lang), tests=format_number(tests, lang),
                    fdr=format_number(fdr, lang, 2)), style="dim", markup=False)
    for rank, f in enumerate(found, start=1):
        q = format_p(f.q_value, lang)
        kind = t(f"findings.kind.{f.kind}", lang)
        console.print(f"\n[bold]{rank}. {escape('[' + kind + ']')}[/bold] {escape(printable(f.title))}",
                      soft_wrap=True, highlight=False)
        console.print("   " + t("cli.finding_numbers", lang, customers=format_number(f.customers, lang), q=q,
                                score=format_number(round(f.score), lang),
                                test=printable(test_label(f.test, lang))),
                      style="dim", soft_wrap=True, markup=False, highlight=False)
        console.print(f"   {printable(f.command)}", style="dim", soft_wrap=True, markup=False, highlight=False)
        if explain and f.sql:
            console.print("   -- SQL", style="dim", markup=False)
            console.out(f.sql, highlight=False)


def _language(journey: str, workspace: Path | None) -> str:
    """The language of the journey's workspace, for the command's tables and progress lines."""
    from journeymap.cli.output import language_of

    return language_of(workspace or Path(journey).parent)
