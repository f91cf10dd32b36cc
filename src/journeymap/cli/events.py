"""Commands on the event store: ingest events, quarantine, forget, status, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from journeymap.cli import app, ingest_app
from journeymap.cli.common import QuietOption, WorkspaceOption, console, printable
from journeymap.cli.output import FormatOption, language_of, output_format, print_json
from journeymap.errors import JourneymapError
from journeymap.i18n import format_number, t, translate_reason

if TYPE_CHECKING:
    from journeymap.events.ingest import IngestReport


def _say(text: str) -> None:
    console.print(text, soft_wrap=True, markup=False, highlight=False)


def _counts(key: str, s: object, lang: str, **kw: object) -> str:
    n = {k: format_number(getattr(s, k), lang) for k in ("read", "stored", "quarantined", "duplicates")}
    return t(key, lang, **n, **kw)


def print_ingest(report: IngestReport, lang: str, fmt: str = "table") -> None:
    """Per source: read = stored + quarantined + duplicates, with the reasons; then the store."""
    if fmt != "table":
        _records(fmt, "sources", [{"source": s.source, "read": s.read, "stored": s.stored,
                                   "quarantined": s.quarantined, "duplicates": s.duplicates,
                                   "reasons": s.reasons} for s in report.sources],
                 {"events": report.events, "customers": report.customers, "stitched_ids": report.stitched_ids})
        return
    for s in report.sources:
        _say(_counts("ingest.counts", s, lang, source=s.source))
        for reason, n in s.reasons.items():
            _say(t("ingest.reason", lang, reason=translate_reason(reason, lang), n=format_number(n, lang)))
    if len(report.sources) > 1:
        _say(_counts("ingest.total", report, lang))
    _say(t("ingest.store", lang, events=format_number(report.events, lang),
           customers=format_number(report.customers, lang), stitched=format_number(report.stitched_ids, lang)))
    if report.quarantined:
        _say(t("ingest.see_quarantine", lang))


def print_feedback_ingest(report: Any, lang: str, fmt: str = "table") -> None:
    """The same for survey answers and texts."""
    files = getattr(report, "files", [])
    if fmt != "table":
        _records(fmt, "files", [{"source": f.source, "kind": f.kind, "read": f.read, "stored": f.stored,
                                 "quarantined": f.quarantined, "duplicates": f.duplicates, "reasons": f.reasons}
                                for f in files],
                 {"feedback_rows": getattr(report, "feedback_rows", None),
                  "interaction_rows": getattr(report, "interaction_rows", None)})
        return
    for f in files:
        kind = t(f"ingest.file_kind.{f.kind}", lang) if f.kind in ("survey", "texts", "interactions", "mixed") else f.kind
        _say(_counts("ingest.counts_kind", f, lang, source=f.source, kind=kind))
        for reason, n in f.reasons.items():
            _say(t("ingest.reason", lang, reason=translate_reason(reason, lang), n=format_number(n, lang)))
    if hasattr(report, "feedback_rows"):
        _say(t("ingest.feedback_store", lang, answers=format_number(report.feedback_rows, lang),
               texts=format_number(report.interaction_rows, lang)))


def _records(fmt: str, name: str, rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    """Counts for scripts: JSON ``{name: rows, **extra}``, or CSV of the rows (reasons as JSON text)."""
    import json

    import pandas as pd

    from journeymap.engine.formatting import to_csv

    if fmt == "json":
        print_json({name: rows, **extra})
        return
    flat = [{k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for k, v in r.items()} for r in rows]
    console.out(to_csv({name: pd.DataFrame(flat)}), end="", highlight=False)


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
    fmt: str = FormatOption,
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

    fmt = output_format(fmt)
    if day_first and time_format not in (None, "day-first"):
        raise JourneymapError(f"--day-first and --time-format {time_format!r} disagree: give one of them")
    lang = language_of(workspace)
    report = api.ingest_events(sources, workspace, columns=parse_columns(columns) or None, table=table, query=query,
                               delimiter=delimiter, header=header, quiet=quiet or fmt != "table",
                               keep_duplicates=keep_duplicates, time_format="day-first" if day_first else time_format)
    print_ingest(report, lang, fmt)


@app.command()
def quarantine(
    reason: str = typer.Option(None, "--reason", "-r", help="Only rows quarantined for this reason."),
    export: Path = typer.Option(None, "--export", "-e", help="Write the rows to FILE.csv or FILE.jsonl."),
    limit: int = typer.Option(50, "--limit", "-n", help="Rows to list (export writes all)."),
    workspace: Path = WorkspaceOption,
    fmt: str = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """List or export the rows ingest could not use, with file, line and reason."""
    from journeymap.events.quarantine import export_quarantine, list_quarantine, quarantine_counts
    from journeymap.model.workspace import load_workspace

    fmt = output_format(fmt)
    ws = load_workspace(workspace)
    lang = ws.settings.language
    if export is not None:
        n = export_quarantine(ws, export, _reason_key(reason, lang))
        if not quiet:
            _say(t("quarantine.wrote", lang, n=format_number(n, lang), path=export))
        return
    rows = list_quarantine(ws, _reason_key(reason, lang), limit)
    if fmt != "table":
        import pandas as pd

        from journeymap.cli.output import emit

        emit({"quarantine": pd.DataFrame([vars(r) for r in rows],
                                         columns=["data", "source_file", "line", "reason", "raw"])}, fmt, lang)
        return
    counts = {data: quarantine_counts(ws, data) for data in ("events", "feedback")}
    if not any(counts.values()):
        _say(t("quarantine.empty", lang))
        return
    for data, per_reason in counts.items():
        for r, n in per_reason.items():
            _say(f"{t('quarantine.data.' + data, lang)}: {translate_reason(r, lang)}: {format_number(n, lang)}")
    for row in rows:
        where = f"{row.source_file}:{row.line if row.line is not None else '?'}"
        _say(printable(f"{t('quarantine.data.' + row.data, lang)} {where}: {translate_reason(row.reason, lang)}: "
                       f"{row.raw}"))


def _reason_key(reason: str | None, lang: str) -> str | None:
    """``--reason`` as the store keeps it: the English text, or its translation in the workspace's language."""
    if reason is None or lang == "en":
        return reason
    from journeymap.i18n import catalogue

    for key, text in catalogue(lang).items():
        if key.startswith("reasons.") and text == reason:
            return catalogue("en")[key]
    return reason


