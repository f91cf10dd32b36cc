"""Journey ordering: rebuild ``event_rows`` sorted by (stitched customer, ``ts``, ``seq``), the last ingest phase.

The sort is the most expensive step of an ingest, and its cost is mostly the payload it
moves, not the keys it compares: every string column the sort carries costs more than
the three keys together. So the sort carries as few strings as it can:

* the customer key is an integer, the rank of the stitched customer id (``cust``);
* text columns that repeat (``event``, ``channel``, ``source``, ``properties_json``: few
  distinct values) and whose values are too long to be stored inline travel as temporary
  ENUM types, one to four bytes a row, and are turned back into text by a projection over
  the sorted rows (a cast, so the order is kept). The ENUMs exist only inside the
  ingest's transaction.

The stored columns and their types do not change: ``event_rows`` holds text, and DuckDB
compresses it with dictionaries as before.
"""

from __future__ import annotations

import duckdb

from journeymap.events.sql import ident

#: Text columns that may travel through the sort as ENUMs.
ENCODABLE = ("event", "channel", "source", "properties_json")

#: An ENUM's value count above which the column travels as text (casting to a large ENUM costs more than it saves).
MAX_ENUM_VALUES = 250_000

#: Rows sampled to decide whether a column repeats enough to be worth encoding: at most one distinct
#: value in ``SAMPLE_RATIO`` rows, or at most ``SMALL`` distinct values.
SAMPLE_ROWS = 100_000
SAMPLE_RATIO = 8
SMALL = 1_000

#: Text up to this many bytes is stored inside DuckDB's string header, so the sort moves it cheaply:
#: a column whose sampled values all fit is left as text (the cast to an ENUM would cost more).
INLINE_BYTES = 12
#: Encode every repeating column, short or not (tests use it to cover the ENUM path with short values).
FORCE_ENCODING = False


def _enum_type(col: str) -> str:
    return f"__enum_{col}"


def _encode(con: duckdb.DuckDBPyConnection, relation: str, samples: tuple[str, ...],
            values: dict[str, str] | None = None) -> list[str]:
    """Create a temporary ENUM type ``__enum_<col>`` for each column of :data:`ENCODABLE` worth encoding.

    A quick look at the first rows of each table in ``samples`` rules out columns with many
    distinct values (an event id in disguise) and columns whose values all fit inline; the
    rest get their distinct values from ``relation``, one pass each (cheap: DuckDB groups
    dictionary-compressed text per dictionary entry), or from ``values[col]``, a cheaper
    query that yields every value of the column but no NULL (more values do no harm).
    """
    cols = [ident(c) for c in ENCODABLE]
    stats = ", ".join(f"count(DISTINCT {c}), coalesce(max(strlen({c})), 0)" for c in cols)
    picked = " UNION ALL ".join(f"(SELECT {', '.join(cols)} FROM {t} LIMIT {SAMPLE_ROWS})" for t in samples)
    row = con.execute(f"SELECT count(*), {stats} FROM ({picked})").fetchone()
    assert row is not None
    rows, *per_col = (int(v) for v in row)
    limit = max(rows // SAMPLE_RATIO, SMALL)
    candidates = [col for col, n, longest in zip(ENCODABLE, per_col[::2], per_col[1::2], strict=True)
                  if n <= limit and (longest > INLINE_BYTES or FORCE_ENCODING)]
    encoded = []
    for col in candidates:
        c, typ = ident(col), _enum_type(col)
        # ``values`` queries yield no NULL; a filter on them could be pushed below their own DISTINCT.
        distinct = (f"SELECT DISTINCT {c} FROM ({values[col]})" if values and col in values
                    else f"SELECT DISTINCT {c} FROM {relation} WHERE {c} IS NOT NULL")
        con.execute(f"CREATE TEMP TYPE {typ} AS ENUM ({distinct})")
        size = con.execute(f"SELECT len(enum_range(NULL::{typ}))").fetchone()
        if size is not None and 0 < int(size[0]) <= MAX_ENUM_VALUES:
            encoded.append(col)
        else:
            con.execute(f"DROP TYPE {typ}")
    return encoded


def write_ordered(con: duckdb.DuckDBPyConnection, relation: str, rows_table: str, samples: tuple[str, ...],
                  ids: str | None = None, values: dict[str, str] | None = None) -> None:
    """Replace ``rows_table`` with the rows of ``relation`` in journey order (``__idmap`` holds the stitching).

    ``samples`` are tables with the same text columns whose first rows tell which columns
    are worth encoding (the ingest passes the stored and the normalised new rows). ``ids``, when given, holds the
    distinct (``raw_customer_id``, ``anonymous_id``) pairs of ``relation``, read instead of it; ``values``
    maps a column to a query yielding its values, read instead of ``relation`` to encode it.

    Each source id (raw customer id, or anonymous id when there is none) gets its stitched
    customer id and that id's rank among all customer ids (``cust``): an integer sort key in
    the same order as the text, cheaper to compare. The ranks come from the distinct ids
    (about one per 15 events). One sort, written once with ``CREATE TABLE AS``; DuckDB
    spills it to the temp directory when it outgrows the memory limit. Insertion order is
    preserved for this statement, so the sorted rows are appended in order (a test checks
    the physical order over several row groups written by two threads).
    """
    con.execute(f"""
        CREATE TEMP TABLE __order AS
        SELECT node, customer_id, dense_rank() OVER (ORDER BY customer_id)::INTEGER AS k FROM (
            SELECT n.node, coalesce(m.customer_id, n.node) AS customer_id
            FROM (SELECT DISTINCT coalesce(raw_customer_id, anonymous_id) AS node FROM {ids or relation}) n
            LEFT JOIN __idmap m ON m.node = n.node)
    """)
    encoded = _encode(con, relation, samples, values)
    inner = {col: f"a.{ident(col)}::{_enum_type(col)}" if col in encoded else f"a.{ident(col)}" for col in ENCODABLE}
    outer = {col: f"{ident(col)}::VARCHAR" if col in encoded else ident(col) for col in ENCODABLE}
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"""
        CREATE TABLE __rows_next AS
        SELECT customer_id, ts, {outer['event']} AS event, {outer['channel']} AS channel,
               {outer['source']} AS source, anonymous_id, raw_customer_id, event_id, seq,
               {outer['properties_json']} AS properties_json, cust
        FROM (
            SELECT o.customer_id, a.ts, {inner['event']} AS event, {inner['channel']} AS channel,
                   {inner['source']} AS source, a.anonymous_id, a.raw_customer_id, a.event_id, a.seq,
                   {inner['properties_json']} AS properties_json, o.k AS cust
            FROM {relation} a JOIN __order o ON o.node = coalesce(a.raw_customer_id, a.anonymous_id)
            ORDER BY o.k, a.ts, a.seq)
    """)
    con.execute("SET preserve_insertion_order = false")
    con.execute("DROP TABLE __order")
    con.execute(f"DROP TABLE {rows_table}")
    con.execute(f"ALTER TABLE __rows_next RENAME TO {rows_table}")
    for col in encoded:
        con.execute(f"DROP TYPE {_enum_type(col)}")
