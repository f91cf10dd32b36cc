"""Voice-of-the-customer commands: ingest feedback, feedback metrics, sentiment, follow-up, customer."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from journeymap.cli import app, ingest_app
from journeymap.cli.common import QuietOption, WorkspaceOption, console
from journeymap.errors import JourneymapError

if TYPE_CHECKING:
    from journeymap.voc.peakend import PeakEndReport
    from journeymap.voc.sentiment import Backend

JourneyOption = typer.Option(None, "--journey", "-j", help="Journey id (default: the workspace's only journey).")


@ingest_app.command("feedback")
def ingest_feedback_cmd(
    files: list[Path] = typer.Argument(..., help="Survey answers or interaction texts (CSV, JSON lines, Parquet)."),
    journey: str = JourneyOption,
    columns: str = typer.Option(None, "--columns", "-c", help="Map fields to source columns: score=rating,ts=date."),
    delimiter: str = typer.Option(None, "--delimiter", help="CSV delimiter (default: detected)."),
    workspace: Path = WorkspaceOption,
    quiet: bool = QuietOption,
) -> None:
    """Load survey answers (NPS/CSAT/CES) and customer texts: validated, scored, deduplicated.

    A file with metric and score columns holds survey answers; one with a text column holds
    chats, e-mails, call transcripts or reviews. Every row is stored, quarantined with a
    reason (score outside its scale, unknown step, …) or counted as a duplicate.
    """
    from journeymap.events.normalize import parse_columns
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.ingest import ingest_feedback

    report = ingest_feedback(load_workspace(workspace), files, journey=journey,
                             columns=parse_columns(columns) or None, delimiter=delimiter, quiet=quiet)
    for f in report.files:
        console.print(f"{f.source} ({f.kind}): read {f.read:,} = stored {f.stored:,} + quarantined "
                      f"{f.quarantined:,} + duplicates {f.duplicates:,}", soft_wrap=True)
        for reason, n in f.reasons.items():
            console.print(f"  quarantined, {reason}: {n:,}", soft_wrap=True)
    console.print(f"store: {report.feedback_rows:,} survey answers, {report.interaction_rows:,} texts")


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric == "csat":
        return f"{100 * value:.1f} %"
    return f"{value:+.1f}" if metric == "nps" else f"{value:.2f}"


@app.command()
def feedback(
    by: str = typer.Option(None, "--by", "-b", help="Group by step, stage, persona or channel."),
    period: str = typer.Option(None, "--period", "-p", help="Per day, week, month, quarter or year."),
    themes: bool = typer.Option(False, "--themes", help="Also list negative and positive themes per step."),
    peak_end: bool = typer.Option(False, "--peak-end", help="Also show peak and end moments and their link with NPS."),
    journey: str = JourneyOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    workspace: Path = WorkspaceOption,
) -> None:
    """NPS, CSAT (top-2-box) and CES with n and 95 % intervals; small samples (n < 30) are flagged."""
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.report import feedback_metrics, feedback_peak_end, feedback_themes

    ws = load_workspace(workspace)
    report = feedback_metrics(ws, by=by, period=period, journey=journey)
    found = feedback_themes(ws, journey=journey) if themes else {}
    pe = feedback_peak_end(ws, journey=journey) if peak_end else None
    if as_json:
        console.print_json(json.dumps({"metrics": [asdict(r) | {"small_sample": r.small_sample} for r in report.rows],
                                       "themes": {k: asdict(v) for k, v in found.items()},
                                       "peak_end": asdict(pe) if pe else None}, ensure_ascii=False))
        return
    table = Table(title=f"Feedback, journey {report.journey}")
    for col in ["metric", *([by] if by else []), *(["period"] if period else []), "n", "score", "95 % interval",
                "top-2-box", "note"]:
        table.add_column(col)
    for r in report.rows:
        interval = f"{_fmt(r.metric, r.low)} … {_fmt(r.metric, r.high)}" if r.low is not None else "–"
        top2 = f"{100 * r.top2_share:.0f} %" if r.top2_share is not None else "–"
        keys = [*([r.group or "–"] if by else []), *([r.period or ""] if period else [])]
        table.add_row(r.metric.upper(), *keys, f"{r.n:,}", _fmt(r.metric, r.value), interval, top2,
                      "[yellow]small sample[/yellow]" if r.small_sample else "")
    console.print(table)
    if pe is not None:
        _print_peak_end(pe)
    for step, st in found.items():
        for polarity, items in (("negative", st.negative), ("positive", st.positive)):
            if items:
                console.print(f"[bold]{step}[/bold] {polarity}: " + "; ".join(f"{t.phrase} ({t.count})" for t in items),
                              soft_wrap=True)


def _print_peak_end(pe: PeakEndReport) -> None:
    if not pe.customers:
        console.print("Peak-end: no customer has two or more scored touchpoints yet.")
        return
    console.print(f"Peak-end over {pe.customers:,} customers (scale -2..+2): mean {pe.mean:+.2f}, peak {pe.peak:+.2f}, "
                  f"end {pe.end:+.2f}, peak-end {pe.peak_end:+.2f}")
    for s in pe.steps:
        console.print(f"  {s.step}: peak for {100 * s.peak_share:.0f} %, end for {100 * s.end_share:.0f} %")
    for c in pe.correlations:
        r = "–" if c.r is None else f"{c.r:+.2f}"
        console.print(f"  correlation of the {c.score.replace('_', '-')} score with NPS: r = {r} (n = {c.n:,})")


@app.command()
def sentiment(
    text: str = typer.Argument(None, help="A text to score (or use --file / --eval)."),
    file: Path = typer.Option(None, "--file", "-f", help="Score every line of a text file."),
    eval_file: Path = typer.Option(None, "--eval", help="Labelled TSV (text, language, label[, intent]): accuracy "
                                   "and confusion matrix per language, intent accuracy, churn recall. 'bundled' and "
                                   "'service' use the shipped sets."),
    split: str = typer.Option(None, "--split", help="With --eval: only these rounds of the set's split column, "
                              "comma-separated (dev1,dev2)."),
    explain: bool = typer.Option(False, "--explain", "-x", help="Show which words, phrases and rules decided the "
                                 "label and the intent."),
    model: Path = typer.Option(None, "--model", help="A local transformer model directory (default: lexicon)."),
    runtime: str = typer.Option("auto", "--runtime", help="With --model: torch, onnx (the folder's model.onnx, "
                                "ONNX Runtime on the CPU) or auto (onnx when the folder has one)."),
    rules: list[Path] = typer.Option(None, "--rules", help="A service-rules file to add to the bundled rules "
                                     "(repeatable; default: the workspace's sentiment-rules.yaml, if any)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Sentiment (label, score -1..1) and intent of Dutch and English texts, offline; --eval measures accuracy."""
    from journeymap.voc.sentiment import analyze, backend_for, read_texts
    from journeymap.voc.service import workspace_rules_file

    found = workspace_rules_file(workspace) if not rules else None
    backend = backend_for(str(model) if model else None, rules_files=list(rules or ([found] if found else [])),
                          runtime=runtime)
    if eval_file is not None:
        _print_eval(eval_file, split, backend)
        return
    if split:
        raise JourneymapError("--split chooses rounds of a labelled set: use it with --eval")
    if file is not None:
        if file.is_dir():
            raise JourneymapError(f"--file {file} is a folder; give a text file with one text per line")
        texts = read_texts(str(file))
    elif text:
        texts = [text]
    else:
        raise JourneymapError("give a TEXT, --file FILE or --eval LABELLED.tsv")
    if explain:
        _print_explanations(texts, backend, as_json)
        return
    results = analyze(texts, backend=backend)
    if as_json:
        console.print_json(json.dumps([{"text": t} | asdict(r) for t, r in zip(texts, results, strict=True)],
                                      ensure_ascii=False))
        return
    for t, r in zip(texts, results, strict=True):
        console.print(f"{r.label:8} {r.score:+.3f} {r.language:7} {r.intent:9} {t}", soft_wrap=True, markup=False)


