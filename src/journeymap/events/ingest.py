"""Ingest: sources → staged rows → normalised/quarantined rows → deduplicated, stitched, ordered store.

The phases, each one SQL pass in DuckDB (no Python loop over rows):

1. *stage* (:mod:`.readers`, :mod:`.postgres`): the source's rows as they are, numbered;
2. *check* (:mod:`.normalize`): map columns, parse times, give each unusable row a
   quarantine reason; the narrow check rows (ids, event id) are materialised, the
   canonical rows (with properties) stay a view over the staged source;
3. *deduplicate*: drop rows whose ``event_id`` (or row hash) is already stored or
   appeared earlier in this ingest;
4. *stitch* (:mod:`.stitch`): connected components over anonymous/customer id links;
5. *order* (:mod:`.order`): rebuild ``event_rows`` (behind the ``events`` view) sorted by ``customer_id, ts, seq``
   and swap it in; ``cust`` numbers the customers 1..N in that order. This is the one pass
   that builds the new events' canonical rows, straight into the sort;
6. *generation*: ``store_meta.generation`` gets a fresh value, so readers see the store changed.

Each phase's duration is logged at DEBUG on this module's logger (the ingest benchmark prints them).

Phases 1 to 4 write only temporary tables. The store itself changes in one DuckDB
transaction at the end (quarantined rows, the rebuilt rows, the generation): an ingest
that fails or is killed half-way leaves the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.progress import Progress

from journeymap.errors import JourneymapError
from journeymap.events import normalize as nz
from journeymap.events.order import write_ordered
from journeymap.events.postgres import is_database_url, redact, stage_postgres
from journeymap.events.readers import Staged, stage_file
from journeymap.events.sql import lit
from journeymap.events.stitch import resolve_identities
from journeymap.events.store import EVENTS_VIEW, ROWS_TABLE, ensure_schema, new_generation, writable_store
from journeymap.model.workspace import Workspace
from journeymap.progress import progress

log = logging.getLogger(__name__)

_COLS = "raw_customer_id, anonymous_id, ts, event, channel, source, event_id, seq, properties_json"


@dataclass
class SourceCounts:
    """What happened to one source's rows: ``read == stored + quarantined + duplicates``."""

    source: str
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """The outcome of one ingest, per source and for the store as a whole."""

    sources: list[SourceCounts]
    events: int = 0
    customers: int = 0
    stitched_ids: int = 0
    stitch_rounds: int = 0

    @property
    def read(self) -> int:
        return sum(s.read for s in self.sources)

    @property
    def stored(self) -> int:
        return sum(s.stored for s in self.sources)

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.sources)

    @property
    def duplicates(self) -> int:
        return sum(s.duplicates for s in self.sources)

    @property
    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sources:
            for k, v in s.reasons.items():
                out[k] = out.get(k, 0) + v
        return out


def configure(con: duckdb.DuckDBPyConnection, ws: Workspace, memory_limit: str | None, threads: int | None) -> None:
    """Session settings: the workspace's time zone for naive times, a spill folder, optional limits."""
    tmp = ws.data_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET TimeZone = {lit(ws.settings.timezone)}")
    con.execute(f"SET temp_directory = {lit(str(tmp))}")
    con.execute(f"SET memory_limit = {lit(memory_limit or ws.settings.events.memory_limit)}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")


@contextmanager
def _step(bar: Progress, description: str) -> Iterator[None]:
    """One phase: a progress line, and its duration logged (``journeymap.events.ingest`` at DEBUG) for profiling."""
    task = bar.add_task(description, total=1)
    start = time.perf_counter()
    yield
    log.debug("%s: %.2f s", description, time.perf_counter() - start)
    bar.update(task, completed=1)


def _mapping(ws: Workspace, columns: dict[str, str] | None) -> tuple[dict[str, str], str]:
    configured = {k: v for k, v in ws.settings.events.columns.model_dump().items() if v}
    merged = {**configured, **(columns or {})}
    origin = "--columns" if columns else "events.columns in journeymap.yaml"
    return merged, origin


