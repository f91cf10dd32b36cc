"""The journey index: the store's events as small integers, kept in a cache beside the store.

Every analysis of the living map is a pass over each customer's events in journey order.
The store keeps them in that order (ADR 0001) but as text: a customer id, an event name and
a channel per row. Comparing and hashing that text is most of the cost of an analysis, so
the first analysis after an ingest writes a compact copy of the store's rows, still in
journey order, to ``data/cache/<generation>/events.duckdb``:

* ``codes_<g>``: ``cust`` (the store's dense customer number), ``customer_id``, ``ts``,
  ``seq``, ``ev`` (the event name's code) and ``ch`` (the channel's code, NULL without a
  channel); a query that reads only the integers never touches the text;
* ``names_<g>`` and ``chans_<g>``: the codes' dictionaries; ``pairs_<g>``: every (event,
  channel) pair with its number of events.

Per journey, its first analysis writes ``journey-<key>.duckdb`` in the same folder (see
:class:`JourneyIndex`): the events matched to the journey's steps (``prep_<key>``: ``cust,
customer_id, ts, seq, si`` with ``si`` the step's index in map order), per customer and step
the counts and gap extremes the step metrics need for any window (``steps_<key>``), every
visit's next step and gap (``gaps_<key>``), and per customer the steps and times in journey
order (``seqs_<key>``, for funnels). The step of an event is looked up by its (event,
channel) pair: the bindings are matched once against the few distinct pairs, not against
every event. Design and measurements: ``docs/adr/0002-journey-index.md``.

**Never stale.** The folder is named after the store's generation (``store_meta``, a new
value at every ingest that commits), and a journey file after a hash of the journey's
bindings and steps; a changed store or map gives new names, and the folders of older
generations are removed when a new one is written. Files are written under a temporary
name and renamed into place, so a reader never sees half a file, and two processes that
build at once each write a whole file (the last rename wins; both are identical).

**Where it applies.** Only to the store's own ``events`` (as :func:`~journeymap.events.store.open_events`
returns them, unfiltered), and for journeys whose bindings do not filter on properties.
Anything else (a period filter, another table, PySpark, an old store without ``cust`` or
``store_meta``, a cache folder that cannot be written) runs the same analyses on the events
directly: slower, same numbers. The tests compare both ways on the same data.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.model.types import Journey

log = logging.getLogger(__name__)

CACHE_DIR = "cache"
#: Event names and channels are stored as SMALLINT codes; a store with more falls back.
MAX_CODES = 32_000
#: The layout of the index files: part of the journey key, so a changed layout is written anew.
FORMAT = 4
#: One character per step index in the per-customer step strings (journeys with more steps have none).
STEP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: Switch the index off (the tests compare both ways; ``JOURNEYMAP_NO_INDEX=1`` does the same).
ENABLED = os.environ.get("JOURNEYMAP_NO_INDEX", "") in ("", "0")
#: A designed edge between step indices ``a`` and ``b`` as one integer: ``a * EDGE_WIDTH + b``.
EDGE_WIDTH = 1 << 16


@dataclass
class StoreIndex:
    """The journey index of one store generation, attached to an Ibis DuckDB backend."""

    con: Any
    folder: Path
    generation: str
    alias: str
    _customers: int | None = None

    @property
    def suffix(self) -> str:
        return self.generation[:16]

    def table(self, name: str) -> ir.Table:
        return self.con.table(f"{name}_{self.suffix}", database=self.alias)  # type: ignore[no-any-return]

    @property
    def codes(self) -> ir.Table:
        """``cust, customer_id, ts, seq, ev, ch`` in journey order."""
        return self.table("codes")

    @property
    def names(self) -> ir.Table:
        """``ev, event``."""
        return self.table("names")

    def customers(self) -> int:
        """Distinct customers in the store (counted when the index was written)."""
        if self._customers is None:
            self._customers = int(C.scalar(self.table("meta").customers.max()) or 0)
        return self._customers

    @property
    def pairs(self) -> ir.Table:
        """``ev, ch, event, channel, n``: every (event, channel) pair of the store."""
        return self.table("pairs")


#: Per raw DuckDB connection: the index attached to it (None: looked for, not available).
_ATTACHED: weakref.WeakKeyDictionary[Any, StoreIndex | None] = weakref.WeakKeyDictionary()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def is_store_events(table: ir.Table) -> bool:
    """Whether ``table`` is the store's ``events`` view, unfiltered (columns may be selected or renamed)."""
    if C.backend_name(table) != "duckdb":
        return False
    op = table.op()
    rels = list(op.find(ops.Relation))
    if not all(isinstance(r, (ops.DatabaseTable, ops.Project)) for r in rels):
        return False
    tables = [r for r in rels if isinstance(r, ops.DatabaseTable)]
    if len(tables) != 1 or tables[0].name != "events" or tables[0].namespace.database not in (None, "main"):
        return False
    return all(isinstance(v, ops.Field) for r in rels if isinstance(r, ops.Project) for v in r.values.values())


