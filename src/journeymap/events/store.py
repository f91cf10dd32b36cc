"""The event store: one DuckDB file per workspace, ``data/journeymap.duckdb``.

The layout is fixed by ``docs/adr/0001-event-store-layout.md``; analyses read it only
through :func:`open_events`, so they never depend on how ingest builds the table.

Physically the rows live in the table ``event_rows``, with the properties as JSON text
(cheap to build, sort and store); ``events`` is a view with the ADR's columns that turns
that text into a ``MAP(VARCHAR, VARCHAR)``. DuckDB pushes projections into views, so a
query that does not touch ``properties`` never parses a byte of JSON.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
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

#: The physical table behind the ``events`` view: the ADR's columns, properties as JSON object text, and
#: ``cust``, the dense customer number (1..N) in journey order, so (cust, ts, seq) is the journey order.
ROWS_TABLE = "event_rows"
STORED_COLUMNS: tuple[tuple[str, str], ...] = (
    *EVENT_COLUMNS[:-1], ("properties_json", "VARCHAR"), ("cust", "INTEGER"),
)

#: Small key/value facts about the store; ``generation`` changes with every committed ingest.
META_TABLE = "store_meta"
META_DDL = f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)"

#: The ``events`` view: the stored rows with the properties map built on demand.
EVENTS_VIEW = (f"CREATE OR REPLACE VIEW events AS SELECT {', '.join(c for c, _ in EVENT_COLUMNS[:-1])}, "
               f"properties_json::JSON::MAP(VARCHAR, VARCHAR) AS properties FROM {ROWS_TABLE}")

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
    """Create ``event_rows``, the ``events`` view and ``quarantine`` when the store is new.

    A store written before the properties moved to JSON text (``events`` a table with a
    MAP column) is converted in place, so re-ingesting into it still deduplicates; one
    written before ``cust`` existed gets the column, numbered from ``customer_id``.
    """
    if _is_base_table(con, "events"):
        con.execute(f"CREATE TABLE {ROWS_TABLE} AS SELECT * EXCLUDE (properties), "
                    "coalesce(to_json(properties)::VARCHAR, '{}') AS properties_json FROM events ORDER BY customer_id, ts, seq")
        con.execute("DROP TABLE events")
    con.execute(_ddl(ROWS_TABLE, STORED_COLUMNS))
    if "cust" not in {r[0] for r in con.execute(f"DESCRIBE {ROWS_TABLE}").fetchall()}:
        cols = ", ".join(c for c, _ in STORED_COLUMNS[:-1])
        con.execute(f"CREATE TABLE __rows_cust AS SELECT {cols}, "
                    f"dense_rank() OVER (ORDER BY customer_id)::INTEGER AS cust FROM {ROWS_TABLE} "
                    "ORDER BY customer_id, ts, seq")
        con.execute(f"DROP TABLE {ROWS_TABLE}")
        con.execute(f"ALTER TABLE __rows_cust RENAME TO {ROWS_TABLE}")
    con.execute(EVENTS_VIEW)
    con.execute(_ddl("quarantine", QUARANTINE_COLUMNS))
    con.execute(META_DDL)


#: Beside the store: what is kept per store generation (the journey index, the status figures), one folder each.
CACHE_DIR = "cache"


def cache_folder(store: Path, generation: str) -> Path:
    """The folder of what is kept for ``generation`` of ``store`` (older generations' folders are removed)."""
    return store.parent / CACHE_DIR / generation


def remove_other_generations(current: Path) -> None:
    """Remove the folders of other generations beside ``current`` (best effort: another process may still read
    one of the store it opened before the change)."""
    import shutil

    for other in current.parent.iterdir():
        if other != current and other.is_dir() and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)


def new_generation(con: duckdb.DuckDBPyConnection) -> str:
    """Record a fresh store generation (call inside the ingest's transaction) and return it."""
    value = uuid.uuid4().hex
    con.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES ('generation', ?)", [value])
    return value