def _stage(con: duckdb.DuckDBPyConnection, bar: Progress, ref: str, key: str, mapping: dict[str, str],
           table: str | None, query: str | None, delimiter: str | None, header: bool | None) -> Staged:
    if is_database_url(ref):
        task = bar.add_task(f"reading {table or 'query'} from PostgreSQL", total=None)
        staged = stage_postgres(con, ref, key, table=table, query=query,
                                on_rows=lambda n: bar.update(task, advance=n))
        bar.update(task, total=bar.tasks[task].completed)
        return staged
    if table or query:
        raise JourneymapError(f"--table and --query apply to database URLs, not to the file {ref}")
    with _step(bar, f"reading {Path(ref).name}"):
        return stage_file(con, Path(ref), key, delimiter=delimiter, header=header, mapped=list(mapping.values()))


def ingest_events(ws: Workspace, sources: Sequence[str | Path], *, columns: dict[str, str] | None = None,
                  table: str | None = None, query: str | None = None, delimiter: str | None = None,
                  header: bool | None = None, quiet: bool = False, memory_limit: str | None = None,
                  threads: int | None = None, now: dt.datetime | None = None,
                  keep_duplicates: bool = False, time_format: str | list[str] | None = None) -> IngestReport:
    """Ingest files or database sources into the workspace's event store, all or nothing.

    Without an event id a row is identified by its content (customer, anonymous id, time, event,
    channel, properties), whatever file it came from; ``keep_duplicates`` keeps identical rows of
    one source as real repeats (the same source ingested again still adds nothing).

    ``columns`` maps canonical fields to source columns and overrides ``events.columns``
    from journeymap.yaml. ``time_format`` (``day-first``, ``month-first`` or strptime formats) overrides
    ``events.time_format``. ``now`` fixes the clock for the "time in the future" check.
    """
    if not sources:
        raise JourneymapError("nothing to ingest: give one or more files or a postgresql:// URL")
    mapping, origin = _mapping(ws, columns)
    formats = _time_formats(time_format if time_format is not None else ws.settings.events.time_format)
    now = now or dt.datetime.now(dt.UTC)
    try:
        with writable_store(ws) as con:
            configure(con, ws, memory_limit, threads)
            report = _run(con, ws, [str(s) for s in sources], mapping, origin, table, query, delimiter, header,
                          quiet, now, keep_duplicates, formats)
    except duckdb.Error as exc:
        raise JourneymapError(f"ingest failed, the store is unchanged: {exc}") from exc
    return report


