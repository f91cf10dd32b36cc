"""Voice-of-the-customer commands: ingest feedback, feedback metrics, sentiment, follow-up, customer."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from journeymap.cli import app, ingest_app
from journeymap.cli.common import QuietOption, WorkspaceOption, console
from journeymap.cli.output import FormatOption, JsonAlias, output_format, print_json
from journeymap.errors import JourneymapError

if TYPE_CHECKING:
    from journeymap.voc.peakend import PeakEndReport
    from journeymap.voc.sentiment import Backend

JourneyOption = typer.Option(None, "--journey", "-j", help="Journey id (default: the workspace's only journey).")
JourneyArg = typer.Argument(None, help="A journey file (journeys/x.yaml) or a journey id (default: the "
                            "workspace's only journey).")
JourneyHidden = typer.Option(None, "--journey", "-j", hidden=True, help="Deprecated: give JOURNEY as the argument.")


@ingest_app.command("feedback")
def ingest_feedback_cmd(
    files: list[Path] = typer.Argument(..., help="Survey answers or interaction texts (CSV, JSON lines, Parquet)."),
    journey: str = JourneyOption,
    columns: str = typer.Option(None, "--columns", "-c", help="Map fields to source columns: score=rating,ts=date."),
    delimiter: str = typer.Option(None, "--delimiter", help="CSV delimiter (default: detected)."),
    workspace: Path = WorkspaceOption,
    fmt: str = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Load survey answers (NPS/CSAT/CES) and customer texts: validated, scored, deduplicated.

    A file with metric and score columns holds survey answers; one with a text column holds
    chats, e-mails, call transcripts or reviews. Every row is stored, quarantined with a
    reason (score outside its scale, unknown step, …) or counted as a duplicate.
    """
    from journeymap.cli.events import print_feedback_ingest
    from journeymap.cli.output import speak
    from journeymap.events.normalize import parse_columns
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.ingest import ingest_feedback

    fmt = output_format(fmt)
    ws = load_workspace(workspace)
    speak(ws.settings.language)
    report = ingest_feedback(ws, files, journey=journey, columns=parse_columns(columns) or None, delimiter=delimiter,
                             quiet=quiet or fmt != "table")
    print_feedback_ingest(report, ws.settings.language, fmt)


def _fmt(metric: str, value: float | None, lang: str) -> str:
    """A score as people read it: NPS signed (+20,0), CSAT as a share (75,0 %), CES as a mean (5,38)."""
    from journeymap.i18n import format_number, format_percent

    if value is None:
        return "–"
    if metric == "csat":
        return format_percent(value, lang, 1)
    if metric == "nps":
        return ("+" if value > 0 else "") + format_number(value, lang, 1)
    return format_number(value, lang, 2)


def _journey_and_workspace(journey: str | None, journey_opt: str | None, workspace: Path) -> tuple[Any, str | None]:
    """The workspace and the journey id from the JOURNEY argument (a file or an id) or the deprecated --journey."""
    from journeymap.api import workspace_for
    from journeymap.model.workspace import load_workspace

    if journey and journey_opt and journey != journey_opt:
        raise JourneymapError(f"JOURNEY {journey!r} and --journey {journey_opt!r} disagree: give the journey once")
    ref = journey or journey_opt
    if ref is None:
        return load_workspace(workspace), None
    return workspace_for(ref, workspace)


