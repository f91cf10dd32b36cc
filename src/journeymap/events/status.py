"""Figures about the store for ``journeymap status``: what the analyses have to work with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from journeymap.errors import JourneymapError
from journeymap.events.store import NO_EVENTS, duck, has_table
from journeymap.model.workspace import Workspace


@dataclass
class StoreStatus:
    """Customers, events, time range, channels and sources, stitching and quarantine."""

    events: int
    customers: int                       # journeys: identified customers plus anonymous visitors never identified
    first_ts: dt.datetime | None
    last_ts: dt.datetime | None
    anonymous_ids: int
    stitched_ids: int
    per_channel: dict[str, int] = field(default_factory=dict)
    per_source: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    identified: int = 0                  # customers with an id of their own (not only a cookie/device id)
    feedback_answers: int = 0            # survey answers (NPS, CSAT, CES)
    feedback_texts: int = 0              # chats, e-mails, calls, reviews
    feedback_quarantined: dict[str, int] = field(default_factory=dict)


def store_status(ws: Workspace) -> StoreStatus:
    """Read the store's figures in a few aggregate queries."""
    con = duck(ws)
    try:
        if not has_table(con, "events"):
            raise JourneymapError(NO_EVENTS)
        row = con.execute("""
            SELECT count(*), count(DISTINCT customer_id), min(ts), max(ts), count(DISTINCT anonymous_id),
                   count(DISTINCT anonymous_id) FILTER (WHERE customer_id <> anonymous_id),
                   count(DISTINCT customer_id) FILTER (WHERE raw_customer_id IS NOT NULL)
            FROM events
        """).fetchone()
        assert row is not None
        channels = con.execute("SELECT coalesce(channel, '(none)'), count(*) FROM events GROUP BY 1 "
                               "ORDER BY 2 DESC, 1").fetchall()
        sources = con.execute("SELECT coalesce(source, '(none)'), count(*) FROM events GROUP BY 1 "
                              "ORDER BY 2 DESC, 1").fetchall()
        quarantined = con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
        answers = _count(con, "feedback")
        texts = _count(con, "interactions")
        fb_quarantined = (con.execute("SELECT reason, count(*) FROM feedback_quarantine GROUP BY 1 ORDER BY 2 DESC, 1")
                          .fetchall() if has_table(con, "feedback_quarantine") else [])
    finally:
        con.close()
    return StoreStatus(
        events=int(row[0]), customers=int(row[1]), first_ts=row[2], last_ts=row[3], anonymous_ids=int(row[4]),
        stitched_ids=int(row[5]), identified=int(row[6]), per_channel={str(k): int(v) for k, v in channels},
        per_source={str(k): int(v) for k, v in sources}, quarantined={str(k): int(v) for k, v in quarantined},
        feedback_answers=answers, feedback_texts=texts,
        feedback_quarantined={str(k): int(v) for k, v in fb_quarantined},
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]) if has_table(con, table) else 0
