"""Shared fixtures: small workspaces built in memory (dbt style) and the real CLI in-process."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

# The CLI's consoles are made when journeymap.cli is first imported, and take their width then: wide, so
# that a long temporary path never wraps a line a test looks for.
os.environ["COLUMNS"] = "200"


def write_workspace(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: YAML text}`` under ``root``; texts are dedented."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_workspace(tmp_path: Path) -> Callable[..., Path]:
    def make(files: dict[str, str], name: str = "ws") -> Path:
        return write_workspace(tmp_path / name, files)

    return make


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``journeymap ARGS`` through the real entry point (error handling included)."""
    from journeymap.cli import main

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["journeymap", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run


MINIMAL = {
    "journeymap.yaml": """
        name: Test
        language: en
    """,
    "personas/shopper.yaml": """
        id: shopper
        name: Sam the shopper
        channels: [web, email]
    """,
    "journeys/shop.yaml": """
        # a tiny journey
        id: shop
        title: Shop
        personas: [shopper]
        stages:
          - id: aware
            name: Awareness
          - id: buy
            name: Buy
        steps:
          - id: ad
            name: Sees an ad
            stage: aware
            channel: social
          - id: cart
            name: Fills the cart
            stage: buy
            channel: web
          - id: pay
            name: Pays
            stage: buy
            channel: web
    """,
}


@pytest.fixture
def minimal_files() -> dict[str, str]:
    return dict(MINIMAL)