@app.command()
def feedback(
    journey: str = JourneyArg,
    by: str = typer.Option(None, "--by", "-b", help="Group by step, stage, persona or channel."),
    period: str = typer.Option(None, "--period", "-p", help="Per day, week, month, quarter or year."),
    themes: bool = typer.Option(False, "--themes", help="Also list negative and positive themes per step."),
    peak_end: bool = typer.Option(False, "--peak-end", help="Also show peak and end moments and their link with NPS."),
    journey_opt: str = JourneyHidden,
    fmt: str = FormatOption,
    as_json: bool = JsonAlias,
    workspace: Path = WorkspaceOption,
    quiet: bool = QuietOption,
) -> None:
    """NPS, CSAT (top-2-box) and CES with n and 95 % intervals; small samples (n < 30) are flagged."""
    from journeymap.i18n import format_number, format_percent, t
    from journeymap.voc.report import feedback_metrics, feedback_peak_end, feedback_themes

    fmt = output_format(fmt, as_json)
    ws, jid = _journey_and_workspace(journey, journey_opt, workspace)
    lang = ws.settings.language
    report = feedback_metrics(ws, by=by, period=period, journey=jid)
    found = feedback_themes(ws, journey=jid) if themes else {}
    pe = feedback_peak_end(ws, journey=jid) if peak_end else None
    if fmt != "table":
        rows = [asdict(r) | {"small_sample": r.small_sample, "note": r.note} for r in report.rows]
        if fmt == "json":
            print_json({"metrics": rows, "themes": {k: asdict(v) for k, v in found.items()},
                        "peak_end": asdict(pe) if pe else None})
        else:
            import pandas as pd

            from journeymap.cli.output import emit

            emit({"metrics": pd.DataFrame(rows, columns=["metric", "group", "period", "n", "value", "low", "high",
                                                         "top2_share", "mean", "small_sample", "note"])}, fmt, lang)
        return
    table = Table(title=t("feedback.title", lang, journey=report.journey))
    heads = ["metric", *(["group"] if by else []), *(["period"] if period else []), "n", "score", "interval",
             "top2", "note"]
    for col in heads:
        table.add_column(by if col == "group" and by and lang == "en" else t(f"feedback.{col}", lang),
                         justify="right" if col in ("n", "score", "top2") else "left")
    for r in report.rows:
        interval = (f"{_fmt(r.metric, r.low, lang)} … {_fmt(r.metric, r.high, lang)}"
                    if r.low is not None else "–")
        top2 = format_percent(r.top2_share, lang) if r.top2_share is not None else "–"
        keys = [*([r.group or "–"] if by else []), *([r.period or ""] if period else [])]
        note = f"[yellow]{t('feedback.' + r.note, lang)}[/yellow]" if r.note else ""
        table.add_row(r.metric.upper(), *map(escape, keys), format_number(r.n, lang), _fmt(r.metric, r.value, lang),
                      interval, top2, note)
    console.print(table)
    if pe is not None:
        _print_peak_end(pe, lang)
    for step, st in found.items():
        for polarity, items in (("negative", st.negative), ("positive", st.positive)):
            if items:
                console.print(f"[bold]{escape(step)}[/bold] {t('feedback.' + polarity, lang)}: "
                              + "; ".join(f"{escape(th.phrase)} ({th.count})" for th in items), soft_wrap=True)


def _print_peak_end(pe: PeakEndReport, lang: str) -> None:
    from journeymap.i18n import format_number, format_percent, t

    def signed(v: float | None) -> str:
        return "–" if v is None else ("+" if v > 0 else "") + format_number(v, lang, 2)

    if not pe.customers:
        console.print(t("feedback.peak_end_none", lang))
        return
    console.print(t("feedback.peak_end", lang, n=format_number(pe.customers, lang), mean=signed(pe.mean),
                    peak=signed(pe.peak), end=signed(pe.end), peak_end=signed(pe.peak_end)), markup=False)
    for s in pe.steps:
        console.print(t("feedback.peak_end_step", lang, step=s.step, peak=format_percent(s.peak_share, lang),
                        end=format_percent(s.end_share, lang)), markup=False)
    for c in pe.correlations:
        console.print(t("feedback.correlation", lang, score=c.score.replace("_", "-"), r=signed(c.r),
                        n=format_number(c.n, lang)), markup=False)


