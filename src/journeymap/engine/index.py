"""The journey index: the relations of :mod:`.relations` kept as tables in files beside the store.

One materialisation of the engine's relations (ADR 0002, ADR 0003), the way a dbt model may be a table
rather than a view: the tables hold exactly what the relations' Ibis expressions compute, because they
are written by compiling those expressions (:func:`~.compile.create_table`). Which relations are read
from here and which are computed is decided in one place, :mod:`.source`.

**The events part** (``data/cache/<generation>/events.f<format>.duckdb``), written by every ingest that commits
(and on first use for a store written before): ``codes_<g>`` (``cust, customer_id, ts, seq, ev, ch``,
the store's rows in journey order with event names and channels as SMALLINT codes), their dictionaries
``names_<g>`` and ``chans_<g>``, ``pairs_<g>`` (the event counts relation, with codes) and ``meta_<g>``
(the totals relation).

**Per journey** (``journey-<key>/``), each part a file written on the first analysis that needs it:
``prep.duckdb`` (the matched relation), ``step.duckdb`` (the step summary, visits and firsts), ``stage.duckdb``
(the stage visits and summary), ``seqs.duckdb`` (the sequences). The step of an event is looked up by its
(event, channel) pair: the bindings are matched once, by the one step matcher, against the few distinct
pairs, not against every event. Results that do not depend on a period (a transition graph, the
variants, a funnel, the metrics for a window, the customers' personas, weekly activity) are kept beside
them the same way (:meth:`~.source.EventSource.kept`, :func:`keep`), named by every parameter they
depend on.

**Never stale.** The folder is named after the store's generation (a new value at every committed
ingest), and a journey file after a hash of the journey's bindings, steps, stages and edges; a changed
store or map gives new names, and the folders of older generations are removed when a new one is
written. **Never half written.** Each file is written under a temporary name and renamed into place;
two processes building at once each write a whole file (the last rename wins; both are identical). A
failed build leaves nothing behind and the analyses run on the events.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from journeymap.engine import compile as C
from journeymap.events.store import cache_folder, remove_other_generations
from journeymap.model.types import Journey

log = logging.getLogger(__name__)

#: Event names and channels are stored as SMALLINT codes; a store with more is analysed without the index.
MAX_CODES = 32_000
#: The layout of the index files: part of the journey key, so a changed layout is written anew.
FORMAT = 9
#: The layout of the events part: part of its file name.
EVENTS_FORMAT = 3


@dataclass
class StoreIndex:
    """The events part of the journey index of one store generation (a file; see :meth:`attach`)."""

    folder: Path
    generation: str

    @property
    def suffix(self) -> str:
        return self.generation[:16]

    @property
    def path(self) -> Path:
        return self.folder / f"events.f{EVENTS_FORMAT}.duckdb"

    @property
    def alias(self) -> str:
        return "jm_index_" + self.suffix

    def table_name(self, name: str) -> str:
        return f"{name}_{self.suffix}"


def store_index(raw: Any, *, build: bool = True) -> tuple[StoreIndex | None, str]:
    """The events part of the index of the store open on DuckDB connection ``raw`` (built when missing and
    ``build``), and why not when there is none."""
    store = C.store_file(raw)
    if store is None:
        return None, "an in-memory database, not a workspace store"
    generation = C.store_generation_with_cust(raw)
    if generation is None:
        return None, "a store written by an older version (ingest again to index it)"
    index = StoreIndex(cache_folder(Path(store), generation), generation)
    if not index.path.is_file():
        if not build:
            return None, "not built yet"
        try:
            build_store_index(Path(store), generation, C.connection_settings(raw))
        except (duckdb.Error, OSError, ValueError) as exc:
            log.debug("journey index not available: %s", exc)
            return None, f"the index could not be written ({exc})"
    return index, ""


def build_store_index(store: Path, generation: str, settings: dict[str, str] | None = None) -> StoreIndex:
    """Write the events part of the index of ``store`` (the ingest calls this after its commit)."""
    index = StoreIndex(cache_folder(store, generation), generation)
    if index.path.is_file():
        return index
    start = time.perf_counter()
    with _writing(index.path, settings or {}) as con:
        C.build_codes(con, str(store), index.suffix, MAX_CODES)
    remove_other_generations(index.folder)
    log.debug("journey index of the events: %.2f s", time.perf_counter() - start)
    return index


@contextlib.contextmanager
def _writing(target: Path, settings: dict[str, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh DuckDB file written under a temporary name, renamed to ``target`` when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".building-", suffix=".duckdb", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    con = duckdb.connect(str(tmp))
    try:
        C.configure_build(con, settings)
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(Exception):
            con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


def journey_key(journey: Journey) -> str:
    """A hash of all a journey's index depends on: its steps in order, their stages, bindings and next steps."""
    parts = [FORMAT, [st.id for st in journey.stages],
             *[(s.id, s.stage, s.binding.model_dump() if s.binding is not None else None, list(s.next or []))
               for s in journey.steps]]
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:20]


