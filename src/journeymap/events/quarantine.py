"""The quarantine: rows ingest could not use, with where they came from and why."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
    """One quarantined row: ``source_file:line``, the reason and the raw row as JSON."""

    source_file: str
    line: int | None
    reason: str
    raw: str


def _where(reason: str | None) -> str:
    if reason is None:
        return ""
    if reason not in REASONS:
        raise JourneymapError(f"unknown quarantine reason {reason!r}; {suggest(reason, REASONS)}")
    return f"WHERE reason = {lit(reason)}"


def list_quarantine(ws: Workspace, reason: str | None = None, limit: int | None = None) -> list[QuarantinedRow]:
    """Quarantined rows in file and line order, optionally of one reason."""
    where = _where(reason)
    con = duck(ws)
    try:
        if not has_table(con, "quarantine"):
            return []
        sql = f"SELECT source_file, line, reason, raw FROM quarantine {where} ORDER BY source_file, line"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [QuarantinedRow(str(f), None if ln is None else int(ln), str(r), str(raw))
                for f, ln, r, raw in con.execute(sql).fetchall()]
    finally:
        con.close()


def quarantine_counts(ws: Workspace) -> dict[str, int]:
    """Quarantined rows per reason."""
    con = duck(ws)
    try:
        if not has_table(con, "quarantine"):
            return {}
        rows = con.execute("SELECT reason, count(*) FROM quarantine GROUP BY reason ORDER BY 2 DESC, 1").fetchall()
        return {str(r): int(n) for r, n in rows}
    finally:
        con.close()


def export_quarantine(ws: Workspace, target: Path, reason: str | None = None) -> int:
    """Write quarantined rows to ``.csv`` or ``.jsonl``, atomically; returns the number of rows."""
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise JourneymapError(f"cannot export quarantine to {display_path(target)}; "
                              f"use a file ending in {', '.join(EXPORT_FORMATS)}")
    where = _where(reason)
    check_writable(target, "quarantine")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JourneymapError(f"cannot write quarantine to {display_path(target)}: {exc.strerror or exc}") from exc
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    con = duck(ws)
    try:
        if not has_table(con, "quarantine"):
            raise JourneymapError("the quarantine is empty: nothing ingested yet")
        row = con.execute(f"SELECT count(*) FROM quarantine {where}").fetchone()
        n = int(row[0]) if row else 0
        header = ", HEADER true" if fmt == "csv" else ""
        # CSV is opened in spreadsheets: raw rows are neutralised there; JSONL keeps them exact
        raw = safe_sql("raw") + " AS raw" if fmt == "csv" else "raw"
        source = safe_sql("source_file") + " AS source_file" if fmt == "csv" else "source_file"
        con.execute(f"""COPY (SELECT {source}, line, reason, {raw}, ingested_at FROM quarantine {where}
                              ORDER BY source_file, line) TO {lit(str(tmp))} (FORMAT {fmt}{header})""")
        os.replace(tmp, target)
    finally:
        con.close()
        if tmp.exists():
            tmp.unlink()
    return n
