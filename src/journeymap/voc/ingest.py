"""Feedback ingest: survey answers and interaction texts → validated, scored, deduplicated rows.

The same guarantees as event ingest, reusing its readers (:mod:`journeymap.events.readers`):

1. *stage*: the file's rows as they are, numbered (CSV of any delimiter, JSON lines, Parquet;
   lines with invalid UTF-8 come back as rejects, not as a crash);
2. *map columns*: canonical names, their common aliases, or ``--columns field=source``;
3. *validate*: one SQL pass gives every row a quarantine reason or none — missing customer
   or time, unknown metric, score not a number or outside its scale, a step that the journey
   does not have (the reason names the valid step ids), an event reference no step binds,
   empty interaction text;
4. *score*: language, sentiment and intent of every comment and text (Python, about 20,000 texts/s),
   with the workspace's own ``sentiment-rules.yaml`` on top of the bundled service rules;
5. *store*: rows whose id (or row hash) is new go into ``feedback`` / ``interactions``, the
   rest into ``feedback_quarantine``. Re-ingesting a file adds nothing.

All of it runs in one DuckDB transaction: a failure leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from journeymap.errors import JourneymapError, suggest
from journeymap.events.ingest import SourceCounts
from journeymap.events.normalize import (
    EARLIEST,
    FUTURE_TIME,
    MISSING_CUSTOMER,
    MISSING_TIME,
    OUT_OF_RANGE_TIME,
    UNPARSABLE_TIME,
)
from journeymap.events.readers import Staged, stage_file
from journeymap.events.sql import ident, lit
from journeymap.events.store import duck, has_table
from journeymap.i18n import t
from journeymap.model import patterns
from journeymap.model.types import Journey
from journeymap.model.workspace import Workspace
from journeymap.progress import progress
from journeymap.voc.feedback_store import ensure_feedback_schema
from journeymap.voc.metrics import SCALES
from journeymap.voc.sentiment import Backend, analyze, backend_for
from journeymap.voc.service import workspace_rules_file

SURVEY_FIELDS = ("response_id", "customer_id", "ts", "step", "event", "metric", "score", "comment", "language", "channel")
TEXT_FIELDS = ("interaction_id", "customer_id", "ts", "step", "event", "channel", "kind", "text", "language")
#: Accepted source column names per canonical field (matched case-insensitively) when no mapping is given.
ALIASES: dict[str, tuple[str, ...]] = {
    "response_id": ("response_id", "id", "response", "survey_response_id"),
    "interaction_id": ("interaction_id", "id", "message_id", "ticket_id", "conversation_id"),
    "customer_id": ("customer_id", "customer", "user_id", "client_id", "klant_id", "klantnummer"),
    "ts": ("ts", "timestamp", "time", "date", "created_at", "datetime", "datum"),
    "step": ("step", "step_id", "touchpoint", "stap"),
    "event": ("event", "event_ref", "event_name", "event_reference"),
    "metric": ("metric", "survey", "question_type", "type"),
    "score": ("score", "value", "rating", "answer", "cijfer"),
    "comment": ("comment", "comments", "feedback", "remark", "opmerking", "toelichting"),
    "language": ("language", "lang", "taal"),
    "channel": ("channel", "kanaal"),
    "kind": ("kind", "medium", "source_type"),
    "text": ("text", "message", "body", "transcript", "content", "bericht", "tekst"),
}
KINDS = ("chat", "email", "call", "review", "other")
_KIND_OF_CHANNEL = {"chat": "chat", "email": "email", "phone": "call", "review-site": "review", "social": "other"}

MISSING_METRIC = t("reasons.missing_metric", "en")
MISSING_SCORE = t("reasons.missing_score", "en")
NOT_A_NUMBER = t("reasons.not_a_number", "en")
NOT_WHOLE = t("reasons.not_whole", "en")
EMPTY_TEXT = t("reasons.empty_text", "en")


@dataclass
class FileCounts(SourceCounts):
    """What happened to one file's rows (``read == stored + quarantined + duplicates``), and its kind."""

    kind: str = "survey"  # survey, interactions or mixed


@dataclass
class FeedbackIngestReport:
    """The outcome of one feedback ingest."""

    files: list[FileCounts]
    feedback_rows: int = 0
    interaction_rows: int = 0

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)