def store_index(table: ir.Table, *, build: bool = True) -> StoreIndex | None:
    """The journey index of the store behind ``table`` (built on first use), or None where it does not apply."""
    if not ENABLED or not is_store_events(table):
        return None
    con: Any = table.get_backend()
    raw = con.con
    if raw in _ATTACHED:
        return _ATTACHED[raw]
    index = None
    try:
        index = _open(con, build=build)
    except (duckdb.Error, OSError) as exc:  # never fatal: the analyses run on the events directly
        log.debug("journey index not available: %s", exc)
    if index is not None or build:
        _ATTACHED[raw] = index
    return index


def _store_file(raw: Any) -> Path | None:
    rows = raw.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0]) if rows and rows[0][0] else None


def _generation(raw: Any) -> str | None:
    found = raw.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND "
                        "table_name = 'store_meta'").fetchall()
    if not (found and found[0][0]):
        return None
    rows = raw.execute("SELECT value FROM store_meta WHERE key = 'generation'").fetchall()
    cols = raw.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'main' AND "
                       "table_name = 'event_rows' AND column_name = 'cust'").fetchall()
    if not (rows and rows[0][0] and cols and cols[0][0]):
        return None
    value = str(rows[0][0])
    return value if value.isalnum() else None


def _settings(raw: Any) -> dict[str, str]:
    rows = raw.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'threads', "
                       "'temp_directory')").fetchall()
    return {str(k): str(v) for k, v in rows}


def _open(con: Any, *, build: bool) -> StoreIndex | None:
    raw = con.con
    store = _store_file(raw)
    generation = _generation(raw)
    if store is None or generation is None:
        return None
    folder = store.parent / CACHE_DIR / generation
    base = folder / "events.duckdb"
    if not base.is_file():
        if not build:
            return None
        _build_base(store, base, generation, _settings(raw))
        _remove_old(folder)
    alias = "jm_index_" + generation[:16]
    attached = raw.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [alias]).fetchall()
    if not (attached and attached[0][0]):
        raw.execute(f"ATTACH {_lit(str(base))} AS {_quote(alias)} (READ_ONLY)")
    index = StoreIndex(con, folder, generation, alias)
    C.trust_journey_ordered(con, f"codes_{index.suffix}")
    return index


def _remove_old(current: Path) -> None:
    """Folders of earlier generations (best effort: another process may still read one)."""
    for other in current.parent.iterdir():
        if other != current and other.is_dir() and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)