def step_positions(journey: Journey) -> tuple[list[tuple[int, int]], dict[int, int], list[tuple[int, int]]]:
    """(designed step edges as indices, stage index of each step index, designed stage edges as indices)."""
    pos = {s.id: i for i, s in enumerate(journey.steps)}
    stage_pos = {st.id: i for i, st in enumerate(journey.stages)}
    step_edges = [(pos[a], pos[b]) for a, b in journey.designed_edges() if a in pos and b in pos]
    stage_of = {i: stage_pos[s.stage] for i, s in enumerate(journey.steps) if s.stage in stage_pos}
    stage_edges = sorted({(stage_of[a], stage_of[b]) for a, b in step_edges
                          if a in stage_of and b in stage_of and stage_of[a] != stage_of[b]})
    return step_edges, stage_of, stage_edges


def journey_folder(index: StoreIndex, journey: Journey) -> Path:
    return index.folder / f"journey-{journey_key(journey)}"


Put = Callable[..., None]


class BuildConflict(Exception):
    """A file of the index could not be written whole now (see :func:`compile.checkpoint`); nothing was kept. A
    kept result is then computed without it; a part of the journey index is built again (``source``)."""


def keep(con: Any, index: StoreIndex, file: str, tables: Sequence[str], build: Callable[[Put], None]) -> dict[str, Any]:
    """The tables of one file of the index (``<generation folder>/<file>.duckdb``), written on first use.

    ``build(put)`` writes them: ``put(name, expr)`` stores the Ibis expression's result as table ``name``
    (``put(name, expr, temporary=True)`` keeps a helper in memory for the build only). It runs on the
    analysis's own connection (the store opened read-only): the new file is attached for writing under a
    temporary name and takes its place only when complete, so a reader never sees half a file, and two
    processes that build at once each write a whole one (the last rename wins; both are identical).
    """
    path = index.folder / f"{file}.duckdb"
    alias = "jm_" + hashlib.sha1(str(path).encode()).hexdigest()[:16]
    raw = con.con
    if not path.is_file():
        started = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".building-", suffix=".duckdb", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        # one name per build: the connections of one process share their DuckDB instance's attached files, so
        # two threads building the same file at once must each write their own (the last rename wins)
        build_alias = "jm_build_" + hashlib.sha1(str(tmp).encode()).hexdigest()[:16]
        C.attach(raw, str(tmp), build_alias, read_only=False)
        helpers: list[str] = []

        def put(name: str, expr: Any, *, temporary: bool = False) -> None:
            C.create_table(con, name, expr, temporary=temporary, database=None if temporary else build_alias)
            if temporary:
                helpers.append(name)

        try:
            build(put)
            written = C.checkpoint(raw, build_alias)
            C.detach(raw, build_alias)
            if not written or tmp.with_name(tmp.name + ".wal").exists():
                raise BuildConflict(f"{path.name}: other transactions of this process kept its tables from the file")
            os.replace(tmp, path)
        except (duckdb.IOException, OSError) as exc:  # a full disk, a folder that cannot be written
            with contextlib.suppress(Exception):
                C.detach(raw, build_alias)
            from journeymap.errors import JourneymapError

            raise JourneymapError(f"cannot write the journey index beside the store ({path.parent}): {exc}; "
                                  "free some room there, or delete the folder data/cache (it is rebuilt)") from exc
        except BaseException:
            with contextlib.suppress(Exception):
                C.detach(raw, build_alias)
            raise
        finally:
            for name in helpers:
                with contextlib.suppress(Exception):
                    raw.execute(f"DROP TABLE IF EXISTS temp.{C.quote(name)}")
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
        log.debug("journey index %s: %.2f s", file, time.perf_counter() - started)
    C.attach(raw, str(path), alias)
    return {t: con.table(t, database=alias) for t in tables}


