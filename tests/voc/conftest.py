"""Fixtures for the voice-of-the-customer tests (helpers live in voc_helpers.py, importable by name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from voc_helpers import write_events, write_workspace

from journeymap.model.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return write_workspace(tmp_path / "shop")


@pytest.fixture
def ws_events(ws: Workspace) -> Workspace:
    write_events(ws)
    return ws
