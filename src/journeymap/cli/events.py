"""Commands on the event store: ingest events, quarantine, forget, status, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from journeymap.cli import app, ingest_app
from journeymap.cli.common import QuietOption, WorkspaceOption, console, printable
from journeymap.errors import JourneymapError

if TYPE_CHECKING:
    from journeymap.events.ingest import IngestReport


def _print_ingest(report: IngestReport) -> None:
    for s in report.sources:
        console.print(f"{s.source}: read {s.read:,} = stored {s.stored:,} + quarantined {s.quarantined:,} "
                      f"+ duplicates {s.duplicates:,}", soft_wrap=True)
        for reason, n in s.reasons.items():
            console.print(f"  quarantined, {reason}: {n:,}")
    if len(report.sources) > 1:
        console.print(f"total: read {report.read:,} = stored {report.stored:,} + quarantined "
                      f"{report.quarantined:,} + duplicates {report.duplicates:,}")
    console.print(f"store: {report.events:,} events, {report.customers:,} customers, "
                  f"{report.stitched_ids:,} anonymous ids stitched")
    if report.quarantined:
        console.print("see the quarantined rows with: journeymap quarantine")


@ingest_app.command("events")
def ingest_events_cmd(
    sources: list[str] = typer.Argument(..., help="Files (CSV, Parquet, JSON lines; .gz too) or a postgresql:// URL."),
    columns: str = typer.Option(None, "--columns", "-c",
                                help="Map fields to source columns: customer_id=user,ts=time (headerless: column0…)."),
    table: str = typer.Option(None, "--table", help="Database table to read (with a postgresql:// URL)."),
    query: str = typer.Option(None, "--query", help="SQL query to read (with a postgresql:// URL)."),
    delimiter: str = typer.Option(None, "--delimiter", help="CSV delimiter (default: detected)."),
    header: bool = typer.Option(None, "--header/--no-header", help="Whether CSV files have a header line "
                                "(default: detected)."),
    keep_duplicates: bool = typer.Option(False, "--keep-duplicates",
                                         help="Keep identical rows of one source as real repeats (for logs "
                                         "without event ids where the same click twice is two clicks)."),
    time_format: str = typer.Option(None, "--time-format", metavar="FORMAT",
                                    help="How text times are written when not ISO 8601: day-first, month-first or "
                                    "a strptime format such as '%d-%m-%Y %H:%M' (default: events.time_format)."),
    day_first: bool = typer.Option(False, "--day-first", help="Times are written day first (31-12-2025 14:05, "
                                   "31/12/2025): the same as --time-format day-first."),
    workspace: Path = WorkspaceOption,
    quiet: bool = QuietOption,
) -> None:
    """Load event logs into the workspace's store: validated, deduplicated, stitched, journey-ordered.

    Fields: customer_id (or anonymous_id), ts, event; optional channel, source, event_id; every
    other column is a property. Times: ISO 8601 (in the workspace's time zone unless they carry
    one) or epochs in s/ms/µs/ns; day-first times (31-12-2025 14:05) with --day-first. Every row is stored, quarantined with a reason, or counted as a
    duplicate; the counts are printed. An interrupted ingest leaves the store as it was.
    See docs/formats.md.
    """
    from journeymap import api
    from journeymap.events.normalize import parse_columns

    if day_first and time_format not in (None, "day-first"):
        raise JourneymapError(f"--day-first and --time-format {time_format!r} disagree: give one of them")
    report = api.ingest_events(sources, workspace, columns=parse_columns(columns) or None, table=table, query=query,
                               delimiter=delimiter, header=header, quiet=quiet, keep_duplicates=keep_duplicates,
                               time_format="day-first" if day_first else time_format)
    _print_ingest(report)


@app.command()
def quarantine(
    reason: str = typer.Option(None, "--reason", "-r", help="Only rows quarantined for this reason."),
    export: Path = typer.Option(None, "--export", "-e", help="Write the rows to FILE.csv or FILE.jsonl."),
    limit: int = typer.Option(50, "--limit", "-n", help="Rows to list (export writes all)."),
    workspace: Path = WorkspaceOption,
) -> None:
    """List or export the rows ingest could not use, with file, line and reason."""
    from journeymap.events.quarantine import export_quarantine, list_quarantine, quarantine_counts
    from journeymap.model.workspace import load_workspace

    ws = load_workspace(workspace)
    if export is not None:
        n = export_quarantine(ws, export, reason)
        console.print(f"Wrote {n:,} quarantined rows to {export}")
        return
    counts = {data: quarantine_counts(ws, data) for data in ("events", "feedback")}
    if not any(counts.values()):
        console.print("The quarantine is empty: every ingested row was usable.")
        return
    for data, per_reason in counts.items():
        for r, n in per_reason.items():
            console.print(f"{data}: {r}: {n:,}", soft_wrap=True, markup=False)
    for row in list_quarantine(ws, reason, limit):
        where = f"{row.source_file}:{row.line if row.line is not None else '?'}"
        console.print(printable(f"{row.data} {where}: {row.reason}: {row.raw}"), soft_wrap=True, markup=False)


@app.command()
def forget(
    source: str = typer.Argument(..., help="A source as `journeymap status` lists it, a file as it was ingested, "
                                           "or a postgresql:// URL."),
    workspace: Path = WorkspaceOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would go; change nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove everything one source put into the store: its events, quarantined rows and feedback, all or nothing.

    Identities are stitched again and journeys ordered again from what remains.
    """
    import sys

    from journeymap import api

    preview = api.forget(source, workspace, dry_run=True)
    what = ", ".join(f"{n:,} {kind}" for kind, n in preview.removed.items() if n)
    if dry_run:
        console.print(f"forget {preview.source} would remove {what}; {preview.events:,} events would remain "
                      "(dry run: nothing changed)", soft_wrap=True)
        return
    if not yes and sys.stdin.isatty() and not typer.confirm(f"Remove {what} from {preview.source}?"):
        raise typer.Exit(1)
    report = api.forget(source, workspace)
    done = ", ".join(f"{n:,} {kind}" for kind, n in report.removed.items() if n)
    console.print(f"forgot {report.source}: removed {done}", soft_wrap=True)
    console.print(f"store: {report.events:,} events, {report.customers:,} customers")