@contextlib.contextmanager
def _writing(target: Path, settings: dict[str, str]) -> Any:
    """A fresh DuckDB file written under a temporary name, renamed to ``target`` when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".building-", suffix=".duckdb", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET TimeZone = 'UTC'")
        for name in ("memory_limit", "threads"):
            if name in settings:
                con.execute(f"SET {name} = {_lit(settings[name])}")
        if settings.get("temp_directory"):
            con.execute(f"SET temp_directory = {_lit(settings['temp_directory'])}")
        con.execute("SET preserve_insertion_order = true")  # the rows keep the store's journey order
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(Exception):
            con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _build_base(store: Path, target: Path, generation: str, settings: dict[str, str]) -> None:
    start = time.perf_counter()
    g = generation[:16]
    with _writing(target, settings) as con:
        con.execute(f"ATTACH {_lit(str(store))} AS s (READ_ONLY)")
        con.execute("CREATE TYPE ev_t AS ENUM (SELECT DISTINCT event FROM s.event_rows WHERE event IS NOT NULL "
                    "ORDER BY 1)")
        con.execute("CREATE TYPE ch_t AS ENUM (SELECT DISTINCT channel FROM s.event_rows WHERE channel IS NOT NULL "
                    "ORDER BY 1)")
        sizes = con.execute("SELECT len(enum_range(NULL::ev_t)), len(enum_range(NULL::ch_t))").fetchall()[0]
        if max(int(sizes[0] or 0), int(sizes[1] or 0)) > MAX_CODES:
            raise duckdb.InvalidInputException(f"more than {MAX_CODES} distinct event names or channels")
        con.execute(f"CREATE TABLE names_{g} AS SELECT (i - 1)::SMALLINT AS ev, e AS event FROM "
                    "(SELECT unnest(enum_range(NULL::ev_t))::VARCHAR AS e, generate_subscripts(enum_range(NULL::ev_t), 1) AS i)")
        con.execute(f"CREATE TABLE chans_{g} AS SELECT (i - 1)::SMALLINT AS ch, c AS channel FROM "
                    "(SELECT unnest(enum_range(NULL::ch_t))::VARCHAR AS c, generate_subscripts(enum_range(NULL::ch_t), 1) AS i)")
        con.execute(f"CREATE TABLE codes_{g} AS SELECT cust, customer_id, ts, seq, "
                    "enum_code(event::ev_t)::SMALLINT AS ev, enum_code(channel::ch_t)::SMALLINT AS ch FROM s.event_rows")
        con.execute(f"CREATE TABLE pairs_{g} AS SELECT p.ev, p.ch, n.event, c.channel, p.n FROM "
                    f"(SELECT ev, ch, count(*) AS n FROM codes_{g} GROUP BY ALL) p JOIN names_{g} n USING (ev) "
                    f"LEFT JOIN chans_{g} c USING (ch)")
        con.execute(f"CREATE TABLE meta_{g} AS SELECT count(*) AS events, count(DISTINCT cust) AS customers "
                    f"FROM codes_{g}")
        _check_order(con, f"codes_{g}")
        con.execute("DETACH s")
    log.debug("journey index of the events: %.2f s", time.perf_counter() - start)


def _check_order(con: Any, name: str) -> None:
    """Refuse (and so fall back) when a written table is not in journey order."""
    sql = f"SELECT cust, ts, seq FROM {name}"
    bad = con.execute(
        f"SELECT count(*) FROM ({sql}) a POSITIONAL JOIN (SELECT cust AS c2, ts AS t2, seq AS s2 FROM {name} OFFSET 1) b "
        "WHERE b.c2 IS NOT NULL AND NOT coalesce(a.cust < b.c2 OR (a.cust = b.c2 AND (a.ts < b.t2 OR "
        "(a.ts = b.t2 AND a.seq <= b.s2))), false)").fetchall()
    if bad[0][0]:
        raise duckdb.InvalidInputException(f"{name} is not in journey order")


def _step_lookup(journey: Journey, index: StoreIndex) -> tuple[list[int | None], int]:
    """Each (event, channel) pair's step index (first binding in map order wins), as a flat list.

    Position ``ev * width + (ch + 1)`` holds the step of event ``ev`` on channel ``ch``;
    ``ch`` NULL (no channel) takes position ``ev * width``.
    """
    from journeymap.engine.binding import match_steps

    pairs = index.pairs
    matched = C.execute(match_steps(journey, pairs.mutate(properties=ibis.null("map<string, string>")))
                        .select("ev", "ch", "step_idx"))
    bounds = C.execute(pairs.aggregate(e=pairs.ev.max(), c=pairs.ch.max())).iloc[0]
    width = 1 if pd.isna(bounds["c"]) else int(bounds["c"]) + 2  # no channel at all: one position per event
    n_ev = 0 if pd.isna(bounds["e"]) else int(bounds["e"]) + 1
    lut: list[int | None] = [None] * (n_ev * width)
    for r in matched.itertuples():
        ch = 0 if pd.isna(r.ch) else int(r.ch) + 1
        lut[int(r.ev) * width + ch] = int(r.step_idx)
    return lut, width


@dataclass
class JourneyIndex:
    """One journey's tables in the index (see the module docstring)."""

    con: Any
    key: str
    alias: str

    def table(self, name: str) -> ir.Table:
        return self.con.table(f"{name}_{self.key}", database=self.alias)  # type: ignore[no-any-return]

    @property
    def prep(self) -> ir.Table:
        """``cust, customer_id, ts, seq, si``: the matched events in journey order."""
        return self.table("prep")

    @property
    def steps(self) -> ir.Table:
        """Per customer and step: ``n_events``, ``n_visits``, ``min_designed_gap`` (seconds from leaving a
        visit to a designed next step), ``max_gap`` (to any next visit), ``has_last`` (the journey ends
        there) and ``n_undesigned`` (visits followed by a step the design does not lead to)."""
        return self.table("steps")

    @property
    def gaps(self) -> ir.Table:
        """``cust, si, nsi, gap``: every visit followed by another (at step ``nsi``), with the seconds from
        leaving the visit to the next one's start: the step-level transitions."""
        return self.table("gaps")

    @property
    def seqs(self) -> ir.Table:
        """Per customer: ``cust, customer_id, sis`` (step indices), ``tss`` (times) and ``s`` (the steps as
        ``STEP_CHARS``, one character per event), in journey order."""
        return self.table("seqs")


def journey_key(journey: Journey) -> str:
    """A hash of all the journey's index depends on: the steps, in order, their bindings and next steps."""
    parts = [FORMAT, *[(s.id, s.binding.model_dump() if s.binding is not None else None, list(s.next or []))
                       for s in journey.steps]]
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:20]