def _time_formats(value: str | list[str] | None) -> list[str]:
    """The strptime formats of a time format setting or option, checked like ``events.time_format``."""
    from pydantic import ValidationError

    from journeymap.model.types import EventSettings, time_formats

    try:
        EventSettings(time_format=value)
    except ValidationError as exc:  # the message of the check, not pydantic's framing
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise JourneymapError(f"--time-format: {message}") from None
    return time_formats(value)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed when the block ends, rolled back when it raises (or is interrupted)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _run(con: duckdb.DuckDBPyConnection, ws: Workspace, sources: list[str], mapping: dict[str, str], origin: str,
         table: str | None, query: str | None, delimiter: str | None, header: bool | None, quiet: bool,
         now: dt.datetime, keep_duplicates: bool = False, time_formats: list[str] | None = None) -> IngestReport:
    """The phases. Everything before the final transaction writes only temporary tables, which die with the
    connection; the store changes (quarantined rows, the rebuilt ``event_rows``, a new generation) in one
    transaction at the end. The narrow check rows are dropped before that, so the journey-ordering sort has
    the memory to itself."""
    with _transaction(con):
        ensure_schema(con)  # creates a new store's tables, or converts an old layout in place (data unchanged)
    con.execute(nz.CHECK_DDL)
    row = con.execute(f"SELECT coalesce(max(seq), 0) FROM {ROWS_TABLE}").fetchone()
    seq_base = seq_start = int(row[0]) if row else 0
    counts: list[SourceCounts] = []
    stages: list[Staged] = []
    with progress(quiet) as bar:
        repeated = sorted({s for s in sources if sources.count(s) > 1})
        if repeated:
            shown = redact(repeated[0]) if is_database_url(repeated[0]) else repeated[0]
            raise JourneymapError(f"{shown} is given more than once; give each source once")
        for i, ref in enumerate(sources):
            con.execute("SET preserve_insertion_order = true")  # staging numbers rows in source order
            staged = _stage(con, bar, ref, f"s{i}", mapping, table, query, delimiter, header)
            con.execute("SET preserve_insertion_order = false")  # later steps order explicitly, by seq
            resolved = nz.resolve_mapping(staged, mapping, origin)
            with _step(bar, f"validating {staged.display}"):
                seq_base = nz.normalize(con, staged, resolved, tz=ws.settings.timezone, seq_base=seq_base, now=now,
                                        max_future_days=ws.settings.events.max_future_days, src=i,
                                        earliest=ws.settings.events.earliest_time,
                                        keep_duplicates=keep_duplicates, time_formats=time_formats)
            counts.append(SourceCounts(staged.display, notes=staged.notes))
            stages.append(staged)
        # The quarantine names a file the same way whatever the working directory of the ingest was.
        names = ", ".join(f"({i}, {lit(_stored_name(ws, ref, st))})"
                          for i, (ref, st) in enumerate(zip(sources, stages, strict=True)))
        con.execute(f"CREATE TEMP TABLE __sources AS SELECT * FROM (VALUES {names}) s(src, file)")
        con.execute(f"CREATE TEMP TABLE __bad AS SELECT src, seq, line, reason, raw FROM {nz.CHECK_TABLE} "
                    "WHERE reason IS NOT NULL")
        with _step(bar, "removing duplicates"):
            _deduplicate(con, stored_before=seq_start > 0)
        _tally(con, counts)
        fresh = sum(c.stored for c in counts)
        rounds, values = 0, {}
        if fresh:
            with _step(bar, "stitching identities"):
                # One pass over the ids of the stored and the new rows; stitching and ordering read only these.
                con.execute(f"""
                    CREATE TEMP TABLE __ids AS
                    SELECT DISTINCT raw_customer_id, anonymous_id FROM (
                        SELECT raw_customer_id, anonymous_id FROM {ROWS_TABLE} UNION ALL
                        SELECT raw_customer_id, anonymous_id FROM {nz.CHECK_TABLE} c
                        WHERE reason IS NULL AND NOT EXISTS (SELECT 1 FROM __dup d WHERE d.seq = c.seq))
                """)
                con.execute(f"DROP TABLE {nz.CHECK_TABLE}")
                rounds = resolve_identities(con, "__ids")
            values = _rows_to_sort(con, len(counts))
        else:
            con.execute(f"DROP TABLE {nz.CHECK_TABLE}")
        with _transaction(con):
            with _step(bar, "quarantining unusable rows"):
                con.execute(f"""
                    INSERT INTO quarantine
                    SELECT DISTINCT file, line, reason, raw,
                           {lit(now.replace(tzinfo=None).isoformat(sep=' '))}::TIMESTAMP
                    FROM __bad q JOIN __sources USING (src) WHERE NOT EXISTS (
                        SELECT 1 FROM quarantine x
                        WHERE x.source_file = file AND x.line IS NOT DISTINCT FROM q.line AND x.reason = q.reason
                          AND x.raw IS NOT DISTINCT FROM q.raw)
                """)
            if fresh:
                with _step(bar, "ordering journeys"):
                    write_ordered(con, "__all", ROWS_TABLE, samples=(ROWS_TABLE, "__new"), ids="__ids",
                                  values=values)
                    con.execute("DROP VIEW __all")
                    con.execute(EVENTS_VIEW)
            changed = [st.display for st in stages if st.changed()]
            if changed:  # the rows just sorted may not be the ones checked: undo, do not store them
                raise JourneymapError(f"{changed[0]} changed while it was being ingested; the store is unchanged: "
                                      "ingest it again once it is complete")
            new_generation(con)
            totals = _totals(con, rebuilt=bool(fresh))
    return IngestReport(counts, *totals, rounds)