def _print_eval(eval_file: Path, split: str | None, backend: Backend) -> None:
    from journeymap.voc.evaluation import evaluate_file

    splits = [s.strip() for s in split.split(",") if s.strip()] if split else None
    report = evaluate_file(eval_file, backend, splits)
    for lang, s in report.per_language.items():
        title = f"{lang}: accuracy {100 * s.accuracy:.1f} % ({s.correct}/{s.n})"
        if s.intent_accuracy is not None:
            title += f", intent {100 * s.intent_accuracy:.1f} % ({s.intent_correct}/{s.intent_n})"
        table = Table(title=title)
        table.add_column("true \\ predicted")
        labels = list(s.matrix)
        for label in labels:
            table.add_column(label, justify="right")
        for true in labels:
            table.add_row(true, *[str(s.matrix[true][p]) for p in labels])
        console.print(table)
    console.print(f"{report.n} texts; language detected differently from the label: "
                  f"{report.detected_language_errors}")
    if report.churn_recall is not None:
        console.print(f"churn intent: recall {100 * report.churn_recall:.1f} % ({report.churn_found}/{report.churn}), "
                      f"{report.churn_false} texts read as churn without it")
    console.print(f"questions: {report.questions}, positive/negative swapped on {report.question_swaps}")


def _print_explanations(texts: list[str], backend: Backend, as_json: bool) -> None:
    from journeymap.i18n import t
    from journeymap.voc.sentiment import NEUTRAL_BAND, LexiconBackend

    if not isinstance(backend, LexiconBackend):
        raise JourneymapError("--explain shows the lexicon backend's words and rules; leave out --model")
    explanations = [backend.explain(t) for t in texts]
    if as_json:
        console.print_json(json.dumps([asdict(e) for e in explanations], ensure_ascii=False))
        return

    def msg(key: str, **values: object) -> str:
        return t("voc." + key, "en", **values)

    for e in explanations:
        r = e.sentiment
        console.print(f"[bold]{r.label} {r.score:+.3f} {r.language} {r.intent}[/bold]  {escape(e.text)}", soft_wrap=True)
        if e.parts:
            table = Table(box=None, pad_edge=False)
            for col in ("explain_words", "explain_source", "explain_value", "explain_notes"):
                table.add_column(msg(col), justify="right" if col == "explain_value" else "left")
            for part in e.parts:
                notes = "; ".join(msg(key, factor=f"{factor:g}") for key, factor in part.notes)
                table.add_row(escape(part.words), escape(part.source), f"{part.value:+.2f}", notes)
            console.print(table)
        else:
            console.print(f"  {msg('explain_nothing')}")
        console.print("  " + msg("explain_total", total=e.total, score=r.score, label=r.label, band=NEUTRAL_BAND),
                      markup=False)
        scores = ", ".join(f"{msg('intent_' + k)} {v:.2f}" for k, v in r.intents.items())
        console.print("  " + msg("explain_intent", intent=msg("intent_" + r.intent), scores=scores), markup=False,
                      soft_wrap=True)
        if e.rules:
            console.print("  " + msg("explain_rules", rules="; ".join(e.rules)), markup=False, soft_wrap=True)