def store_generation(con: Any) -> str | None:
    """The store's generation, changed by every committed ingest; None when the store has none yet.

    ``con`` is a raw DuckDB connection or an Ibis backend. Readers compare it with the value they
    saw before to know, cheaply, whether the events changed.
    """
    if not has_table(con, META_TABLE):
        return None
    raw = getattr(con, "con", con)
    rows = raw.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'generation'").fetchall()
    return str(rows[0][0]) if rows else None


def _is_base_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
        "AND table_type = 'BASE TABLE'", [name]
    ).fetchone()
    return bool(row and row[0])


def duck(ws: Workspace, read_only: bool = True, *, path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A raw DuckDB connection on the store (ingest and status use SQL directly).

    Read-only connections require an existing store; a writable one creates it. ``path`` opens another
    file the same way (a new store being written, see :func:`writable_store`).
    """
    path = path or store_path(ws)
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
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would print into our output
    return con


NEW_STORE = ".journeymap.new-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale_new_stores(data_dir: Path) -> None:
    """New stores of writers killed before they finished (their process is gone) are removed."""
    for leftover in data_dir.glob(f"{NEW_STORE}*.duckdb*"):
        pid = leftover.name[len(NEW_STORE):].split(".", 1)[0]
        if leftover.is_file() and pid.isdigit() and not _pid_alive(int(pid)):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def writable_store(ws: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection on the store; when there is no store yet, on a new one that appears only whole.

    A store that exists is written in its own transactions (the caller's), so a crash leaves it as it
    was. A first write goes to a new file beside it, which takes the store's name once the block ends
    without error and the connection is closed: a writer killed half way leaves no store, not an empty
    one. Two first writers at once: the second to finish is refused, and nothing of it is kept.
    """
    path = store_path(ws)
    if path.exists():
        con = duck(ws, read_only=False)
        try:
            yield con
        finally:
            con.close()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_new_stores(path.parent)
    new = path.with_name(f"{NEW_STORE}{os.getpid()}.duckdb")
    leftovers = (new, new.with_name(new.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    con = duck(ws, read_only=False, path=new)
    try:
        try:
            yield con
        finally:
            con.close()
        try:
            os.link(new, path)  # never replaces a store another writer made meanwhile
        except FileExistsError:
            raise JourneymapError(f"another journeymap command created the event store {display_path(path)} "
                                  "while this one ran; nothing of this one was kept: run it again") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise JourneymapError(f"another journeymap command created the event store {display_path(path)} "
                                      "while this one ran; nothing of this one was kept: run it again") from None
            os.replace(new, path)
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)


def has_table(con: Any, name: str) -> bool:
    """Whether the store holds table or view ``name`` (a raw DuckDB connection or an Ibis backend)."""
    raw = getattr(con, "con", con)
    rows = raw.execute(  # fetchall: a half-read result would block the next query on this connection
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [name]
    ).fetchall()
    return bool(rows and rows[0][0])


def connect(ws: Workspace, read_only: bool = True, *, require: str = "events",
            missing: str = NO_EVENTS) -> DuckDBBackend:
    """An Ibis DuckDB backend on the workspace's store (what the analyses build on).

    A read-only store must hold ``require``; else ``missing`` tells the user what to run.
    """
    import ibis

    con = duck(ws, read_only=read_only)
    if read_only and not has_table(con, require):
        con.close()
        raise JourneymapError(missing)
    backend: Any = ibis.duckdb.from_connection(con)
    return backend  # type: ignore[no-any-return]


def open_events(ws: Workspace, con: DuckDBBackend | None = None) -> ibis.Table:
    """The ``events`` table as an Ibis table with exactly the ADR's columns."""
    backend = con if con is not None else connect(ws)
    return backend.table("events").select([name for name, _ in EVENT_COLUMNS])


#: The columns an external event table may lack, and what stands in for them.
_OPTIONAL = {"channel": "string", "source": "string", "anonymous_id": "string", "raw_customer_id": "string",
             "event_id": "string"}


def open_events_source(ws: Workspace) -> tuple[ibis.Table, str, Any]:
    """(the events as an Ibis table, what to call them, the backend to close) from ``events.source``.

    ``store`` (the default) is the workspace's DuckDB store. ``ibis`` and ``pyspark`` read a table or view
    with the event layout (docs/scale.md) where the events already are; columns other than ``customer_id``,
    ``ts`` and ``event`` may be missing (then empty; without ``seq`` ties in time keep no source order).
    """
    cfg = ws.settings.events.source
    if cfg.kind == "store":
        backend = connect(ws)
        return open_events(ws, backend), f"the store {display_path(store_path(ws))}", backend
    import ibis

    from journeymap.events.postgres import redact

    owned = True
    try:
        if cfg.kind == "ibis":
            assert cfg.url is not None and cfg.table is not None
            backend = ibis.connect(cfg.url)
            raw = backend.table(cfg.table)
            name = f"{cfg.table} on {redact(cfg.url)}"
        else:
            backend, owned = _spark_backend(cfg)
            if cfg.path:
                path = Path(cfg.path) if Path(cfg.path).is_absolute() else ws.root / cfg.path
                view = "journeymap_events"
                backend._session.read.parquet(str(path)).createOrReplaceTempView(view)
                raw, name = backend.table(view), f"{display_path(path)} on Spark ({cfg.master})"
            else:
                raw, name = backend.table(cfg.table), f"{cfg.table} on Spark ({cfg.master})"
    except JourneymapError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        if cfg.url:
            first = first.replace(cfg.url, redact(cfg.url))
        raise JourneymapError(f"cannot read the events from events.source ({cfg.kind}): {first}") from exc
    return _event_layout(raw, name), name, backend if cfg.kind == "ibis" or owned else None


def _spark_backend(cfg: Any) -> tuple[Any, bool]:
    """An Ibis PySpark backend on a session for ``cfg`` (UTC, as the events' naive times are), and whether the
    session is ours to stop: a session that was already running (a notebook's, an application's) is left
    running when the events are closed."""
    import ibis

    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise JourneymapError("events.source kind pyspark needs PySpark: pip install 'journeymap[spark]'") from exc
    owned = SparkSession.getActiveSession() is None
    builder = SparkSession.builder.master(cfg.master).appName("journeymap")
    for key, value in {"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false", **cfg.conf}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session), owned


def _event_layout(t: ibis.Table, name: str) -> ibis.Table:
    """The table with exactly the event layout's columns, in ADR order (missing optional ones empty)."""
    import ibis

    missing = [c for c in ("customer_id", "ts", "event") if c not in t.columns]
    if missing:
        raise JourneymapError(f"{name} has no column {', '.join(missing)}; the event layout is: "
                              f"{', '.join(c for c, _ in EVENT_COLUMNS)} (docs/scale.md)")
    cols: dict[str, Any] = {"customer_id": t.customer_id.cast("string"), "ts": t.ts.cast("timestamp"),
                            "event": t.event.cast("string")}
    for col, typ in _OPTIONAL.items():
        cols[col] = t[col].cast(typ) if col in t.columns else ibis.null(typ)
    cols["seq"] = t.seq.cast("int64") if "seq" in t.columns else ibis.literal(0, "int64")
    if "properties" not in t.columns:
        cols["properties"] = ibis.null("map<string, string>")
    elif t.properties.type().is_map():
        cols["properties"] = t.properties
    else:  # JSON (PostgreSQL's jsonb, how Ibis keeps maps there) or text holding a JSON object
        cols["properties"] = t.properties.cast("map<string, string>")
    return t.select(**{c: cols[c] for c, _ in EVENT_COLUMNS})
