"""Commands on measured journeys: analyze, report, funnel, paths.

Each command resolves the workspace and journey, calls one engine function, and prints.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from journeymap.cli import app
from journeymap.cli.common import QuietOption, console
from journeymap.cli.output import FormatOption, output_format, speak
from journeymap.errors import JourneymapError

if TYPE_CHECKING:
    import pandas as pd

ExplainOption = typer.Option(False, "--explain", help="Also show the plan (where the figures were read, and how) "
                             "and the compiled SQL behind each table.")
SinceOption = typer.Option(None, "--since", help="Only events on or after this date (YYYY-MM-DD).")
UntilOption = typer.Option(None, "--until", help="Only events before this date (YYYY-MM-DD).")
JourneyArg = typer.Argument(..., help="A journey file (journeys/x.yaml) or a journey id.")
WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="Workspace folder when JOURNEY is an id.")
WindowOption = typer.Option(14.0, "--window-days", help="Conversion window in days.")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise JourneymapError(f"{option} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


def _window(days: float) -> dt.timedelta:
    if days <= 0:
        raise JourneymapError(f"--window-days must be positive (got {days:g}); the default is 14")
    return dt.timedelta(days=days)


def _print(frames: dict[str, pd.DataFrame], fmt: str, explain: bool, lang: str = "en") -> None:
    from journeymap.cli.output import emit, output_format

    emit(frames, output_format(fmt), lang, explain=explain)


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
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """Print the numbers of a journey measured on the event store: steps, funnel, paths, conformance …"""
    from journeymap.api import workspace_for
    from journeymap.engine.analyze import ANALYSES
    from journeymap.engine.analyze import analyze as run
    from journeymap.i18n import t
    from journeymap.progress import progress

    fmt = output_format(fmt)
    ws, jid = workspace_for(journey, workspace)
    lang = ws.settings.language
    speak(lang)
    wanted = [x.strip() for x in only.split(",") if x.strip()] if only else list(ANALYSES)
    with progress(quiet or fmt != "table") as bar:
        task = bar.add_task(t("cli.analysing", lang), total=len(wanted))
        frames = run(ws, jid, since=_date(since, "--since"), until=_date(until, "--until"),
                     window=_window(window_days), only=wanted, on_done=lambda name: bar.advance(task))
    _print(frames, fmt, explain, lang)


@app.command()
def report(
    journey: str = JourneyArg,
    output: Path = typer.Option(..., "--output", "-o", help="The file to write: .html (self-contained, every table "
                                "downloadable as CSV) or .pdf (A4 pages)."),
    workspace: Path = WorkspaceOpt,
    since: str = SinceOption,
    until: str = UntilOption,
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
        out = api.report(journey, output, workspace, since=since, until=until)
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
    by: str = typer.Option(None, "--by", help="Breakdown: persona, channel, source, property:KEY, period:week …"),
    window_days: float = WindowOption,
    customers: Path = typer.Option(None, "--customers", help="Also write every attempt (customer, furthest step, "
                                   "dropped) to this CSV file for follow-up."),
    fmt: str = FormatOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """A funnel over any steps: conversion per step, drop-off and time to convert."""
    from journeymap.api import workspace_for
    from journeymap.engine.funnel import funnel_report
    from journeymap.i18n import t

    fmt = output_format(fmt)
    ws, jid = workspace_for(journey, workspace)
    frames = funnel_report(ws, jid, steps, mode=mode, attempts=attempts, exclude=exclude, by=by,  # type: ignore[arg-type]
                           window=_window(window_days), customers_csv=customers)
    _print(frames, fmt, explain, ws.settings.language)
    if customers is not None and not quiet and fmt == "table":
        console.print(t("cli.wrote", ws.settings.language, path=customers), soft_wrap=True, markup=False)


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
    fmt: str = FormatOption,
    explain: bool = ExplainOption,
    quiet: bool = QuietOption,
) -> None:
    """Transitions and top path variants (or paths before/after a step), designed edges marked."""
    from journeymap.api import workspace_for
    from journeymap.engine.transitions import paths_report

    fmt = output_format(fmt)
    ws, jid = workspace_for(journey, workspace)
    frames = paths_report(ws, jid, level=level, after=after, before=before, depth=depth,  # type: ignore[arg-type]
                          top=None if every_edge else top, variants=variants, collapse_repeats=not keep_repeats)
    _print(frames, fmt, explain, ws.settings.language)
