"""The event store: one DuckDB file per workspace, ``data/journeymap.duckdb``.

The layout is fixed by ``docs/adr/0001-event-store-layout.md``; analyses read it only
through :func:`open_events`, so they never depend on how ingest builds the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from journeymap.errors import JourneymapError
from journeymap.model.workspace import display_path

if TYPE_CHECKING:
    import ibis
    from ibis.backends.duckdb import Backend as DuckDBBackend

    from journeymap.model.workspace import Workspace

STORE_FILE = "journeymap.duckdb"
NO_EVENTS = "no events yet: run journeymap ingest events FILE or journeymap demo"

#: The ``events`` table, in ADR order: (column, DuckDB type).
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("customer_id", "VARCHAR"),
    ("ts", "TIMESTAMP"),
    ("event", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("source", "VARCHAR"),
    ("anonymous_id", "VARCHAR"),
    ("raw_customer_id", "VARCHAR"),
    ("event_id", "VARCHAR"),
    ("seq", "BIGINT"),
    ("properties", "MAP(VARCHAR, VARCHAR)"),
)

#: Rows that could not be used, with the reason and the raw row as JSON text.
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_file", "VARCHAR"),
    ("line", "BIGINT"),
    ("reason", "VARCHAR"),
    ("raw", "VARCHAR"),
    ("ingested_at", "TIMESTAMP"),
)


def store_path(ws: Workspace) -> Path:
    """Where the workspace's event store lives."""
    return ws.data_dir / STORE_FILE


def _ddl(table: str, columns: tuple[tuple[str, str], ...]) -> str:
    cols = ", ".join(f"{name} {typ}" for name, typ in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``events`` and ``quarantine`` tables when the store is new."""
    con.execute(_ddl("events", EVENT_COLUMNS))
    con.execute(_ddl("quarantine", QUARANTINE_COLUMNS))


def duck(ws: Workspace, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A raw DuckDB connection on the store (ingest and status use SQL directly).

    Read-only connections require an existing store; a writable one creates it.
    """
    path = store_path(ws)
    if read_only and not path.is_file():
        raise JourneymapError(NO_EVENTS)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise JourneymapError(
            f"cannot open the event store {display_path(path)}: {exc} "
            "(is another journeymap command writing to it?)"
        ) from exc
    except duckdb.Error as exc:
        raise JourneymapError(f"the event store {display_path(path)} is not a readable DuckDB file: {exc}") from exc
    con.execute("SET TimeZone = 'UTC'")
    return con


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [name]
    ).fetchone()
    return bool(row and row[0])


def connect(ws: Workspace, read_only: bool = True) -> DuckDBBackend:
    """An Ibis DuckDB backend on the workspace's store (what the analyses build on)."""
    import ibis

    con = duck(ws, read_only=read_only)
    if read_only and not has_table(con, "events"):
        con.close()
        raise JourneymapError(NO_EVENTS)
    backend: Any = ibis.duckdb.from_connection(con)
    return backend  # type: ignore[no-any-return]


def open_events(ws: Workspace, con: DuckDBBackend | None = None) -> ibis.Table:
    """The ``events`` table as an Ibis table with exactly the ADR's columns."""
    backend = con if con is not None else connect(ws)
    return backend.table("events").select([name for name, _ in EVENT_COLUMNS])