def journey_index(journey: Journey, table: ir.Table) -> JourneyIndex | None:
    """The journey's index on the store behind ``table`` (built on first use), or None where it does not apply."""
    if not ENABLED or any(s.binding is not None and s.binding.where for s in journey.steps):
        return None
    index = store_index(table)
    if index is None:
        return None
    key = journey_key(journey)
    alias = f"jm_journey_{key}_{index.suffix}"
    raw = index.con.con
    attached = raw.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [alias]).fetchall()
    if not (attached and attached[0][0]):
        target = index.folder / f"journey-{key}.duckdb"
        try:
            if not target.is_file():
                _build_journey(journey, index, target, key)
            raw.execute(f"ATTACH {_lit(str(target))} AS {_quote(alias)} (READ_ONLY)")
        except (duckdb.Error, OSError) as exc:
            log.debug("journey index of %s not available: %s", journey.id, exc)
            return None
    C.trust_journey_ordered(index.con, f"prep_{key}")
    return JourneyIndex(index.con, key, alias)


def _build_journey(journey: Journey, index: StoreIndex, target: Path, key: str) -> None:
    """The journey's file: matched steps, per-customer step summaries, gaps and step sequences."""
    start = time.perf_counter()
    lut, width = _step_lookup(journey, index)
    base = index.folder / "events.duckdb"
    values = ", ".join("NULL" if v is None else str(v) for v in lut) or "NULL"
    pos = {s.id: i for i, s in enumerate(journey.steps)}
    designed = ", ".join(str(pos[a] * EDGE_WIDTH + pos[b]) for a, b in journey.designed_edges()) or "-1"
    prep = f"prep_{key}"
    with _writing(target, _settings(index.con.con)) as con:
        con.execute(f"ATTACH {_lit(str(base))} AS b (READ_ONLY)")
        con.execute(f"CREATE TABLE {prep} AS SELECT cust, customer_id, ts, seq, si FROM ("
                    f"SELECT cust, customer_id, ts, seq, ([{values}]::SMALLINT[])[ev * {width} + coalesce(ch + 1, 0) + 1] AS si "
                    f"FROM b.codes_{index.suffix}) WHERE si IS NOT NULL")
        con.execute("DETACH b")
        _check_order(con, prep)
        # every matched event beside the next one of the same customer (the table is in journey order);
        # a visit (run of one step) ends where the next event is at another step or there is none
        con.execute(f"""CREATE TEMP TABLE nexts AS SELECT cust, si, nsi, gap, nsi IS NULL OR nsi <> si AS is_end,
                list_contains([{designed}]::BIGINT[], si::BIGINT * {EDGE_WIDTH} + nsi) AS designed FROM (
            SELECT a.cust, a.si, CASE WHEN n.c = a.cust THEN n.si END AS nsi,
                   CASE WHEN n.c = a.cust THEN (floor(epoch(n.ts)) - floor(epoch(a.ts)))::DOUBLE END AS gap
            FROM (SELECT cust, si, ts FROM {prep}) a
            POSITIONAL JOIN (SELECT cust AS c, si, ts FROM {prep} OFFSET 1) n)""")
        con.execute(f"""CREATE TABLE steps_{key} AS SELECT cust, si, count(*)::INTEGER AS n_events,
                count_if(is_end)::INTEGER AS n_visits,
                min(gap) FILTER (WHERE is_end AND designed) AS min_designed_gap,
                max(gap) FILTER (WHERE is_end) AS max_gap, bool_or(nsi IS NULL) AS has_last,
                count_if(is_end AND nsi IS NOT NULL AND NOT designed)::INTEGER AS n_undesigned
            FROM nexts GROUP BY cust, si""")
        con.execute(f"CREATE TABLE gaps_{key} AS SELECT cust, si, nsi, gap FROM nexts WHERE is_end AND nsi IS NOT NULL")
        # per customer the steps and times in journey order: sorting each customer's short list of
        # (time, source order, step) is several times faster than an ordered aggregate
        chars = "[" + ", ".join(_lit(c) for c in STEP_CHARS[:len(journey.steps)]) + "]" \
            if len(journey.steps) <= len(STEP_CHARS) else None
        text = f"array_to_string([{chars}[x.v + 1] FOR x IN l], '')" if chars else "NULL::VARCHAR"
        con.execute(f"""CREATE TABLE seqs_{key} AS SELECT cust, customer_id, [x.v FOR x IN l] AS sis,
                [x.k0 FOR x IN l] AS tss, {text} AS s FROM (
            SELECT cust, min(customer_id) AS customer_id, list_sort(list({{'k0': ts, 'k1': seq, 'v': si}})) AS l
            FROM {prep} GROUP BY cust)""")
        con.execute("DROP TABLE nexts")
    log.debug("journey index of %s: %.2f s", journey.id, time.perf_counter() - start)
