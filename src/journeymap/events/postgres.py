"""Reading events from PostgreSQL: a server-side cursor, batches via Arrow into DuckDB.

DuckDB's postgres extension would have to be downloaded at run time, which journeymap
never does; psycopg (v3) streams the rows instead, in batches, so a large table never
sits in Python memory whole. Values are staged as text (DuckDB casts each Arrow column),
exactly like a CSV, so the same validation applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

import duckdb

from journeymap.errors import JourneymapError
from journeymap.events.readers import Staged, safe_names
from journeymap.events.sql import ident

BATCH_ROWS = 50_000


def is_database_url(value: str) -> bool:
    """Whether an ingest argument names a database rather than a file."""
    return bool(re.match(r"^(postgres|postgresql)(\+\w+)?://", value))


#: Query parameters and key=value settings that carry a credential.
_SECRET_KEYS = re.compile(r"(?i)^(p?g?password|passwd|pwd|pass|secret|token|access_token|api_?key|sslpassword|"
                          r"sslkey|auth|authorization|credentials?)$")


def redact(url: str) -> str:
    """The URL (or libpq ``key=value`` string) without any credential: the password in the user part, and
    every query parameter or setting that names a password, token, secret or key. For messages and for
    what is stored (the quarantine's source names)."""
    if "://" not in url:  # host=… password=… (libpq keyword form)
        return re.sub(r"(?i)\b(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)",
                      lambda m: f"{m[1]}=***" if _SECRET_KEYS.match(m[1]) else m[0], url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = "&".join(
        (f"{k}=***" if _SECRET_KEYS.match(unquote(k)) else f"{k}={v}") if sep else k
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item))
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    clean = re.sub(r"^(postgres|postgresql)\+\w+://", "postgresql://", url)
    try:
        return psycopg.connect(clean, connect_timeout=10)
    except psycopg.Error as exc:
        detail = " ".join(str(exc).split())
        hint = ""
        if "refused" in detail.lower():
            hint = " (is the server running and accepting TCP connections on that host and port?)"
        raise JourneymapError(f"cannot connect to PostgreSQL at {redact(url)}: {detail}{hint}") from exc


def stage_postgres(con: duckdb.DuckDBPyConnection, url: str, key: str, *, table: str | None = None,
                   query: str | None = None, on_rows: Callable[[int], None] | None = None,
                   batch_rows: int | None = None) -> Staged:
    """Stream a table or a query's rows into a staged DuckDB table (text columns, row numbers)."""
    import psycopg
    import pyarrow as pa
    from psycopg import sql

    if (table is None) == (query is None):
        raise JourneymapError("a database source needs exactly one of --table T or --query \"SELECT …\"")
    stmt: sql.Composable
    if table is not None:
        stmt = sql.SQL("SELECT * FROM {}").format(sql.Identifier(*table.split(".")))
        label = table
    else:
        stmt = sql.SQL(query)  # type: ignore[arg-type]
        label = "query"
    batch_rows = batch_rows or BATCH_ROWS
    staged_name = f"__raw_{key}"
    display = f"{redact(url)} ({'table ' + table if table else 'query'})"
    pg = _connect(url)
    try:
        with pg.cursor(name="journeymap_ingest") as cur:
            try:
                cur.execute(stmt)
                first = cur.fetchmany(batch_rows)
            except psycopg.Error as exc:
                raise JourneymapError(f"PostgreSQL {display}: {' '.join(str(exc).split())}") from exc
            names = [d.name for d in (cur.description or [])]
            if not names:
                raise JourneymapError(f"PostgreSQL {display}: the statement returned no columns")
            names = _unique(names)
            renamed = safe_names(names)  # the staged table's names: c1 … cN, never one of ours
            cols = ", ".join(f"{ident(renamed[n])} VARCHAR" for n in names)
            con.execute(f"CREATE TEMP TABLE {staged_name} ({cols}, __n BIGINT, __line BIGINT, __bad VARCHAR, "
                        "__raw VARCHAR)")
            select = ", ".join(f"{ident(f'c{i}')}::VARCHAR" for i in range(len(names)))
            n = 0
            batch = first
            while batch:
                arrays = []
                for col in zip(*batch, strict=True):
                    try:
                        arrays.append(pa.array(col))
                    except (pa.ArrowInvalid, pa.ArrowTypeError):  # uuid, ranges …: their text form
                        arrays.append(pa.array([None if v is None else str(v) for v in col], pa.string()))
                arrays.append(pa.array(range(n + 1, n + len(batch) + 1), pa.int64()))
                arrow = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(names))] + ["__n"])
                con.register("__pg_batch", arrow)
                con.execute(f"INSERT INTO {staged_name} SELECT {select}, __n, __n, NULL, NULL FROM __pg_batch")
                con.unregister("__pg_batch")
                n += len(batch)
                if on_rows:
                    on_rows(len(batch))
                try:
                    batch = cur.fetchmany(batch_rows)
                except psycopg.Error as exc:
                    raise JourneymapError(f"PostgreSQL {display}: {' '.join(str(exc).split())}") from exc
    finally:
        pg.close()
    if n == 0:
        raise JourneymapError(f"PostgreSQL {display} returned no rows to ingest")
    return Staged(display, staged_name, dict.fromkeys(names, "VARCHAR"), label, sql_names=renamed)


def _unique(names: list[str]) -> list[str]:
    """Column names made unique the way DuckDB does it for files (``a``, ``a_1`` …), so none is lost."""
    seen: set[str] = set()
    out = []
    for name in names:
        new, k = name, 0
        while new in seen:
            k += 1
            new = f"{name}_{k}"
        seen.add(new)
        out.append(new)
    return out
