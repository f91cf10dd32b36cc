"""Typical slips at the command line (a folder for a file, an empty delimiter) are one clear line, never a dump."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def _one_clear_line(res: Any, *needles: str) -> None:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    for needle in needles:
        assert needle in res.stderr, res.stderr


@pytest.fixture
def ws(make_workspace: Callable[..., Path], minimal_files: dict[str, str]) -> Path:
    return make_workspace(minimal_files)


@pytest.mark.parametrize("delimiter", ["", "\n", '"', "12345"])
def test_a_delimiter_that_cannot_split_columns(ws: Path, tmp_path: Path, run_cli, delimiter: str) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event\nc1,2025-01-01 10:00:00,view\n", encoding="utf-8")
    res = run_cli("ingest", "events", src, "-w", ws, "--delimiter", delimiter, "-q")
    _one_clear_line(res, "--delimiter", "cannot split CSV columns")
    assert not (ws / ".journeymap").exists() or not any((ws / ".journeymap").glob("*.duckdb"))


def test_sentiment_file_that_is_a_folder(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("sentiment", "--file", tmp_path)
    _one_clear_line(res, "is a folder", "one text per line")


def test_render_to_a_folder_or_under_a_file(ws: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out.html"
    folder.mkdir()
    _one_clear_line(run_cli("render", "shop", "-w", ws, "-o", folder), "cannot write map to", "it is a folder")
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    _one_clear_line(run_cli("render", "shop", "-w", ws, "-o", blocker / "map.html"),
                    "cannot write map to", "is a file, not a folder")
    assert blocker.read_text(encoding="utf-8") == "x"


def test_schema_to_a_folder(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    _one_clear_line(run_cli("schema", "-o", tmp_path), "cannot write the schema to", "it is a folder")


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_named(ws: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        res = run_cli("render", "shop", "-w", ws, "-o", locked / "map.html")
    finally:
        locked.chmod(0o700)
    _one_clear_line(res, "cannot write map to", "ermission denied")
    assert list(locked.iterdir()) == []  # no temporary file left behind


def test_quarantine_export_to_a_folder(ws: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event\nc1,not a time,view\n", encoding="utf-8")
    assert run_cli("ingest", "events", src, "-w", ws, "-q").exit_code == 0
    folder = tmp_path / "q.csv"
    folder.mkdir()
    _one_clear_line(run_cli("quarantine", "-w", ws, "--export", folder), "cannot write quarantine to", "folder")
    out = tmp_path / "q2.csv"
    res = run_cli("quarantine", "-w", ws, "--export", out)
    assert res.exit_code == 0, res.output
    assert "not a time" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["report.png", "report.svg", "report"])
def test_report_refuses_a_format_it_cannot_write(ws: Path, tmp_path: Path, run_cli, name: str) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "e.csv"
    src.write_text("customer_id,ts,event\nc1,2025-01-01 10:00:00,view\n", encoding="utf-8")
    assert run_cli("ingest", "events", src, "-w", ws, "-q").exit_code == 0
    _one_clear_line(run_cli("report", "shop", "-w", ws, "-o", tmp_path / name),
                    "give a name ending in .html or .pdf", "journeymap render")
    assert not (tmp_path / name).exists()
