"""The feedback tables: survey answers and interaction texts, in the same DuckDB file as the events.

ADR 0001 fixes the ``events`` layout; this module fixes the two feedback tables beside it
(and their quarantine), so that feedback joins events by ``customer_id`` in one engine.

``feedback``: one survey answer (NPS 0–10, CSAT 1–5, CES 1–7) with its optional comment.
``interactions``: one customer text (chat, e-mail, call transcript, review).
Both carry the step they concern (resolved from a step id or an event reference at ingest),
the detected language, the sentiment of their text and its intent (complaint, question, praise,
churn, request or none, with that intent's score 0..1). ``feedback_quarantine`` holds every
row that could not be stored, with the reason and the raw row.

Stores written before intents existed lack the two intent columns: :func:`ensure_feedback_schema`
adds them (the next ingest fills them in for the old rows), and the readers below give NULL for
them until then, so an old store still reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from journeymap.events.store import QUARANTINE_COLUMNS as EVENT_QUARANTINE_COLUMNS
from journeymap.events.store import has_table as has_table  # re-exported for the voc modules

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend as DuckDBBackend

    from journeymap.model.workspace import Workspace

NO_FEEDBACK = "no feedback yet: run journeymap ingest feedback FILE (or journeymap demo)"

FEEDBACK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("response_id", "VARCHAR"),     # the source's id, or a hash of the row (dedupe key)
    ("customer_id", "VARCHAR"),     # stitched to the events' customer id where the events know it
    ("ts", "TIMESTAMP"),            # UTC, naive
    ("journey", "VARCHAR"),
    ("step", "VARCHAR"),            # NULL for feedback about the relationship as a whole
    ("event", "VARCHAR"),           # the event reference, when the source gave one
    ("channel", "VARCHAR"),         # the survey's channel, else the step's
    ("metric", "VARCHAR"),          # nps, csat, ces
    ("score", "DOUBLE"),
    ("comment", "VARCHAR"),         # NULL when empty
    ("language", "VARCHAR"),        # nl, en or unknown (NULL without a comment)
    ("sentiment", "DOUBLE"),        # -1..1 (NULL without a comment)
    ("sentiment_label", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line", "BIGINT"),
    ("intent", "VARCHAR"),          # complaint, question, praise, churn, request, none (NULL without a comment)
    ("intent_score", "DOUBLE"),     # 0..1, the score of that intent
)

INTERACTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("interaction_id", "VARCHAR"),
    ("customer_id", "VARCHAR"),
    ("ts", "TIMESTAMP"),
    ("journey", "VARCHAR"),
    ("step", "VARCHAR"),
    ("event", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("kind", "VARCHAR"),            # chat, email, call, review, other
    ("text", "VARCHAR"),
    ("language", "VARCHAR"),
    ("sentiment", "DOUBLE"),
    ("sentiment_label", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line", "BIGINT"),
    ("intent", "VARCHAR"),
    ("intent_score", "DOUBLE"),
)
#: Columns added after the first release of the feedback tables: older stores get them on the next ingest.
ADDED_COLUMNS: tuple[tuple[str, str], ...] = (("intent", "VARCHAR"), ("intent_score", "DOUBLE"))

#: ``feedback_quarantine`` has the same columns as the events' ``quarantine`` table.
QUARANTINE_COLUMNS = EVENT_QUARANTINE_COLUMNS


def _ddl(table: str, columns: tuple[tuple[str, str], ...]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(f'{n} {t}' for n, t in columns)})"


def ensure_feedback_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the feedback tables when the store has none yet, and add columns an older store lacks."""
    con.execute(_ddl("feedback", FEEDBACK_COLUMNS))
    con.execute(_ddl("interactions", INTERACTION_COLUMNS))
    con.execute(_ddl("feedback_quarantine", QUARANTINE_COLUMNS))
    for table in ("feedback", "interactions"):
        for name, kind in ADDED_COLUMNS:
            con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {kind}")


def connect(ws: Workspace) -> DuckDBBackend:
    """A read-only Ibis backend on the workspace's store that has feedback tables."""
    from journeymap.events import store

    return store.connect(ws, require="feedback", missing=NO_FEEDBACK)


def _open(backend: DuckDBBackend, table: str, columns: tuple[tuple[str, str], ...]) -> ir.Table:
    """A feedback table with all of ``columns``; a column an older store lacks reads as NULL."""
    import ibis

    t = backend.table(table)
    have = set(t.columns)
    types = {"VARCHAR": "string", "DOUBLE": "float64"}
    return t.select([t[n] if n in have else ibis.null(types[kind]).name(n) for n, kind in columns])


def open_feedback(ws: Workspace, con: DuckDBBackend | None = None) -> ir.Table:
    """The ``feedback`` table as an Ibis table."""
    return _open(con if con is not None else connect(ws), "feedback", FEEDBACK_COLUMNS)


def open_interactions(ws: Workspace, con: DuckDBBackend | None = None) -> ir.Table:
    """The ``interactions`` table as an Ibis table."""
    return _open(con if con is not None else connect(ws), "interactions", INTERACTION_COLUMNS)
