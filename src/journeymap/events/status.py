"""Figures about the store for ``journeymap status``: what the analyses have to work with.

The figures of the events (counts, distinct customers and ids, the time range, per channel and source) take
a pass over every event; they depend on nothing but the store's generation, which every committed ingest and
``forget`` renews, so they are kept beside the journey index of that generation (``status.v1.json`` in
``data/cache/<generation>/``, removed with it when the next generation's index is written) and read from there until the store changes. The quarantine and
the feedback are counted each time (small tables, or a count DuckDB answers from its metadata).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from journeymap.errors import JourneymapError
from journeymap.events.store import (
    NO_EVENTS,
    cache_folder,
    duck,
    has_table,
    store_generation,
    store_path,
)
from journeymap.model.workspace import Workspace

log = logging.getLogger(__name__)

#: The kept figures' file in the generation's cache folder; its layout version is part of the name.
KEPT = "status.v1.json"


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
        figures = _event_figures(con, store_path(ws))
        quarantined = con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
        answers = _count(con, "feedback")
        texts = _count(con, "interactions")
        fb_quarantined = (con.execute("SELECT reason, count(*) FROM feedback_quarantine GROUP BY 1 ORDER BY 2 DESC, 1")
                          .fetchall() if has_table(con, "feedback_quarantine") else [])
    finally:
        con.close()
    return StoreStatus(
        events=figures["events"], customers=figures["customers"], first_ts=_time(figures["first_ts"]),
        last_ts=_time(figures["last_ts"]), anonymous_ids=figures["anonymous_ids"],
        stitched_ids=figures["stitched_ids"], identified=figures["identified"], per_channel=figures["per_channel"],
        per_source=figures["per_source"], quarantined={str(k): int(v) for k, v in quarantined},
        feedback_answers=answers, feedback_texts=texts,
        feedback_quarantined={str(k): int(v) for k, v in fb_quarantined},
    )


def _event_figures(con: duckdb.DuckDBPyConnection, store: Path) -> dict[str, Any]:
    """The events' figures: kept for the store's generation, or counted (and kept when the store has one)."""
    generation = store_generation(con)
    kept = cache_folder(store, generation) / KEPT if generation and generation.isalnum() else None
    if kept is not None and kept.is_file():
        try:
            return dict(json.loads(kept.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:  # unreadable: counted again and written anew
            log.debug("kept status figures not read: %s", exc)
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
    figures = {"events": int(row[0]), "customers": int(row[1]),
               "first_ts": row[2].isoformat() if row[2] is not None else None,
               "last_ts": row[3].isoformat() if row[3] is not None else None,
               "anonymous_ids": int(row[4]), "stitched_ids": int(row[5]), "identified": int(row[6]),
               "per_channel": {str(k): int(v) for k, v in channels}, "per_source": {str(k): int(v) for k, v in sources}}
    if kept is not None:
        from journeymap.model.yamlio import atomic_write_text

        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(kept, json.dumps(figures, ensure_ascii=False))
        except OSError as exc:  # a read-only workspace is counted each time
            log.debug("status figures not kept: %s", exc)
    return figures


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text is not None else None


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]) if has_table(con, table) else 0
