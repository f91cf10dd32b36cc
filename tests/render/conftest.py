"""Workspaces for the renderer tests, built from YAML strings in tmp_path (dbt style)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from render_samples import JOURNEY, PERSONAS, write_workspace

from journeymap.model.workspace import Workspace


@pytest.fixture
def make_ws(tmp_path: Path) -> Callable[..., Workspace]:
    """Build a workspace from ``{file name: YAML text}``; default: the Dutch ordering journey."""
    counter = iter(range(1000))

    def make(files: dict[str, str] | None = None, language: str = "nl", strict: bool = True) -> Workspace:
        root = tmp_path / f"ws{next(counter)}"
        root.mkdir()
        return write_workspace(root, files if files is not None else {**PERSONAS, "journeys/bestellen.yaml": JOURNEY},
                               language, strict)

    return make


@pytest.fixture
def ws_nl(make_ws: Callable[..., Workspace]) -> Workspace:
    return make_ws()


@pytest.fixture
def ws_en(make_ws: Callable[..., Workspace]) -> Workspace:
    return make_ws(language="en")

