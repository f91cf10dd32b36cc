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



@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Workspace]:
    """The demo webshop with events and feedback (small), one per language, made once per session."""
    from journeymap.events.demo import create_demo
    from journeymap.model.workspace import load_workspace
    from journeymap.voc.demo import generate_feedback
    from journeymap.voc.ingest import ingest_feedback

    made: dict[str, Workspace] = {}

    def make(lang: str) -> Workspace:
        if lang not in made:
            root = create_demo(tmp_path_factory.mktemp(f"demo-{lang}") / "shop", customers=1200, lang=lang,
                               quiet=True).root
            ws = load_workspace(root)
            ingest_feedback(ws, [generate_feedback(ws, seed=7)], quiet=True)
            made[lang] = ws
        return made[lang]

    return make