def scale_reason(metric: str) -> str:
    lo, hi = SCALES[metric]
    return t("reasons.outside_scale", "en", metric=metric, low=lo, high=hi)


def pick_journey(ws: Workspace, journey: str | None) -> Journey:
    """The journey feedback refers to: the named one, or the workspace's only journey."""
    if journey:
        return ws.journey(journey)
    if len(ws.journeys) == 1:
        return next(iter(ws.journeys.values()))
    if not ws.journeys:
        raise JourneymapError("the workspace has no journey to attach feedback to; add one under journeys/")
    raise JourneymapError(f"the workspace has {len(ws.journeys)} journeys; name one with --journey "
                          f"({suggest('', ws.journeys)})")


def resolve_columns(staged: Staged, fields: Sequence[str], mapping: dict[str, str]) -> dict[str, str | None]:
    """Canonical field → source column: the explicit mapping, else the canonical name or an alias."""
    by_lower = {c.lower(): c for c in staged.columns}
    out: dict[str, str | None] = {}
    for f in fields:
        if f in mapping:
            if mapping[f] not in staged.columns:
                raise JourneymapError(f"{staged.display}: --columns maps {f} to {mapping[f]!r}, which the file does "
                                      f"not have; {suggest(mapping[f], staged.columns)}")
            out[f] = mapping[f]
            continue
        out[f] = next((by_lower[a] for a in ALIASES.get(f, (f,)) if a in by_lower), None)
    return out


def event_step(journey: Journey, event: str) -> str | None:
    """The first step (map order) whose binding names, globs or regexes match an event name.

    Matching is :mod:`journeymap.model.patterns`, the definition the engine's SQL uses too (RE2, linear time).
    """
    for step in journey.steps:
        if step.binding is None:
            continue
        if any(patterns.matches(pattern, event) for pattern in step.binding.events):
            return step.id
    return None


def _staged_names(staged: Staged, cols: dict[str, str | None]) -> dict[str, str | None]:
    """Canonical field → the staged relation's name for its source column (readers rename source columns, so
    a column called ``__cust`` or ``__line`` is only ever data)."""
    return {f: (staged.sql_names.get(c, c) if c else None) for f, c in cols.items()}


def _col(columns: dict[str, str | None], name: str, prefix: str = "r.") -> str:
    """A trimmed text expression for a mapped column, by its staged name (NULL when empty or unmapped)."""
    c = columns.get(name)
    return f"nullif(trim({prefix}{ident(c)}::VARCHAR), '')" if c else "NULL::VARCHAR"


NORM_DDL = """
CREATE TEMP TABLE IF NOT EXISTS __fbnorm (
    file VARCHAR, line BIGINT, kind VARCHAR, id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, step VARCHAR,
    event VARCHAR, channel VARCHAR, metric VARCHAR, score DOUBLE, text VARCHAR, language VARCHAR, ikind VARCHAR,
    reason VARCHAR, raw VARCHAR, n BIGINT, sentiment DOUBLE, sentiment_label VARCHAR, intent VARCHAR,
    intent_score DOUBLE
)"""


def _lookup_tables(con: duckdb.DuckDBPyConnection, staged: Staged, cols: dict[str, str | None],
                   journey: Journey) -> None:
    """Temp tables mapping the file's step ids and event references to steps or to a reason."""
    step_ids = [s.id for s in journey.steps]
    channels = {s.id: s.channel for s in journey.steps}
    steps_given: list[str] = []
    if cols.get("step"):
        steps_given = [r[0] for r in con.execute(
            f"SELECT DISTINCT {_col(cols, 'step', '')} FROM {staged.relation} WHERE {_col(cols, 'step', '')} IS NOT NULL"
        ).fetchall()]
    step_rows = [(s, s if s in channels else None, channels.get(s),
                  None if s in channels else t("reasons.unknown_step", "en", step=repr(s), journey=repr(journey.id),
                                               hint=suggest(s, step_ids)))
                 for s in steps_given]
    events_given: list[str] = []
    if cols.get("event"):
        events_given = [r[0] for r in con.execute(
            f"SELECT DISTINCT {_col(cols, 'event', '')} FROM {staged.relation} WHERE {_col(cols, 'event', '')} IS NOT NULL"
        ).fetchall()]
    event_rows = []
    for e in events_given:
        sid = event_step(journey, e)
        event_rows.append((e, sid, channels.get(sid) if sid else None,
                           None if sid else t("reasons.unknown_event", "en", event=repr(e), journey=repr(journey.id))))
    for name, rows in (("__fbsteps", step_rows), ("__fbevents", event_rows)):
        df = pd.DataFrame(rows, columns=["ref", "step", "channel", "reason"]).astype("object")
        con.register(f"{name}_df", df)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT ref::VARCHAR AS ref, step::VARCHAR AS step, "
                    f"channel::VARCHAR AS channel, reason::VARCHAR AS reason FROM {name}_df")
        con.unregister(f"{name}_df")