@app.command()
def sentiment(
    text: str = typer.Argument(None, help="A text to score (or use --file / --eval)."),
    file: Path = typer.Option(None, "--file", help="Score every line of a text file."),
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
    fmt: str = FormatOption,
    as_json: bool = JsonAlias,
    workspace: Path = WorkspaceOption,
    quiet: bool = QuietOption,
) -> None:
    """Sentiment (label, score -1..1) and intent of Dutch and English texts, offline; --eval measures accuracy."""
    from journeymap.voc.sentiment import analyze, backend_for, read_texts
    from journeymap.voc.service import workspace_rules_file

    fmt = output_format(fmt, as_json)
    as_json = fmt == "json"
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
    records = [{"text": text} | asdict(r) for text, r in zip(texts, results, strict=True)]
    if as_json:
        print_json(records)
        return
    if fmt == "csv":
        import pandas as pd

        from journeymap.cli.output import emit

        emit({"sentiment": pd.DataFrame([{k: v for k, v in r.items() if k != "intents"} for r in records])}, fmt)
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
    explanations = [backend.explain(text) for text in texts]
    if as_json:
        print_json([asdict(e) for e in explanations])
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
    limit: int = typer.Option(10, "--limit", "-n", help="Timeline: the latest N moments per customer on screen "
                              "(0: none; --export and --format json write up to 50)."),
    workspace: Path = WorkspaceOption,
    fmt: str = FormatOption,
    as_json: bool = JsonAlias,
    quiet: bool = QuietOption,
) -> None:
    """Detractors, low CSAT/CES and strongly negative messages, each with the customer's cross-channel timeline."""
    import datetime as dt

    from journeymap.i18n import format_number, t
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.followup import export_followups, followups, followups_csv, newest_feedback, parse_since

    fmt = output_format(fmt, as_json)
    ws = load_workspace(workspace)
    lang = ws.settings.language
    now = parse_since(as_of, dt.datetime.now(dt.UTC).replace(tzinfo=None)) if as_of else None
    items = followups(ws, since, now=now, threshold=threshold)
    if export is not None:
        export_followups(items, export)
        if not quiet:
            console.print(t("followup.wrote", lang, n=format_number(len(items), lang), path=export), markup=False)
        return
    if fmt == "json":
        print_json(items)
        return
    if fmt == "csv":
        console.out(followups_csv(items), end="", highlight=False)
        return
    if not items:
        newest = newest_feedback(ws)
        hint = t("followup.newest", lang, ts=newest) if newest else ""
        console.print(t("followup.nobody", lang, since=since) + hint, markup=False)
        return
    for f in items:
        churn = f" [red]{escape(t('voc.followup_churn', lang))}[/red]" if f.churn else ""
        console.print(f"[bold]{escape(f.customer_id)}[/bold] ({escape(t('followup.latest', lang, ts=f.worst_ts))})"
                      f"{churn}", soft_wrap=True)
        for reason in f.reasons:
            console.print(f"  • {reason}", soft_wrap=True, markup=False)
        shown = f.timeline[-limit:] if limit > 0 else []
        if shown:
            console.print(t("followup.timeline", lang, n=len(shown)), markup=False)
            for item in shown:
                console.print("    " + _moment(item, lang), soft_wrap=True, markup=False)
    if not quiet:
        console.print(t("followup.count", lang, n=format_number(len(items), lang)), markup=False)


def _moment(item: Any, lang: str) -> str:
    """One timeline moment on one line: time, channel, step, what, sentiment and text."""
    from journeymap.cli.common import printable
    from journeymap.i18n import channel_name, format_number

    parts = [item.ts, channel_name(item.channel, lang) if item.channel else "–", item.step or "–", item.what]
    if item.sentiment is not None:
        parts.append(("+" if item.sentiment > 0 else "") + format_number(item.sentiment, lang, 2))
    line = "  ".join(parts)
    return printable(line + (f"  “{item.text}”" if item.text else ""))


@app.command()
def customer(
    customer_id: str = typer.Argument(..., help="The customer id."),
    limit: int = typer.Option(None, "--limit", "-n", help="Only the latest N moments."),
    journey: str = typer.Option(None, "--journey", "-j", help="Name the steps of this journey (default: of every "
                                "journey in the workspace)."),
    workspace: Path = WorkspaceOption,
    fmt: str = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """One customer's journey across channels: events (with their step), survey answers and messages with sentiment."""
    import pandas as pd

    from journeymap.cli.output import emit
    from journeymap.i18n import channel_name, format_number, t
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.followup import customer_journey

    fmt = output_format(fmt)
    ws = load_workspace(workspace)
    lang = ws.settings.language
    cj = customer_journey(ws, customer_id, limit=limit, journey=journey)
    frame = pd.DataFrame([asdict(i) for i in cj.timeline],
                         columns=["ts", "kind", "channel", "step", "what", "sentiment", "intent", "text"])
    if fmt != "table":
        emit({"timeline": frame.rename(columns={"ts": "time"})}, fmt, lang)
        return
    if not quiet:
        mood = "–" if cj.mean_sentiment is None else ("+" if cj.mean_sentiment > 0 else "") + format_number(
            cj.mean_sentiment, lang, 2)
        console.print(t("customer.summary", lang, customer=cj.customer_id, n=format_number(len(cj.timeline), lang),
                        channels=", ".join(channel_name(c, lang) for c in cj.channels),
                        answers=format_number(cj.answers, lang), messages=format_number(cj.messages, lang),
                        mood=mood), soft_wrap=True, markup=False)
    shown = frame.rename(columns={"ts": "time"})
    shown["kind"] = shown["kind"].map(lambda k: t(f"customer.kind.{k}", lang))
    shown["channel"] = shown["channel"].map(lambda c: channel_name(c, lang) if isinstance(c, str) else c)
    shown["intent"] = shown["intent"].map(lambda i: t(f"voc.intent_{i}", lang) if isinstance(i, str) else i)
    emit({"timeline": shown}, "table", lang, titles={"timeline": cj.customer_id})