@app.command()
def forget(
    source: str = typer.Argument(..., help="A source as `journeymap status` lists it, a file as it was ingested, "
                                           "or a postgresql:// URL."),
    workspace: Path = WorkspaceOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would go; change nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    fmt: str = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Remove everything one source put into the store: its events, quarantined rows and feedback, all or nothing.

    Identities are stitched again and journeys ordered again from what remains.
    """
    import sys

    from journeymap import api

    fmt = output_format(fmt)
    lang = language_of(workspace)

    def what(removed: dict[str, int]) -> str:
        return ", ".join(f"{format_number(n, lang)} {t('forget.kinds.' + kind, lang)}"
                         for kind, n in removed.items() if n)

    preview = api.forget(source, workspace, dry_run=True)
    if dry_run:
        if fmt == "json":
            print_json(preview)
        elif fmt == "csv":
            _records(fmt, "removed", [preview.removed], {})
        else:  # a dry run prints its answer even with -q: it is the answer
            _say(t("forget.would", lang, source=preview.source, what=what(preview.removed),
                   events=format_number(preview.events, lang)))
        return
    if not yes and sys.stdin.isatty() and not typer.confirm(t("forget.confirm", lang, what=what(preview.removed),
                                                              source=preview.source)):
        raise typer.Exit(1)
    report = api.forget(source, workspace)
    if fmt == "json":
        print_json(report)
        return
    if fmt == "csv":
        _records(fmt, "removed", [report.removed], {})
        return
    if not quiet:
        _say(t("forget.done", lang, source=report.source, what=what(report.removed)))
        _say(t("forget.store", lang, events=format_number(report.events, lang),
               customers=format_number(report.customers, lang)))


@app.command()
def status(workspace: Path = WorkspaceOption, fmt: str = FormatOption, quiet: bool = QuietOption) -> None:
    """Show what the event store holds: customers, events, time range, channels, sources, stitching."""
    from journeymap import api
    from journeymap.i18n import channel_name

    fmt = output_format(fmt)
    s = api.status(workspace)
    if fmt == "json":
        print_json(s)
        return
    if fmt == "csv":
        _records(fmt, "status", [{k: v for k, v in vars(s).items()}], {})
        return
    lang = language_of(workspace)

    def num(n: int) -> str:
        return format_number(n, lang)

    def listed(counts: dict[str, int], name: object = str) -> str:
        return ", ".join(f"{name(k)} {num(v)}" for k, v in counts.items())  # type: ignore[operator]

    _say(t("store_status.events", lang, n=num(s.events)))
    _say(t("store_status.customers", lang, n=num(s.customers), identified=num(s.identified),
           anonymous=num(s.customers - s.identified)))
    _say(t("store_status.range", lang, first=s.first_ts, last=s.last_ts))
    _say(t("store_status.anonymous", lang, n=num(s.anonymous_ids), stitched=num(s.stitched_ids)))
    _say(t("store_status.per_channel", lang, items=listed(s.per_channel, lambda c: channel_name(c, lang))))
    _say(t("store_status.per_source", lang, items=listed(s.per_source)))
    quarantined = sum(s.quarantined.values())
    reasons = {translate_reason(k, lang): v for k, v in s.quarantined.items()}
    _say(t("store_status.quarantined", lang, n=num(quarantined)) + (f" ({listed(reasons)})" if quarantined else ""))
    if s.feedback_answers or s.feedback_texts or s.feedback_quarantined:
        fb_q = sum(s.feedback_quarantined.values())
        fb_reasons = {translate_reason(k, lang): v for k, v in s.feedback_quarantined.items()}
        _say(t("store_status.feedback", lang, answers=num(s.feedback_answers), texts=num(s.feedback_texts),
               quarantined=num(fb_q)) + (f" ({listed(fb_reasons)})" if fb_q else ""))


@app.command()
def demo(
    directory: Path = typer.Argument(Path("journeymap-demo"), help="Folder for the demo workspace."),
    customers: int = typer.Option(100_000, "--customers", help="Number of simulated customers."),
    seed: int = typer.Option(42, "--seed", help="Random seed (same seed, same data)."),
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the map: nl or en."),
    quiet: bool = QuietOption,
) -> None:
    """The main job: a demo webshop workspace with 100,000 customers' events and feedback, and its living map."""
    from journeymap.cli.output import speak
    from journeymap.demo import run_demo

    speak(lang if lang in ("nl", "en") else "en")
    result = run_demo(directory, customers=customers, seed=seed, lang=lang, quiet=quiet)
    lang = lang if lang in ("nl", "en") else "en"
    print_ingest(result.ingest, lang)
    print_feedback_ingest(result.feedback, lang)
    _say(t("demo.map", lang, path=result.map_file))
    _say(t("demo.report", lang, path=result.report_file))
    if not quiet:
        me = _command_name()
        _say(t("demo.next", lang, status=f"{me} status -w {result.root}",
               analyze=f"{me} analyze webshop -w {result.root}"))


def _command_name() -> str:
    """How the user can run journeymap again: its name when it is on the PATH, else the path that ran it."""
    import shutil
    import sys

    if shutil.which("journeymap"):
        return "journeymap"
    ran = Path(sys.argv[0])
    return str(ran) if ran.name == "journeymap" and ran.exists() else "journeymap"