@app.command()
def status(workspace: Path = WorkspaceOption) -> None:
    """Show what the event store holds: customers, events, time range, channels, sources, stitching."""
    from journeymap import api

    s = api.status(workspace)
    console.print(f"events: {s.events:,}")
    anonymous = s.customers - s.identified
    console.print(f"customers: {s.customers:,} journeys ({s.identified:,} identified, {anonymous:,} anonymous "
                  f"visitor{'s' * (anonymous != 1)} never identified)")
    console.print(f"time range (UTC): {s.first_ts} … {s.last_ts}")
    console.print(f"anonymous ids: {s.anonymous_ids:,}, stitched to a customer: {s.stitched_ids:,}")
    console.print("per channel: " + ", ".join(f"{k} {v:,}" for k, v in s.per_channel.items()), soft_wrap=True)
    console.print("per source: " + ", ".join(f"{k} {v:,}" for k, v in s.per_source.items()), soft_wrap=True)
    quarantined = sum(s.quarantined.values())
    console.print(f"quarantined rows: {quarantined:,}" + (
        " (" + ", ".join(f"{k} {v:,}" for k, v in s.quarantined.items()) + ")" if quarantined else ""), soft_wrap=True)
    if s.feedback_answers or s.feedback_texts or s.feedback_quarantined:
        fb_q = sum(s.feedback_quarantined.values())
        console.print(f"feedback: {s.feedback_answers:,} survey answers, {s.feedback_texts:,} texts, "
                      f"quarantined {fb_q:,}" + (" (" + ", ".join(f"{k} {v:,}" for k, v in s.feedback_quarantined.items())
                                                 + ")" if fb_q else ""), soft_wrap=True, markup=False)


@app.command()
def demo(
    directory: Path = typer.Argument(Path("journeymap-demo"), help="Folder for the demo workspace."),
    customers: int = typer.Option(100_000, "--customers", help="Number of simulated customers."),
    seed: int = typer.Option(42, "--seed", help="Random seed (same seed, same data)."),
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the map: nl or en."),
    quiet: bool = QuietOption,
) -> None:
    """The main job: a demo webshop workspace with 100,000 customers' events and feedback, and its living map."""
    from journeymap.demo import run_demo

    result = run_demo(directory, customers=customers, seed=seed, lang=lang, quiet=quiet)
    _print_ingest(result.ingest)
    for f in result.feedback.files:  # type: ignore[attr-defined]
        console.print(f"{f.source} ({f.kind}): read {f.read:,} = stored {f.stored:,} + quarantined "
                      f"{f.quarantined:,} + duplicates {f.duplicates:,}", soft_wrap=True)
    console.print(f"Map: {result.map_file} (the living map: design and measurement side by side)")
    console.print(f"Report: {result.report_file}")
    if not quiet:
        me = _command_name()
        console.print(f"Next: {me} status -w {result.root} · {me} analyze webshop -w {result.root}", soft_wrap=True)


def _command_name() -> str:
    """How the user can run journeymap again: its name when it is on the PATH, else the path that ran it."""
    import shutil
    import sys

    if shutil.which("journeymap"):
        return "journeymap"
    ran = Path(sys.argv[0])
    return str(ran) if ran.name == "journeymap" and ran.exists() else "journeymap"
