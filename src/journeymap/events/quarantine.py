"""The quarantine: rows ingest could not use, with where they came from and why."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymap.csvsafe import safe_sql
from journeymap.errors import JourneymapError, suggest
from journeymap.events.normalize import REASONS
from journeymap.events.sql import lit
from journeymap.events.store import duck, has_table
from journeymap.model.workspace import Workspace, display_path
from journeymap.outfile import check_writable

EXPORT_FORMATS = {".csv": "csv", ".jsonl": "json", ".ndjson": "json"}


@dataclass(frozen=True)
class QuarantinedRow:
    """One quarantined row: ``source_file:line``, the reason, the raw row as JSON, and whose it is."""

    source_file: str
    line: int | None
    reason: str
    raw: str
    data: str = "events"  # "events" (ingest events) or "feedback" (ingest feedback)


#: Where each kind of data keeps its quarantined rows (same columns).
TABLES = {"events": "quarantine", "feedback": "feedback_quarantine"}


def _relation(con: duckdb.DuckDBPyConnection) -> str | None:
    """Every quarantined row, events' and feedback's, with a ``data`` column saying whose; None when there is none."""
    parts = [f"SELECT {lit(data)} AS data, source_file, line, reason, raw, ingested_at FROM {table}"
             for data, table in TABLES.items() if has_table(con, table)]
    return f"({' UNION ALL '.join(parts)})" if parts else None


def _where(con: duckdb.DuckDBPyConnection, relation: str, reason: str | None) -> str:
    """A filter on ``reason``: one the store holds or the event ingest knows, else a clear error."""
    if reason is None:
        return ""
    known = set(REASONS) | {str(r[0]) for r in con.execute(f"SELECT DISTINCT reason FROM {relation}").fetchall()}
    if reason not in known:
        raise JourneymapError(f"unknown quarantine reason {reason!r}; {suggest(reason, known)}")
    return f"WHERE reason = {lit(reason)}"


def list_quarantine(ws: Workspace, reason: str | None = None, limit: int | None = None) -> list[QuarantinedRow]:
    """Quarantined rows of events and feedback in file and line order, optionally of one reason."""
    con = duck(ws)
    try:
        relation = _relation(con)
        if relation is None:
            return []
        sql = (f"SELECT source_file, line, reason, raw, data FROM {relation} {_where(con, relation, reason)} "
               "ORDER BY data, source_file, line")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [QuarantinedRow(str(f), None if ln is None else int(ln), str(r), str(raw), str(d))
                for f, ln, r, raw, d in con.execute(sql).fetchall()]
    finally:
        con.close()


def quarantine_counts(ws: Workspace, data: str | None = None) -> dict[str, int]:
    """Quarantined rows per reason, of events and feedback (or only ``data``: "events" or "feedback")."""
    con = duck(ws)
    try:
        relation = _relation(con)
        if relation is None:
            return {}
        where = f"WHERE data = {lit(data)}" if data else ""
        rows = con.execute(f"SELECT reason, count(*) FROM {relation} {where} GROUP BY reason "
                           "ORDER BY 2 DESC, 1").fetchall()
        return {str(r): int(n) for r, n in rows}
    finally:
        con.close()


def export_quarantine(ws: Workspace, target: Path, reason: str | None = None) -> int:
    """Write quarantined rows to ``.csv`` or ``.jsonl``, atomically; returns the number of rows."""
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise JourneymapError(f"cannot export quarantine to {display_path(target)}; "
                              f"use a file ending in {', '.join(EXPORT_FORMATS)}")
    check_writable(target, "quarantine")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JourneymapError(f"cannot write quarantine to {display_path(target)}: {exc.strerror or exc}") from exc
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    con = duck(ws)
    try:
        relation = _relation(con)
        if relation is None:
            raise JourneymapError("the quarantine is empty: nothing ingested yet")
        where = _where(con, relation, reason)
        n = int(con.execute(f"SELECT count(*) FROM {relation} {where}").fetchall()[0][0])
        header = ", HEADER true" if fmt == "csv" else ""
        # CSV is opened in spreadsheets: raw rows are neutralised there; JSONL keeps them exact
        raw = safe_sql("raw") + " AS raw" if fmt == "csv" else "raw"
        source = safe_sql("source_file") + " AS source_file" if fmt == "csv" else "source_file"
        con.execute(f"""COPY (SELECT data, {source}, line, reason, {raw}, ingested_at FROM {relation} {where}
                              ORDER BY data, source_file, line) TO {lit(str(tmp))} (FORMAT {fmt}{header})""")
        os.replace(tmp, target)
    finally:
        con.close()
        if tmp.exists():
            tmp.unlink()
    return n
