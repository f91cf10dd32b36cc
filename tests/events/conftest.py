"""Fixtures for the event store: workspaces with a time zone (the PostgreSQL server is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace, load_workspace

#: Ids whose text order (a10 < a9 < b < ck-2) is not their numeric order; ck-1 is a9's cookie, so its
#: anonymous visit (before a9 logged in) belongs to a9's journey, while ck-2 stays a journey of its own.
STITCH_CSV = (
    "customer_id,anonymous_id,ts,event\n"
    "b,,2025-01-01 08:00:00,b1\n"
    ",ck-1,2025-01-01 09:00:00,anon_visit\n"
    "a9,ck-1,2025-01-01 10:00:00,login\n"
    "a10,,2025-01-02 10:00:00,a10_late\n"
    "a10,,2025-01-01 07:00:00,a10_early\n"
    ",ck-2,2025-01-01 06:00:00,lost\n"
)


def query_store(ws: Workspace, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    """Rows of ``sql`` on the workspace's store, through a read-only connection of its own."""
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def ws_factory(tmp_path: Path) -> Callable[..., Workspace]:
    """A workspace with only journeymap.yaml (the store needs no journeys)."""

    def make(name: str = "ws", timezone: str = "Europe/Amsterdam", extra: str = "") -> Workspace:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        (root / "journeymap.yaml").write_text(f"name: test\ntimezone: {timezone}\n{extra}", encoding="utf-8")
        return load_workspace(root)

    return make


@pytest.fixture
def ws(ws_factory: Callable[..., Workspace]) -> Workspace:
    return ws_factory()
