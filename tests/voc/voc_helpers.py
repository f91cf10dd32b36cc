"""Helpers for the voice-of-the-customer tests: a small workspace written from text, and a real event store."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb

from journeymap.model.workspace import Workspace, load_workspace

FILES = {
    "journeymap.yaml": """
        name: shop
        language: en
        timezone: UTC
    """,
    "personas/bargain-hunter.yaml": """
        id: bargain-hunter
        name: Bargain hunter
        segment: {all: [{property: segment, op: eq, value: bargain-hunter}]}
    """,
    "personas/loyal-fan.yaml": """
        id: loyal-fan
        name: Loyal fan
        segment: {all: [{property: segment, op: eq, value: loyal-fan}]}
    """,
    "journeys/webshop.yaml": """
        id: webshop
        title: Webshop
        personas: [bargain-hunter, loyal-fan]
        stages:
          - {id: decision, name: Decision}
          - {id: retention, name: Retention}
        steps:
          - id: checkout
            name: Checkout
            stage: decision
            channel: web
            binding: {events: [checkout_started]}
            emotion: {score: 1}
          - id: payment
            name: Payment
            stage: decision
            channel: web
            binding: {events: [payment_*]}
            emotion: {score: 1}
          - id: delivery
            name: Delivery
            stage: retention
            channel: post
            binding: {events: [parcel_delivered]}
            emotion: {score: 2, word: delighted}
          - id: customer-service
            name: Customer service
            stage: retention
            channel: phone
            binding: {events: [support_call]}
            emotion: {score: -1}
    """,
}


def write_workspace(root: Path, files: dict[str, str] = FILES) -> Workspace:
    """Write the files (dedented) under ``root`` and load the workspace."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return load_workspace(root)


EVENTS = [
    # customer, ts, event, segment
    ("c1", "2026-03-01 10:00:00", "checkout_started", "bargain-hunter"),
    ("c1", "2026-03-01 10:05:00", "payment_completed", "bargain-hunter"),
    ("c1", "2026-03-03 12:00:00", "parcel_delivered", "bargain-hunter"),
    ("c2", "2026-03-02 09:00:00", "checkout_started", "loyal-fan"),
    ("c2", "2026-03-02 09:03:00", "payment_completed", "loyal-fan"),
    ("c2", "2026-03-05 15:00:00", "parcel_delivered", "loyal-fan"),
    ("c2", "2026-03-06 11:00:00", "support_call", "loyal-fan"),
    ("c3", "2026-03-04 08:00:00", "checkout_started", "loyal-fan"),
]


def write_events(ws: Workspace, rows: list[tuple[str, str, str, str]] = EVENTS) -> None:
    """A real events table in the ADR 0001 layout, written with plain DuckDB."""
    from journeymap.events.store import EVENT_COLUMNS, store_path

    path = store_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    cols = ", ".join(f"{n} {t}" for n, t in EVENT_COLUMNS)
    con.execute(f"CREATE TABLE events ({cols})")
    for i, (cust, ts, event, segment) in enumerate(rows):
        con.execute(
            "INSERT INTO events VALUES (?, ?::TIMESTAMP, ?, 'web', 'test', NULL, ?, ?, ?, MAP {'segment': ?})",
            [cust, ts, event, cust, f"e{i}", i, segment],
        )
    con.close()


def store_rows(ws: Workspace, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    """Rows of ``sql`` on the workspace's store, through a read-only connection of its own."""
    from journeymap.events.store import store_path

    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