@app.command()
def followup(
    since: str = typer.Option("7d", "--since", "-s", help="Period: 7d, 12h, 2w, 1m, or a date (2026-03-01)."),
    as_of: str = typer.Option(None, "--as-of", help="Count the period back from this date (default: now)."),
    export: Path = typer.Option(None, "--export", "-e", help="Write the list to FILE.csv or FILE.json."),
    threshold: float = typer.Option(-0.5, "--threshold", help="Texts at or below this sentiment are followed up."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Detractors, low CSAT/CES and strongly negative messages, each with the customer's cross-channel timeline."""
    import datetime as dt

    from journeymap.model.workspace import load_workspace
    from journeymap.voc.followup import export_followups, followups, newest_feedback, parse_since

    ws = load_workspace(workspace)
    now = parse_since(as_of, dt.datetime.now(dt.UTC).replace(tzinfo=None)) if as_of else None
    items = followups(ws, since, now=now, threshold=threshold)
    if export is not None:
        export_followups(items, export)
        console.print(f"Wrote {len(items):,} customers to follow up to {export}")
        return
    if not items:
        newest = newest_feedback(ws)
        hint = f" The newest feedback is from {newest}; count back from it with --as-of." if newest else ""
        console.print(f"Nobody to follow up since {since}.{hint}")
        return
    for f in items:
        churn = " [red]churn intent[/red]" if f.churn else ""
        console.print(f"[bold]{f.customer_id}[/bold] (latest {f.worst_ts}){churn}", soft_wrap=True)
        for reason in f.reasons:
            console.print(f"  • {reason}", soft_wrap=True, markup=False)
    console.print(f"{len(items):,} customers to follow up; --export FILE.csv for the service team "
                  "(with each customer's timeline)")


@app.command()
def customer(
    customer_id: str = typer.Argument(..., help="The customer id."),
    limit: int = typer.Option(None, "--limit", "-n", help="Only the latest N moments."),
    workspace: Path = WorkspaceOption,
) -> None:
    """One customer's journey across channels: events, survey answers and messages with sentiment."""
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.followup import customer_journey

    cj = customer_journey(load_workspace(workspace), customer_id, limit=limit)
    mood = f"{cj.mean_sentiment:+.2f}" if cj.mean_sentiment is not None else "–"
    console.print(f"[bold]{cj.customer_id}[/bold]: {len(cj.timeline)} moments, channels {', '.join(cj.channels)}, "
                  f"{cj.answers} survey answers, {cj.messages} messages, mean sentiment {mood}")
    table = Table()
    for col in ("time", "kind", "channel", "step", "what", "sentiment", "intent", "text"):
        table.add_column(col)
    for i in cj.timeline:
        s = "" if i.sentiment is None else f"{i.sentiment:+.2f}"
        table.add_row(i.ts, i.kind, i.channel or "", i.step or "", i.what, s, i.intent or "", i.text or "")
    console.print(table)