def _normalise(con: duckdb.DuckDBPyConnection, staged: Staged, cols: dict[str, str | None], kind: str,
               journey: Journey, now: dt.datetime, where: str = "true", rejects: bool = True,
               earliest: dt.datetime = EARLIEST) -> None:
    """One SQL pass: every staged row (that ``where`` selects) into ``__fbnorm`` with a reason or none."""
    _lookup_tables(con, staged, cols, journey)
    future = (now.replace(tzinfo=None) + dt.timedelta(days=1)).isoformat(sep=" ")
    survey = kind == "survey"
    ts = _col(cols, "ts")
    score = _col(cols, "score")
    metric = f"lower({_col(cols, 'metric')})"
    text = _col(cols, "comment" if survey else "text")
    scale_checks = " ".join(
        f"WHEN __metric = {lit(m)} AND (__score < {lo} OR __score > {hi}) THEN {lit(scale_reason(m))}"
        for m, (lo, hi) in SCALES.items()
    )
    metric_list = ", ".join(lit(m) for m in SCALES)
    survey_reasons = f"""
            WHEN __metric IS NULL THEN {lit(MISSING_METRIC)}
            WHEN __metric NOT IN ({metric_list}) THEN 'unknown metric ''' || __metric_raw || ''' (expected one of: ces, csat, nps)'
            WHEN __score_raw IS NULL THEN {lit(MISSING_SCORE)}
            WHEN __score IS NULL THEN {lit(NOT_A_NUMBER)}
            {scale_checks}
            WHEN __score <> round(__score) THEN {lit(NOT_WHOLE)}""" if survey else f"""
            WHEN __text IS NULL THEN {lit(EMPTY_TEXT)}"""
    ikind = "lower(__kind_raw)"
    kind_expr = "NULL::VARCHAR" if survey else f"""CASE
            WHEN {ikind} IN ({', '.join(lit(k) for k in KINDS)}) THEN {ikind}
            WHEN {ikind} IN ('e-mail', 'mail') THEN 'email' WHEN {ikind} IN ('phone', 'transcript') THEN 'call'
            ELSE coalesce({' '.join(['CASE lower(__channel)'] + [f'WHEN {lit(c)} THEN {lit(k)}' for c, k in _KIND_OF_CHANNEL.items()] + ['END'])}, 'other') END"""
    lang = f"lower({_col(cols, 'language')})"
    hash_expr = ("md5(concat_ws(chr(31), coalesce(__cust, ''), coalesce(__ts::VARCHAR, ''), coalesce(__metric, ''), "
                 "coalesce(__score::VARCHAR, ''), coalesce(__step_raw, ''), coalesce(__event, ''), "
                 "coalesce(__text, '')))")
    id_col = _col(cols, "response_id" if survey else "interaction_id")
    inner = f"""
        SELECT r.*, {_col(cols, 'customer_id')} AS __cust, {ts} AS __ts_raw,
               timezone('UTC', TRY_CAST({ts} AS TIMESTAMPTZ)) AS __ts,
               {_col(cols, 'metric')} AS __metric_raw, {metric} AS __metric,
               {score} AS __score_raw, TRY_CAST({score} AS DOUBLE) AS __score,
               {text} AS __text, {_col(cols, 'step')} AS __step_raw, {_col(cols, 'event')} AS __event,
               coalesce(lower({_col(cols, 'channel')}), s.channel, e.channel) AS __channel,
               coalesce(s.step, e.step) AS __step, coalesce(s.reason, CASE WHEN s.ref IS NULL THEN e.reason END) AS __step_reason,
               {_col(cols, 'kind')} AS __kind_raw, {id_col} AS __id, CASE WHEN {lang} IN ('nl', 'en') THEN {lang} END AS __lang
        FROM {staged.relation} r
        LEFT JOIN __fbsteps s ON s.ref = {_col(cols, 'step')}
        LEFT JOIN __fbevents e ON e.ref = {_col(cols, 'event')}
        WHERE {where}"""
    reason = f"""CASE
            WHEN __bad IS NOT NULL THEN __bad
            WHEN __cust IS NULL THEN {lit(MISSING_CUSTOMER)}
            WHEN __ts_raw IS NULL THEN {lit(MISSING_TIME)}
            WHEN __ts IS NULL THEN {lit(UNPARSABLE_TIME)}
            WHEN NOT isfinite(__ts) OR __ts < {lit(earliest.isoformat(sep=' '))}::TIMESTAMP
                THEN {lit(OUT_OF_RANGE_TIME)}
            WHEN __ts > {lit(future)}::TIMESTAMP THEN {lit(FUTURE_TIME)}
            {survey_reasons}
            WHEN __step_reason IS NOT NULL THEN __step_reason
        END"""
    file = lit(staged.display)
    try:
        con.execute(f"""
            INSERT INTO __fbnorm
            SELECT {file}, __line, {lit(kind)}, coalesce(__id, {hash_expr}), __cust, __ts, __step, __event,
                   __channel, __metric, __score, __text, __lang, {kind_expr}, __reason,
                   CASE WHEN __reason IS NOT NULL THEN {staged.raw_expr()} END, __n, NULL, NULL, NULL, NULL
            FROM (SELECT *, {reason} AS __reason FROM ({inner}))
        """)
        if staged.rejects and rejects:
            con.execute(f"INSERT INTO __fbnorm (file, line, kind, reason, raw) "
                        f"SELECT {file}, line, {lit(kind)}, reason, raw FROM {staged.rejects}")
    except duckdb.Error as exc:
        raise JourneymapError(f"cannot read the rows of {staged.display}: {exc}") from exc


