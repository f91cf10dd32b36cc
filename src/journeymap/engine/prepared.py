"""The matched-step table, computed once per connection, events version and journey binding.

Most analyses of a journey (step and stage metrics, step and stage transitions, the funnel,
conformance, the trend arrows) start from the same thing: the events matched to the map's
steps (:func:`~journeymap.engine.binding.match_steps`), reduced to ``customer_id, ts, seq,
step, stage, step_idx, stage_idx``. On DuckDB this module materialises that table once, as a
temporary table of the connection, so ``analyze`` and ``build_overlay`` match the events
once instead of once per analysis, and the later analyses scan a narrower table of matched
events only.

Never stale: the table's name is a hash of the matching query's SQL (which holds the
bindings and any period filter) and of the events' fingerprint (count and a hash of every
row), read afresh on every call on a writable connection (once per read-only connection). Changed events give a new name, so a stale table is never
read. Journeys whose bindings filter on properties are not prepared (the fingerprint does
not cover properties); they run on the events directly. Temporary tables live as long as the connection and
are invisible to other connections. Other backends (PySpark) get the plain expression.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from journeymap.engine import compile as C
from journeymap.engine.binding import match_steps
from journeymap.model.types import Journey

#: The columns of the prepared table: all that step-level analyses read.
COLUMNS = ("customer_id", "ts", "seq", "step", "stage", "step_idx", "stage_idx")
PREFIX = "jm_prep_"


def events_version(table: ir.Table) -> tuple[str, ...]:
    """A fingerprint of the events behind ``table``: their count, an order-independent hash of
    every row's customer, time, source order, name and channel (all that matching reads when no
    binding filters on properties), and the number of customers. Any added, removed or changed
    row changes it.

    On a read-only connection (how the analyses open the store) the data cannot change while
    the connection lives (DuckDB lets no writer in beside a reader), so the fingerprint is
    computed once per connection and query; on a writable one, on every call.
    """
    con: Any = table.get_backend()
    raw = getattr(con, "con", None)
    key = C.to_sql(table)
    names = [r.name for r in table.op().find(ops.DatabaseTable)]
    frozen = raw is not None and _read_only(raw, names)
    memo = _MEMO.get(raw) if frozen else None
    if memo is not None and key in memo:
        return memo[key]
    h = table.customer_id.hash()
    for col in (table.event, table.ts, table.seq, table.channel):
        h = (h ^ col.hash()).hash()  # hash again after each column: ties the values of one row together
    out = C.execute(table.aggregate(n=table.count(), h=h.bit_xor(), c=table.customer_id.nunique())).iloc[0]
    version = (str(out["n"]), str(out["h"]), str(int(out["c"] or 0)))
    if frozen:
        _MEMO.setdefault(raw, {})[key] = version
    return version


def distinct_customers(table: ir.Table) -> int:
    """Customers in the events (DuckDB), read with the fingerprint: once per read-only connection."""
    return int(events_version(table)[2])


_MEMO: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def _read_only(raw: Any, names: list[str]) -> bool:
    """Whether every database of the DuckDB connection is read-only and none of ``names`` is a
    temporary table or view (those the connection itself may still change)."""
    rows = raw.execute("SELECT bool_and(readonly) FROM duckdb_databases() WHERE NOT internal").fetchall()
    if not (rows and rows[0][0]):
        return False
    temp = raw.execute("SELECT count(*) FROM (SELECT table_name AS n FROM duckdb_tables() WHERE temporary "
                       "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary) WHERE n IN "
                       "(SELECT unnest(?::VARCHAR[]))", [names]).fetchall()
    return bool(temp and temp[0][0] == 0)


def prepared_steps(journey: Journey, table: ir.Table) -> ir.Table:
    """The events matched to ``journey``'s steps, with ``COLUMNS`` only (see the module docstring).

    On DuckDB a temporary table built on first use and reused while the events are unchanged,
    with one more column, ``cust`` (a dense integer per customer, see :func:`customer_key`);
    elsewhere the same rows as an expression.
    """
    from journeymap.engine.index import journey_index

    indexed = journey_index(journey, table)
    if indexed is not None:
        return _decode(journey, indexed.prep)
    matched = match_steps(journey, table).select(*COLUMNS)
    filters_properties = any(s.binding is not None and s.binding.where for s in journey.steps)
    if C.backend_name(matched) != "duckdb" or filters_properties:
        return matched
    con: Any = matched.get_backend()
    sql = C.to_sql(matched)
    key = hashlib.sha1(repr((sql, events_version(table))).encode()).hexdigest()[:20]
    name = PREFIX + key
    C.prepare_backend(matched)
    # stored lean (the step as a small integer, ``cust`` a dense integer per customer, so per-customer
    # group-bys hash an integer): the table must stay small beside a 1 GB memory limit
    con.raw_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{name}" AS SELECT m.customer_id, m.ts, m.seq, '
                f'CAST(m.step_idx AS SMALLINT) AS si, k.cust FROM ({sql}) m JOIN '
                f'(SELECT customer_id, CAST(row_number() OVER (ORDER BY customer_id) AS INTEGER) AS cust FROM '
                f'(SELECT DISTINCT customer_id FROM ({sql}))) k USING (customer_id) ORDER BY customer_id, ts, seq')
    C.mark_journey_ordered(con, name)  # written sorted once, never changed: checked once, not per analysis
    return _decode(journey, con.table(name))


def _decode(journey: Journey, stored: ir.Table) -> ir.Table:
    """``COLUMNS`` and ``cust`` from a stored matched-step table (``customer_id, ts, seq, si, cust``)."""
    steps = {i: s.id for i, s in enumerate(journey.steps)}
    stage_idx = {st.id: i for i, st in enumerate(journey.stages)}
    step_stage_idx = {i: stage_idx.get(s.stage) for i, s in enumerate(journey.steps) if s.stage in stage_idx}
    return stored.select(
        "customer_id", "ts", "seq",
        step=stored.si.substitute(steps, else_=ibis.null("string")),
        stage=stored.si.substitute({i: s.stage for i, s in enumerate(journey.steps)}, else_=ibis.null("string")),
        step_idx=stored.si.cast("int64"),
        stage_idx=stored.si.substitute(step_stage_idx, else_=ibis.null("int64")),
        cust=stored.cust,
    )


def customer_key(t: ir.Table) -> str:
    """The column to group customers by (see :func:`journeymap.engine.compile.customer_key`)."""
    return C.customer_key(t)
