"""Where the events are read from, and how: the one place that chooses the plan.

An :class:`EventSource` wraps the events of one open store or connection (the workspace's DuckDB store,
or an Ibis connection to PySpark, PostgreSQL, a warehouse …) with an optional period. Every analysis
asks it for the relations of :mod:`.relations`; it answers each with either

* a table of the **journey index** (:mod:`.index`), on the workspace's own DuckDB store, for journeys
  whose bindings do not filter on properties; with a period the matched events are read from the index
  and the rest computed from them; or
* the relation's **expression** on the events, anywhere else.

It records what it chose and why (:attr:`EventSource.plan`), which ``--explain`` prints and the tests
assert. The source is also the one object per open store that keeps state: attached index files, and
results already computed for this source (the report and the living map ask for the same step metrics;
they are computed once). Nothing is kept in module globals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from journeymap.engine import compile as C
from journeymap.engine import index as I
from journeymap.engine import relations as R
from journeymap.model.types import Journey

Level = Literal["step", "stage"]
T = TypeVar("T")
INDEX = "journey index"
EXPRESSIONS = "expressions on the events"


def as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    """A naive UTC datetime (the events' ``ts``); a date means its midnight."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)


def is_store_events(table: ir.Table) -> bool:
    """Whether ``table`` is a DuckDB store's ``events`` view, unfiltered (columns may be selected or renamed)."""
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


@dataclass
class JourneyRelations:
    """One journey's relations on one source, each an Ibis table (see :mod:`.relations`).

    ``stored`` gives a relation's table of the journey index (written on first use); without it, or with a
    period, the relations are their expressions on ``matched``."""

    journey: Journey
    how: str  # INDEX or EXPRESSIONS
    matched: ir.Table
    ordered: bool  # ``matched`` is stored in journey order (positional neighbours are valid)
    stored: Callable[[str], ir.Table] | None = None
    source: EventSource | None = None  # the source these relations come from (for results kept in the index)
    _cache: dict[str, ir.Table] = field(default_factory=dict)

    def _stage_of(self) -> dict[int, int]:
        return I.step_positions(self.journey)[1]

    def units(self, level: Level) -> ir.Table:
        return R.units(self.matched, None if level == "step" else self._stage_of())

    def neighbours(self, level: Level) -> ir.Table:
        key = f"nb_{level}"
        if key not in self._cache:
            self._cache[key] = R.neighbours(self.units(level), ordered=self.ordered)
        return self._cache[key]

    def visits(self, level: Level) -> ir.Table:
        if self.stored is not None:
            return self.stored(f"visits_{level}")
        if level == "stage":
            return R.stage_visits(self.visits("step"), self._stage_of())
        return R.visits(self.neighbours(level))

    def summary(self, level: Level) -> ir.Table:
        if self.stored is not None:
            return self.stored(f"summary_{level}")
        step_edges, stage_of, stage_edges = I.step_positions(self.journey)
        if level == "stage":
            return R.stage_summary(self.visits("stage"), self.summary("step"), stage_of, stage_edges)
        return R.summary(self.neighbours(level), step_edges)

    def firsts(self, level: Level) -> ir.Table:
        """Each customer's first step (or its stage): ``cust, u``."""
        f = self.stored("firsts_step") if self.stored is not None else R.firsts(self.units("step"),
                                                                                ordered=self.ordered)
        if level == "stage":
            f = f.select("cust", u=f.u.substitute(self._stage_of(), else_=ibis.null("int16")).cast("int16"))
        return f

    def sequences(self) -> ir.Table:
        if self.stored is not None:
            return self.stored("seqs")
        return R.sequences(self.matched, len(self.journey.steps))


class EventSource:
    """The events of one open store or connection, with an optional period, and the plan to read them."""

    def __init__(self, events: ir.Table, *, name: str = "an Ibis table", since: dt.datetime | None = None,
                 until: dt.datetime | None = None, owner: Any = None, use_index: bool = True) -> None:
        self.all_events = events
        self.name = name
        self.since, self.until = since, until
        self.backend = C.backend_name(events)
        self.plan: list[str] = []
        self._owner = owner  # a backend this source opened and closes
        self._memo: dict[Any, Any] = {}
        self._journeys: dict[str, JourneyRelations] = {}
        self._parts: dict[tuple[str, str], dict[str, ir.Table]] = {}
        self._periods: dict[Any, EventSource] = {}
        self.index: I.StoreIndex | None = None
        self._con: Any = None
        why = ""
        if not use_index:
            why = "switched off by the caller"
        elif is_store_events(events):
            self._con = events.get_backend()
            self.index, why = I.store_index(self._con.con)
            if self.index is not None:
                C.attach(self._con.con, str(self.index.path), self.index.alias)
        elif self.backend != "duckdb":
            why = f"the events are on {self.backend}"
        else:
            why = "the table is not a workspace store's events"
        where = f"{name} ({self.backend})"
        period = ""
        if since is not None or until is not None:
            period = f", period {since.date() if since else 'start'} to {until.date() if until else 'end'} (end excluded)"
        self.plan.append(f"events: {where}{period}")
        from journeymap.model.workspace import display_path

        self.plan.append(f"events part of the journey index: {display_path(self.index.path)}" if self.index is not None
                         else f"no journey index: {why}")

    # -- construction ----------------------------------------------------------------------------------------

    @classmethod
    def of(cls, events: ir.Table | EventSource, since: dt.date | dt.datetime | None = None,
           until: dt.date | dt.datetime | None = None) -> EventSource:
        """``events`` as a source (a source is returned as it is when no period is asked for)."""
        if isinstance(events, EventSource):
            if since is None and until is None:
                return events
            return events.period(since, until)
        return cls(events, since=as_datetime(since) if since is not None else None,
                   until=as_datetime(until) if until is not None else None)

    def period(self, since: dt.date | dt.datetime | None, until: dt.date | dt.datetime | None) -> EventSource:
        """The same events limited to ``since <= ts < until``; shares this source's index and connection, and is
        the same object each time the same period is asked for (the report's map and tables share results)."""
        key = (as_datetime(since) if since is not None else None, as_datetime(until) if until is not None else None)
        if key not in self._periods:
            self._periods[key] = self._new_period(*key)
        return self._periods[key]

    def _new_period(self, since: dt.datetime | None, until: dt.datetime | None) -> EventSource:
        out = EventSource.__new__(EventSource)
        out.__dict__.update(self.__dict__)
        out.since, out.until = since, until
        out.plan = self.plan  # one record of what was chosen, for the whole command
        out.plan.append(f"period: {out.since.date() if out.since else 'the start'} to "
                        f"{out.until.date() if out.until else 'the end'} (end excluded)")
        out._memo, out._journeys, out._owner = {}, {}, None  # (index parts are shared: they hold no period)
        out._periods = {}
        return out

    def close(self) -> None:
        """Close the connection this source opened (a source made from a table leaves it open)."""
        if self._owner is not None:
            self._owner.disconnect()
            self._owner = None

    def __enter__(self) -> EventSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the analyses read ---------------------------------------------------------------------------------

    @property
    def filtered(self) -> bool:
        return self.since is not None or self.until is not None

    def _in_period(self, t: ir.Table) -> ir.Table:
        if self.since is not None:
            t = t.filter(t.ts >= self.since)
        if self.until is not None:
            t = t.filter(t.ts < self.until)
        return t

    @property
    def events(self) -> ir.Table:
        """The events (in the period), with the event-store layout."""
        return self._in_period(self.all_events)

    def events_with(self, keys: set[str]) -> ir.Table:
        """The events (in the period) where only properties ``keys`` are read: on the workspace's store the map
        is built from those keys alone (see :func:`~.compile.events_with_keys_sql`), elsewhere it is the events."""
        if self._con is None:
            return self.events
        schema = dict(self.all_events.schema().items())
        sql = C.events_with_keys_sql(list(schema), sorted(keys))
        schema.update({f"property:{k}": ibis.dtype("string") for k in sorted(keys)})
        return self._in_period(self._con.sql(sql, schema=ibis.schema(schema)))

    def _index_table(self, name: str) -> ir.Table:
        assert self.index is not None
        return self._con.table(self.index.table_name(name), database=self.index.alias)  # type: ignore[no-any-return]

    def totals(self) -> dict[str, Any]:
        """``events, customers, first, last`` of the events in the period."""
        def compute() -> dict[str, Any]:
            if self.index is not None and not self.filtered:
                t = self._index_table("meta")
            elif self.index is not None:
                t = R.totals(self._in_period(self._index_table("codes")))
            else:
                t = R.totals(self.events)
            row = C.execute(t).iloc[0]
            return {k: row[k] for k in ("events", "customers", "first", "last")}
        return self.memo(("totals",), compute)

    def customers(self) -> int:
        return int(self.totals()["customers"] or 0)

    def event_units(self) -> tuple[ir.Table, ir.Table | None, bool]:
        """(every event as ``cust, ts, seq, u``, the dictionary ``ev → event`` when ``u`` is a code, ordered)."""
        if self.index is not None:
            self._note("event units: integer codes from the journey index, decoded after aggregation")
            codes = self._in_period(self._index_table("codes"))
            return codes.select("cust", "ts", "seq", u=codes.ev), self._index_table("names"), True
        self._note(f"event units: {EXPRESSIONS}")
        return R.event_units(self.events), None, False

    def _note(self, line: str) -> None:
        if line not in self.plan:
            self.plan.append(line)

    def event_counts(self) -> ir.Table:
        """``event, channel, n`` of the events in the period."""
        if self.index is not None and not self.filtered:
            p = self._index_table("pairs")
            return p.select("event", "channel", "n")
        if self.index is not None:
            codes = self._in_period(self._index_table("codes"))
            c = codes.group_by(["ev", "ch"]).aggregate(n=codes.count())
            names, chans = self._index_table("names"), self._index_table("chans")
            j = c.join(names, "ev").left_join(chans, "ch")
            return j.select("event", "channel", "n")
        return R.event_counts(self.events)

    def journey(self, journey: Journey) -> JourneyRelations:
        """The journey's relations, from the index where it applies (see the module docstring)."""
        key = I.journey_key(journey)
        if key in self._journeys:
            return self._journeys[key]
        rel = self._plan_journey(journey)
        rel.source = self
        self._journeys[key] = rel
        return rel

    def _plan_journey(self, journey: Journey) -> JourneyRelations:
        reason = ""
        if self.index is None:
            reason = "the index does not cover these events"
        elif any(s.binding is not None and s.binding.where for s in journey.steps):
            reason = "a binding filters on properties, which the index does not hold"
        if not reason and self.index is not None:
            try:
                prep = self._journey_table(journey, "prep")
            except Exception as exc:  # never fatal: the analyses run on the events
                reason = f"the journey's index could not be written ({exc})"
            else:
                folder = I.journey_folder(self.index, journey).name
                matched = self._with_channel(prep)
                if self.filtered:
                    self.plan.append(f"journey {journey.id}: matched events from the {INDEX} ({folder}), "
                                     "the rest computed for the period")
                    return JourneyRelations(journey, INDEX, self._in_period(matched), True)
                self.plan.append(f"journey {journey.id}: every relation from the {INDEX} ({folder}; each part "
                                 "written on first use)")
                return JourneyRelations(journey, INDEX, matched, True,
                                        lambda name: self._journey_table(journey, name))
        self.plan.append(f"journey {journey.id}: {EXPRESSIONS} ({reason})")
        return JourneyRelations(journey, EXPRESSIONS, R.matched(journey, self.events), False)

    def _with_channel(self, prep: ir.Table) -> ir.Table:
        """The matched relation's columns from the index's ``prep`` (the channel decoded from its code)."""
        chans = C.execute(self._index_table("chans"))
        names = {int(r.ch): str(r.channel) for r in chans.itertuples()}
        return prep.select("cust", "customer_id", "ts", "seq", "si",
                           channel=prep.ch.substitute(names, else_=ibis.null("string")) if names
                           else ibis.null("string"))

    def _journey_table(self, journey: Journey, name: str) -> ir.Table:
        """A relation of the journey's index, its part written on first use (with the parts it is built from)."""
        assert self.index is not None
        index, con = self.index, self._con
        folder = f"{I.journey_folder(index, journey).name}/"
        step_edges, stage_of, stage_edges = I.step_positions(journey)

        def part(file: str, tables: tuple[str, ...], build: Callable[[I.Put], None]) -> dict[str, ir.Table]:
            key = (I.journey_key(journey), file)
            for attempt in range(3):
                if key in self._parts:
                    break
                try:
                    self._parts[key] = I.keep(con, index, folder + file, tables, build)
                except I.BuildConflict:  # another thread of this process was busy: it has most likely written it
                    if attempt == 2:
                        raise
            return self._parts[key]  # type: ignore[no-any-return]

        def prep() -> ir.Table:
            def build(put: I.Put) -> None:
                put("prep", I.matched_by_lookup(journey, con, index))
            t = part("prep", ("prep",), build)["prep"]
            return t

        def step() -> dict[str, ir.Table]:
            p = prep()

            def build(put: I.Put) -> None:
                put("nb_step", R.neighbours(R.units(p), ordered=True), temporary=True)
                nb = con.table("nb_step")
                put("summary_step", R.summary(nb, step_edges))
                put("visits_step", R.visits(nb))
                put("firsts_step", R.firsts(R.units(p), ordered=True))
            return part("step", ("summary_step", "visits_step", "firsts_step"), build)

        def stage() -> dict[str, ir.Table]:
            st = step()

            def build(put: I.Put) -> None:
                put("visits_stage", R.stage_visits(st["visits_step"], stage_of))
                put("summary_stage", R.stage_summary(R.stage_visits(st["visits_step"], stage_of),
                                                     st["summary_step"], stage_of, stage_edges))
            return part("stage", ("visits_stage", "summary_stage"), build)

        def seqs() -> dict[str, ir.Table]:
            p = prep()

            def build(put: I.Put) -> None:
                put("seqs", R.sequences(p, len(journey.steps)))
            return part("seqs", ("seqs",), build)

        if name == "prep":
            return prep()
        if name.endswith("_step"):
            return step()[name]
        if name.endswith("_stage"):
            return stage()[name]
        if name == "seqs":
            return seqs()[name]
        raise KeyError(name)

    def kept(self, name: str, build: Callable[[], ir.Table], journey: Journey | None = None) -> ir.Table:
        """The relation ``build()`` (a result that does not depend on the period asked for, e.g. a transition
        graph or the customers' personas), kept as a table of the journey index under ``name`` when the index
        applies and no period is asked for; else the expression itself. ``name`` must say every parameter the
        expression depends on besides the store's generation and the journey's key."""
        if self.index is None or self.filtered or (journey is not None and self.journey(journey).how != INDEX):
            return build()
        folder = f"{I.journey_folder(self.index, journey).name}/" if journey is not None else f"events.f{I.EVENTS_FORMAT}-"
        key = ((I.journey_key(journey) if journey is not None else ""), name)
        if key not in self._parts:
            def write(put: I.Put) -> None:
                put("r", build())
            about = f"{'journey ' + journey.id + ': ' if journey is not None else ''}{name}"
            try:
                self._parts[key] = I.keep(self._con, self.index, folder + name, ("r",), write)
            except I.BuildConflict as exc:
                self._note(f"{about} computed, not kept ({exc})")
                return build()
            self._note(f"{about} kept in the {INDEX}")
        return self._parts[key]["r"]

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per source and ``key`` (results of one analysis shared by the report and the map)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]


def open_source(ws: Any, since: dt.date | dt.datetime | None = None,
                until: dt.date | dt.datetime | None = None) -> EventSource:
    """The workspace's events as a source: its DuckDB store, or the connection ``events.source`` names."""
    from journeymap.events.store import open_events_source

    table, name, owner = open_events_source(ws)
    return EventSource(table, name=name, owner=owner, since=as_datetime(since) if since is not None else None,
                       until=as_datetime(until) if until is not None else None)


def store_path_of(source: EventSource) -> Path | None:
    """The store file behind a source (None when the events are not a workspace store)."""
    if source._con is None:
        return None
    found = C.store_file(source._con.con)
    return Path(found) if found else None


_ = ibis  # the module's expressions are built by the functions it calls