def _check_required(staged: Staged, cols: dict[str, str | None]) -> None:
    for needed in ("customer_id", "ts"):
        if not cols[needed]:
            raise JourneymapError(f"{staged.display}: no {needed} column; {suggest(needed, staged.columns)} "
                                  f"(or map one with --columns {needed}=COLUMN)")


def _scores(texts: list[str], languages: list[str | None], backend: Backend | None,
            bar: Any = None, task: Any = None) -> list[tuple[str, float, str, str, float]]:
    """Language, sentiment, label, intent and intent score per text, in chunks (with a progress bar)."""
    chunk = 20_000
    out: list[tuple[str, float, str, str, float]] = []
    for start in range(0, len(texts), chunk):
        results = analyze(texts[start:start + chunk], languages[start:start + chunk], backend)
        out.extend((s.language, s.score, s.label, s.intent, s.intents.get(s.intent, 0.0)) for s in results)
        if bar is not None:
            bar.update(task, advance=len(results))
    return out


def _score_texts(con: duckdb.DuckDBPyConnection, backend: Backend | None, quiet: bool) -> None:
    """Language, sentiment and intent for every usable row with text, with a progress bar."""
    rows = con.execute("SELECT file, n, text, language FROM __fbnorm "
                       "WHERE reason IS NULL AND text IS NOT NULL").fetchall()
    if not rows:
        return
    with progress(quiet) as bar:
        task = bar.add_task("scoring sentiment", total=len(rows))
        scored = _scores([r[2] for r in rows], [r[3] for r in rows], backend, bar, task)
    df = pd.DataFrame([(r[0], r[1], *s) for r, s in zip(rows, scored, strict=True)],
                      columns=["file", "n", "language", "sentiment", "label", "intent", "intent_score"])
    con.register("__fbscores_df", df)
    con.execute("""
        UPDATE __fbnorm SET language = s.language, sentiment = s.sentiment, sentiment_label = s.label,
               intent = s.intent, intent_score = s.intent_score
        FROM __fbscores_df s WHERE __fbnorm.file = s.file AND __fbnorm.n = s.n
    """)
    con.unregister("__fbscores_df")


