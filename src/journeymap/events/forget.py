"""``journeymap forget SOURCE``: remove everything one source put into the store, in one transaction.

A source is what ``journeymap status`` lists under "per source" (a file's name, or the value of a
mapped ``source`` column), a file path as it was ingested, or a database URL. Its events, its
quarantined rows and its feedback go; identities are stitched again from what remains (a login in the
forgotten file no longer joins a cookie to a customer) and the rows are put in journey order again,
so the store is exactly what ingesting the other sources alone would have made it.

Rows without an event id are stored once, whichever file came first; a row that another file
also holds goes with the source it was stored under. Ingest that other file again to bring it back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from journeymap.errors import JourneymapError, suggest
from journeymap.events.order import write_ordered
from journeymap.events.postgres import is_database_url, redact
from journeymap.events.sql import lit
from journeymap.events.stitch import resolve_identities
from journeymap.events.store import (
    EVENTS_VIEW,
    NO_EVENTS,
    ROWS_TABLE,
    has_table,
    new_generation,
    store_path,
    writable_store,
)
from journeymap.model.workspace import Workspace

#: Tables with a ``source_file`` column: (table, what a row of it is, in the summary).
_FILE_TABLES = (("quarantine", "quarantined rows"), ("feedback", "feedback responses"),
                ("interactions", "interactions"), ("feedback_quarantine", "quarantined feedback rows"))


@dataclass
class ForgetReport:
    """What was (or, for a dry run, would be) removed, per kind; and the store afterwards."""

    source: str
    removed: dict[str, int] = field(default_factory=dict)
    events: int = 0
    customers: int = 0
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def _names(ws: Workspace, source: str) -> tuple[set[str], set[str]]:
    """The values of ``events.source`` and of ``source_file`` that mean ``source``."""
    if is_database_url(source):
        shown = redact(source)
        return {shown}, {shown}
    path = Path(source)
    labels, files = {source, path.name}, {source, path.as_posix()}
    resolved = path.resolve()
    files.add(str(resolved))
    with contextlib.suppress(ValueError):  # a file outside the workspace is named by its absolute path
        files.add(resolved.relative_to(ws.root.resolve()).as_posix())
    return labels, files


def _file_match(files: set[str]) -> str:
    """A condition on ``source_file``: one of the names, or a path whose last part is the file's name."""
    exact = ", ".join(lit(f) for f in sorted(files))
    tails = " OR ".join(f"ends_with(source_file, {lit('/' + f)})" for f in sorted(files) if "/" not in f)
    return f"(source_file IN ({exact})" + (f" OR {tails})" if tails else ")")


def _known_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    known: set[str] = set()
    if has_table(con, ROWS_TABLE):
        known |= {str(r[0]) for r in con.execute(f"SELECT DISTINCT source FROM {ROWS_TABLE} "
                                                 "WHERE source IS NOT NULL").fetchall()}
    for table, _ in _FILE_TABLES:
        if has_table(con, table):
            known |= {str(r[0]) for r in con.execute(f"SELECT DISTINCT source_file FROM {table} "
                                                     "WHERE source_file IS NOT NULL").fetchall()}
    return sorted(known)


def forget_source(ws: Workspace, source: str, *, dry_run: bool = False) -> ForgetReport:
    """Remove ``source``'s events, quarantined rows and feedback from the store, all or nothing."""
    if not store_path(ws).is_file():
        raise JourneymapError(NO_EVENTS)
    labels, files = _names(ws, source)
    report = ForgetReport(redact(source) if is_database_url(source) else source, dry_run=dry_run)
    try:
        with writable_store(ws) as con:
            _forget(con, report, labels, files)
    except duckdb.Error as exc:
        raise JourneymapError(f"forget failed, the store is unchanged: {exc}") from exc
    return report


def _forget(con: duckdb.DuckDBPyConnection, report: ForgetReport, labels: set[str], files: set[str]) -> None:
    events_in = f"source IN ({', '.join(lit(x) for x in sorted(labels))})"
    has_rows = has_table(con, ROWS_TABLE)
    if has_rows:
        report.removed["events"] = int(con.execute(f"SELECT count(*) FROM {ROWS_TABLE} WHERE {events_in}")
                                       .fetchall()[0][0])
    for table, what in _FILE_TABLES:
        if has_table(con, table):
            report.removed[what] = int(con.execute(f"SELECT count(*) FROM {table} WHERE {_file_match(files)}")
                                       .fetchall()[0][0])
    if not report.total:
        known = _known_sources(con)
        raise JourneymapError(f"nothing in the store comes from {report.source!r}; "
                              f"{suggest(report.source, known) if known else 'the store holds no rows'}")
    if report.dry_run:
        if has_rows:
            report.events = int(con.execute(f"SELECT count(*) FROM {ROWS_TABLE}").fetchall()[0][0]) \
                - report.removed["events"]
        return
    con.execute("BEGIN TRANSACTION")
    try:
        if report.removed.get("events"):
            con.execute(f"CREATE TEMP VIEW __kept AS SELECT raw_customer_id, anonymous_id, ts, event, channel, "
                        f"source, event_id, seq, properties_json FROM {ROWS_TABLE} WHERE NOT ({events_in})")
            con.execute("CREATE TEMP TABLE __ids AS SELECT DISTINCT raw_customer_id, anonymous_id FROM __kept")
            resolve_identities(con, "__ids")
            con.execute("SET preserve_insertion_order = true")
            write_ordered(con, "__kept", ROWS_TABLE, samples=(ROWS_TABLE,), ids="__ids")
            con.execute("DROP VIEW __kept")
            con.execute(EVENTS_VIEW)
        for table, what in _FILE_TABLES:
            if report.removed.get(what):
                con.execute(f"DELETE FROM {table} WHERE {_file_match(files)}")
        new_generation(con)
        if has_rows:
            row = con.execute(f"SELECT count(*), coalesce(max(cust), 0) FROM {ROWS_TABLE}").fetchall()[0]
            report.events, report.customers = int(row[0]), int(row[1])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