def built_table(con: Any, database: str, name: str) -> Any:
    """A table just written by :func:`keep`'s ``put`` (to build the next one from it)."""
    return con.table(name, database=database) if database else con.table(name)


def matched_by_lookup(journey: Journey, con: Any, index: StoreIndex) -> Any:
    """The matched relation of the index: the one step matcher on the distinct (event, channel) pairs, then a
    lookup array over the codes (every event's step by its pair, not by matching each event)."""
    import ibis

    from journeymap.engine.binding import match_steps

    pairs = con.table(index.table_name("pairs"), database=index.alias)
    codes = con.table(index.table_name("codes"), database=index.alias)
    found = C.execute(match_steps(journey, pairs.mutate(properties=ibis.null("map<string, string>")))
                      .select("ev", "ch", "step_idx"))
    bounds = C.execute(pairs.aggregate(e=pairs.ev.max(), c=pairs.ch.max())).iloc[0]
    width = 1 if bounds["c"] is None or bounds["c"] != bounds["c"] else int(bounds["c"]) + 2
    n_ev = 0 if bounds["e"] is None or bounds["e"] != bounds["e"] else int(bounds["e"]) + 1
    lut: list[int | None] = [None] * max(n_ev * width, 1)
    for r in found.itertuples():
        ch = 0 if r.ch is None or r.ch != r.ch else int(r.ch) + 1
        lut[int(r.ev) * width + ch] = int(r.step_idx)
    position = codes.ev.cast("int64") * width + (codes.ch.cast("int64") + 1).fill_null(0)
    si = ibis.literal(lut, type="array<int16>")[position]
    looked_up = codes.select("cust", "customer_id", "ts", "seq", si=si, ch=codes.ch)
    return looked_up.filter(looked_up.si.notnull())


def index_workspace_store(ws: Any, *, quiet: bool = True) -> StoreIndex | None:
    """Write the events part of the index for the workspace's store as it is now (after an ingest or a
    ``forget``), and the findings' tables that need no journey. Never fatal: without them the first analysis
    writes them, or the analyses run on the events."""
    from journeymap.errors import JourneymapError
    from journeymap.events.store import duck, store_path
    from journeymap.progress import progress

    path = store_path(ws)
    if not path.is_file():
        return None
    try:
        con = duck(ws, read_only=True)
        try:
            generation = C.store_generation_with_cust(con)
            settings = {**C.connection_settings(con), "memory_limit": ws.settings.events.memory_limit}
        finally:
            con.close()
        if generation is None:
            return None
        with progress(quiet) as bar:
            task = bar.add_task("indexing the events for analysis", total=None)
            index = build_store_index(path, generation, settings)
            bar.update(task, total=1, completed=1)
            task = bar.add_task("preparing the findings", total=None)
            from journeymap.engine.findings.data import prepare

            prepare(ws)
            bar.update(task, total=1, completed=1)
        return index
    except (duckdb.Error, OSError, ValueError, JourneymapError) as exc:
        log.debug("journey index not written: %s", exc)
        return None
