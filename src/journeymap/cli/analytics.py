"""Commands on measured journeys: analyze, report, funnel, paths, compare, findings.

Each command resolves the workspace and journey, calls one engine function, and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from journeymap.cli import app
from journeymap.cli.common import QuietOption, console
from journeymap.errors import JourneymapError

if TYPE_CHECKING:
    import pandas as pd

FormatOption = typer.Option("table", "--format", "-f", help="table, json or csv.")
ExplainOption = typer.Option(False, "--explain", help="Also show the plan (where the figures were read, and how) "
                             "and the compiled SQL behind each table.")
SinceOption = typer.Option(None, "--since", help="Only events on or after this date (YYYY-MM-DD).")
UntilOption = typer.Option(None, "--until", help="Only events before this date (YYYY-MM-DD).")
JourneyArg = typer.Argument(..., help="A journey file (journeys/x.yaml) or a journey id.")
WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="Workspace folder when JOURNEY is an id.")
WindowOption = typer.Option(14.0, "--window-days", help="Conversion window in days.")


def _print(frames: dict[str, pd.DataFrame], fmt: str, explain: bool) -> None:
    from journeymap.cli.tables import print_frame
    from journeymap.engine import compile as C
    from journeymap.engine.formatting import to_csv, to_json

    if fmt == "json":  # plain text: rich's JSON highlighting costs seconds on a large result
        console.file.write(to_json(frames, explain=explain) + "\n")
        console.file.flush()
        return
    if fmt == "csv":
        console.out(to_csv(frames), end="", highlight=False)
        return
    if fmt != "table":
        raise JourneymapError(f"unknown format {fmt!r}; expected one of: table, json, csv")
    if explain:
        plan: list[str] = next((df.attrs["plan"] for df in frames.values() if df.attrs.get("plan")), [])
        for line in plan:
            console.print(f"-- plan: {line}", style="dim", soft_wrap=True, markup=False, highlight=False)
    for name, df in frames.items():
        shown = df.drop(columns=[c for c in ("name",) if c in df.columns and len(df.columns) > 8])
        print_frame(console, shown, name)
        if explain:
            console.print(f"[dim]-- SQL behind {name}[/dim]")
            console.out(str(df.attrs.get(C.SQL_ATTR) or "(computed from the tables above)"), highlight=False)


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
    where: list[str] = WhereOption,
    by: str = SegmentByOption,
    window_days: float = WindowOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """Print the numbers of a journey measured on the event store: steps, funnel, paths, conformance …"""
    from journeymap.api import analyze as run
    from journeymap.engine.analyze import ANALYSES
    from journeymap.progress import progress

    wanted = [x.strip() for x in only.split(",") if x.strip()] if only else list(ANALYSES)
    with progress(quiet or fmt != "table") as bar:
        task = bar.add_task("analysing", total=len(wanted) + (1 if by else 0))
        frames = run(journey, workspace, only=wanted, since=since, until=until, window=window_days, where=where,
                     by=by, on_done=lambda name: bar.advance(task))
    _print(frames, fmt, explain)


@app.command()
def report(
    journey: str = JourneyArg,
    output: Path = typer.Option(..., "--output", "-o", help="The HTML file to write."),
    workspace: Path = WorkspaceOpt,
    since: str = SinceOption,
    until: str = UntilOption,
    where: list[str] = WhereOption,
    quiet: bool = QuietOption,
) -> None:
    """Write one self-contained HTML report: the living map plus every analysis, with the SQL behind it."""
    from journeymap.api import report as run
    from journeymap.progress import progress

    with progress(quiet) as bar:
        bar.add_task("measuring and writing the report", total=None)
        out = run(journey, output, workspace, since=since, until=until, where=where)
    console.print(f"Wrote {out}")


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
) -> None:
    """A funnel over any steps: conversion per step, drop-off and time to convert."""
    from journeymap.api import funnel as run

    frames = run(journey, steps, workspace, mode=mode, attempts=attempts, exclude=exclude, by=by,
                 window=window_days, customers_csv=customers, since=since, until=until, where=where,
                 per_session=per_session)
    _print(frames, fmt, explain)
    if customers is not None:
        console.print(f"Wrote {customers}")


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
) -> None:
    """Transitions and top path variants (or paths before/after a step), designed edges marked."""
    from journeymap.api import paths as run

    frames = run(journey, workspace, level=level, after=after, before=before, depth=depth,
                 top=None if every_edge else top, variants=variants, keep_repeats=keep_repeats, since=since,
                 until=until, where=where, by=by, per_session=per_session)
    _print(frames, fmt, explain)


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
) -> None:
    """Two periods or two customer segments step by step: conversion and drop-off with p- and q-values."""
    from journeymap.api import compare as run

    _print(run(journey, workspace, a=a, b=b, by=by, window=window_days, where=where), fmt, explain)


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
    from journeymap.progress import progress

    if fmt not in ("table", "json", "csv"):
        raise JourneymapError(f"unknown format {fmt!r}; expected one of: table, json, csv")
    with progress(quiet or fmt != "table") as bar:
        bar.add_task("looking for findings", total=None)
        result = run(journey, workspace, since=since, until=until, window=window_days, kinds=kind or None,
                     top=None if every else top, where=where)
    _print_findings(result, fmt, explain)


def _print_findings(result: object, fmt: str, explain: bool) -> None:
    from rich.markup import escape

    from journeymap.cli.common import printable
    from journeymap.engine.findings import FindingsResult
    from journeymap.engine.formatting import findings_frame, findings_json
    from journeymap.i18n import format_number

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
    console.print(f"{len(found)} finding(s) shown; {result.significant} significant of {tests} tests "
                  f"(Benjamini-Hochberg, false-discovery rate {fdr:g})", style="dim", markup=False)
    for rank, f in enumerate(found, start=1):
        q = f"{f.q_value:.2g}" if f.q_value is not None else "–"
        console.print(f"\n[bold]{rank}. {escape('[' + f.kind + ']')}[/bold] {escape(printable(f.title))}", soft_wrap=True,
                      highlight=False)
        console.print(f"   customers {format_number(f.customers, 'en')} · q {q} · score {f.score:,.0f} · "
                      f"{printable(f.test)}", style="dim", soft_wrap=True, markup=False, highlight=False)
        console.print(f"   {printable(f.command)}", style="dim", soft_wrap=True, markup=False, highlight=False)
        if explain and f.sql:
            console.print("   -- SQL behind this finding", style="dim", markup=False)
            console.out(f.sql, highlight=False)