def _fill_intents(con: duckdb.DuckDBPyConnection, backend: Backend | None) -> None:
    """Intents for the stored rows of a store written before intents existed (their column was just added)."""
    for table, key, text in (("feedback", "response_id", "comment"), ("interactions", "interaction_id", "text")):
        rows = con.execute(f"SELECT {key}, {text}, language FROM {table} "
                           f"WHERE intent IS NULL AND {text} IS NOT NULL").fetchall()
        if not rows:
            continue
        scored = _scores([r[1] for r in rows], [r[2] if r[2] in ("nl", "en") else None for r in rows], backend)
        df = pd.DataFrame([(r[0], s[3], s[4]) for r, s in zip(rows, scored, strict=True)],
                          columns=["id", "intent", "intent_score"])
        con.register("__fbintents_df", df)
        con.execute(f"UPDATE {table} SET intent = s.intent, intent_score = s.intent_score "
                    f"FROM __fbintents_df s WHERE {table}.{key} = s.id")
        con.unregister("__fbintents_df")


def ingest_feedback(ws: Workspace, sources: Sequence[str | Path], *, journey: str | None = None,
                    columns: dict[str, str] | None = None, delimiter: str | None = None, quiet: bool = False,
                    now: dt.datetime | None = None, backend: Backend | None = None) -> FeedbackIngestReport:
    """Ingest survey-answer and interaction-text files into the workspace's store, all or nothing.

    A file with ``metric`` and ``score`` columns holds survey answers; one with a ``text``
    column holds interactions; a file with all three holds both (rows with a metric are answers). ``columns`` maps canonical fields to source columns.
    ``now`` fixes the clock for the "time in the future" check; ``backend`` picks the
    sentiment backend (default: the offline lexicon backend with the workspace's rules file, if any).
    """
    if not sources:
        raise JourneymapError("nothing to ingest: give one or more feedback files")
    if backend is None:
        rules_file = workspace_rules_file(ws.root)
        backend = backend_for(rules_files=[rules_file] if rules_file else [])
    jr = pick_journey(ws, journey)
    now = now or dt.datetime.now(dt.UTC)
    con = duck(ws, read_only=False)
    try:
        con.execute(f"SET TimeZone = {lit(ws.settings.timezone)}")
        con.execute("BEGIN TRANSACTION")
        try:
            report = _run(con, ws, [Path(s) for s in sources], jr, columns or {}, delimiter, quiet, now, backend)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except duckdb.Error as exc:
        raise JourneymapError(f"feedback ingest failed, the store is unchanged: {exc}") from exc
    finally:
        con.close()
    return report