def _stored_name(ws: Workspace, ref: str, staged: Staged) -> str:
    """How the quarantine names a source: a file by its path from the workspace (absolute when outside it), a
    database by its redacted URL; never relative to the working directory, which changes between runs."""
    if is_database_url(ref):
        return staged.display
    path = Path(ref).resolve()
    try:
        return path.relative_to(ws.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _rows_to_sort(con: duckdb.DuckDBPyConnection, sources: int) -> dict[str, str]:
    """Create the views the journey-ordering sort reads; returns its ``values`` queries.

    ``__new`` holds every source's canonical rows (the sort's encoding samples its first rows);
    ``__all`` the stored rows and the new ones less the unusable and the duplicates (their
    sequence numbers in the small table ``__drop``). The property values come from the stored
    rows and each source's distinct column combinations, far cheaper than reading ``__all``.
    """
    con.execute("CREATE TEMP TABLE __drop AS SELECT seq FROM __dup UNION ALL SELECT seq FROM __bad WHERE seq IS NOT NULL")
    con.execute("CREATE TEMP VIEW __new AS " + " UNION ALL ".join(
        f"SELECT {_COLS} FROM {nz.norm_view(i)}" for i in range(sources)))
    con.execute(f"CREATE TEMP VIEW __all AS SELECT {_COLS} FROM {ROWS_TABLE} UNION ALL "
                "SELECT * FROM __new n WHERE NOT EXISTS (SELECT 1 FROM __drop d WHERE d.seq = n.seq)")
    props = [f"SELECT properties_json FROM {ROWS_TABLE} WHERE properties_json IS NOT NULL",
             *(f"SELECT properties_json FROM {nz.props_view(i)}" for i in range(sources))]
    return {"properties_json": " UNION ALL ".join(props)}


def _totals(con: duckdb.DuckDBPyConnection, rebuilt: bool) -> tuple[int, int, int]:
    """Events, customers (journeys) and stitched anonymous ids in the store.

    ``cust`` numbers the customers 1..N, so its maximum is their count. A rebuilt store's
    stitched ids come from the small id-pair table instead of a pass over every row: all
    rows with one anonymous id belong to one customer, the one its stitched component names.
    """
    row = con.execute(f"SELECT count(*), coalesce(max(cust), 0) FROM {ROWS_TABLE}").fetchone()
    assert row is not None
    if rebuilt:
        stitched = con.execute("""
            SELECT count(DISTINCT i.anonymous_id) FROM __ids i LEFT JOIN __idmap m ON m.node = i.anonymous_id
            WHERE coalesce(m.customer_id, i.anonymous_id) <> i.anonymous_id
        """).fetchone()
    else:
        stitched = con.execute(f"SELECT count(DISTINCT anonymous_id) FROM {ROWS_TABLE} "
                               "WHERE customer_id <> anonymous_id").fetchone()
    assert stitched is not None
    return int(row[0]), int(row[1]), int(stitched[0])


def _deduplicate(con: duckdb.DuckDBPyConnection, stored_before: bool) -> None:
    """Create table ``__dup(seq, src)``: usable rows whose event id is already stored or appeared earlier in this ingest.

    Duplicates are rare, so they are found cheaply first: the 64-bit hashes of the event ids
    are sorted (a radix sort of integers, cheaper than grouping millions of distinct values)
    and a hash equal to its predecessor marks a candidate; only the candidates' rows are
    ranked by their event ids. The result is a small table of the ``seq`` numbers (and sources)
    to drop, not a copy of the rows.
    """
    con.execute(f"""
        CREATE TEMP TABLE __dup AS
        WITH hashes AS (
            SELECT hash(event_id) AS h FROM {nz.CHECK_TABLE} WHERE reason IS NULL
        ), cand AS (
            SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS prev FROM hashes) WHERE h = prev
        )
        SELECT seq, src FROM (
            SELECT seq, src, row_number() OVER (PARTITION BY event_id ORDER BY seq) AS rn FROM {nz.CHECK_TABLE}
            WHERE reason IS NULL AND hash(event_id) IN (SELECT h FROM cand)
        ) WHERE rn > 1
    """)
    if stored_before:
        con.execute(f"""
            INSERT INTO __dup
            SELECT n.seq, n.src FROM {nz.CHECK_TABLE} n SEMI JOIN {ROWS_TABLE} e ON e.event_id = n.event_id
            WHERE n.reason IS NULL
            EXCEPT SELECT seq, src FROM __dup
        """)


def _tally(con: duckdb.DuckDBPyConnection, counts: list[SourceCounts]) -> None:
    """Per source: rows read, quarantined (by reason), duplicates; stored are the rest.

    Counted from the narrow check rows and the small ``__bad`` and ``__dup`` tables.
    """
    for src, read, quarantined in con.execute(
            f"SELECT src, count(*), count(reason) FROM {nz.CHECK_TABLE} GROUP BY src").fetchall():
        counts[src].read, counts[src].quarantined = int(read), int(quarantined)
    for src, n in con.execute("SELECT src, count(*) FROM __dup GROUP BY src").fetchall():
        counts[src].duplicates = int(n)
    for src, reason, n in con.execute(
            "SELECT src, reason, count(*) FROM __bad GROUP BY ALL ORDER BY 3 DESC, 2"
    ).fetchall():
        counts[src].reasons[reason] = int(n)
    for c in counts:
        c.stored = c.read - c.quarantined - c.duplicates