def _run(con: duckdb.DuckDBPyConnection, ws: Workspace, sources: list[Path], journey: Journey,
         mapping: dict[str, str], delimiter: str | None, quiet: bool, now: dt.datetime,
         backend: Backend | None) -> FeedbackIngestReport:
    ensure_feedback_schema(con)
    _fill_intents(con, backend)
    con.execute(NORM_DDL)
    earliest = ws.settings.events.earliest_time
    counts: list[FileCounts] = []
    with progress(quiet) as bar:
        task = bar.add_task("reading feedback files", total=len(sources))
        for i, path in enumerate(sources):
            staged = stage_file(con, path, f"fb{i}", delimiter=delimiter, mapped=list(mapping.values()))
            survey_cols = _staged_names(staged, resolve_columns(staged, SURVEY_FIELDS, mapping))
            text_cols = _staged_names(staged, resolve_columns(staged, TEXT_FIELDS, mapping))
            if survey_cols["metric"] and survey_cols["score"] and text_cols["text"]:
                kind = "mixed"  # answers and texts in one export: rows with a metric are answers
                has_metric = f"{_col(survey_cols, 'metric')} IS NOT NULL"
                has_text = f"{_col(text_cols, 'text')} IS NOT NULL"
                _check_required(staged, survey_cols)
                _normalise(con, staged, survey_cols, "survey", journey, now, f"{has_metric} OR NOT {has_text}",
                           earliest=earliest)
                _normalise(con, staged, text_cols, "interactions", journey, now,
                           f"NOT ({has_metric}) AND {has_text}", rejects=False, earliest=earliest)
                counts.append(FileCounts(staged.display, notes=staged.notes, kind=kind))
                bar.update(task, advance=1)
                continue
            if survey_cols["metric"] and survey_cols["score"]:
                kind, cols = "survey", survey_cols
            elif text_cols["text"]:
                kind, cols = "interactions", text_cols
            else:
                raise JourneymapError(
                    f"{staged.display}: neither survey answers (columns metric and score) nor interaction texts "
                    f"(column text); it has: {', '.join(staged.columns) or 'no columns'}. "
                    "Map columns with --columns metric=…,score=… or --columns text=…")
            _check_required(staged, cols)
            _normalise(con, staged, cols, kind, journey, now, earliest=earliest)
            counts.append(FileCounts(staged.display, notes=staged.notes, kind=kind))
            bar.update(task, advance=1)
    _score_texts(con, backend, quiet)
    stamp = lit(now.replace(tzinfo=None).isoformat(sep=" "))
    con.execute(f"""
        INSERT INTO feedback_quarantine
        SELECT DISTINCT file, line, reason, raw, {stamp}::TIMESTAMP FROM __fbnorm q
        WHERE reason IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM feedback_quarantine x WHERE x.source_file = q.file
              AND x.line IS NOT DISTINCT FROM q.line AND x.reason = q.reason AND x.raw IS NOT DISTINCT FROM q.raw)
    """)
    stitch = ("LEFT JOIN (SELECT raw_customer_id, any_value(customer_id) AS cid FROM events "
              "WHERE raw_customer_id IS NOT NULL GROUP BY 1) m ON m.raw_customer_id = f.customer_id"
              if has_table(con, "events") else "LEFT JOIN (SELECT NULL::VARCHAR AS cid) m ON false")
    jid = lit(journey.id)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __fbfresh AS
        SELECT f.*, coalesce(m.cid, f.customer_id) AS cust FROM __fbnorm f {stitch}
        WHERE reason IS NULL AND NOT EXISTS (
            SELECT 1 FROM feedback x WHERE f.kind = 'survey' AND x.response_id = f.id)
          AND NOT EXISTS (SELECT 1 FROM interactions x WHERE f.kind = 'interactions' AND x.interaction_id = f.id)
        QUALIFY row_number() OVER (PARTITION BY kind, id ORDER BY file, line) = 1
    """)
    con.execute(f"""
        INSERT INTO feedback SELECT id, cust, ts, {jid}, step, event, channel, metric, score, text,
               language, sentiment, sentiment_label, file, line, intent, intent_score
        FROM __fbfresh WHERE kind = 'survey' ORDER BY cust, ts
    """)
    con.execute(f"""
        INSERT INTO interactions SELECT id, cust, ts, {jid}, step, event, channel, ikind, text,
               language, sentiment, sentiment_label, file, line, intent, intent_score
        FROM __fbfresh WHERE kind = 'interactions' ORDER BY cust, ts
    """)
    by_file = {c.source: c for c in counts}
    for file, read, quarantined in con.execute(
            "SELECT file, count(*), count(reason) FROM __fbnorm GROUP BY file").fetchall():
        by_file[file].read, by_file[file].quarantined = int(read), int(quarantined)
    for file, reason, n in con.execute(
            "SELECT file, reason, count(*) FROM __fbnorm WHERE reason IS NOT NULL GROUP BY ALL ORDER BY 3 DESC, 2"
    ).fetchall():
        by_file[file].reasons[reason] = int(n)
    for file, n in con.execute("SELECT file, count(*) FROM __fbfresh GROUP BY file").fetchall():
        by_file[file].stored = int(n)
    for c in counts:
        c.duplicates = c.read - c.stored - c.quarantined
    totals = con.execute("SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM interactions)").fetchone()
    assert totals is not None
    for name in ("__fbnorm", "__fbfresh", "__fbsteps", "__fbevents"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return FeedbackIngestReport(counts, int(totals[0]), int(totals[1]))
