"""render_to_file: formats from suffixes, clear errors, and never a partial file."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.model.workspace import Workspace
from journeymap.render import output, render_to_file


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty output folder (the workspace itself lives elsewhere in tmp_path)."""
    out = tmp_path / "out"
    out.mkdir()
    return out


@pytest.mark.parametrize(("suffix", "start"), [(".html", b"<!DOCTYPE html>"), (".svg", b"<?xml"),
                                               (".md", b"# Zakelijk bestellen"), (".pdf", b"%PDF-"),
                                               (".png", b"\x89PNG")])
def test_format_from_suffix(ws_nl: Workspace, out_dir: Path, suffix: str, start: bytes) -> None:
    out = render_to_file(ws_nl, "bestellen", out_dir / "sub" / f"kaart{suffix}")
    assert out.read_bytes().startswith(start)
    assert [p.name for p in out.parent.iterdir()] == [f"kaart{suffix}"]  # no temporary file left


def test_fmt_overrides_the_suffix(ws_nl: Workspace, out_dir: Path) -> None:
    out = render_to_file(ws_nl, "bestellen", out_dir / "kaart.txt", fmt="md")
    assert out.read_text(encoding="utf-8").startswith("# Zakelijk bestellen")


def test_unknown_suffix_lists_the_valid_ones(ws_nl: Workspace, out_dir: Path) -> None:
    with pytest.raises(JourneymapError) as exc:
        render_to_file(ws_nl, "bestellen", out_dir / "kaart.docx")
    assert "unknown output format '.docx'" in exc.value.message
    assert "expected one of: .html, .md, .pdf, .png, .svg" in exc.value.message
    assert list(out_dir.iterdir()) == []


def test_unknown_fmt_and_missing_suffix(ws_nl: Workspace, out_dir: Path) -> None:
    with pytest.raises(JourneymapError, match=r"unknown output format 'jpeg'.*expected one of: html, md, pdf, png, svg"):
        render_to_file(ws_nl, "bestellen", out_dir / "kaart.png", fmt="jpeg")
    with pytest.raises(JourneymapError, match=r"it has no suffix; use one of: \.html, \.md, \.pdf, \.png, \.svg"):
        render_to_file(ws_nl, "bestellen", out_dir / "kaart")
    assert list(out_dir.iterdir()) == []


def test_unknown_journey_names_the_valid_ones(ws_nl: Workspace, out_dir: Path) -> None:
    with pytest.raises(JourneymapError, match=r"no journey 'bestelen'.*did you mean 'bestellen'"):
        render_to_file(ws_nl, "bestelen", out_dir / "kaart.html")
    assert list(out_dir.iterdir()) == []


def test_unwritable_path_gives_a_clear_error_and_no_file(ws_nl: Workspace, out_dir: Path) -> None:
    blocker = out_dir / "bestand"
    blocker.write_text("ik ben geen map", encoding="utf-8")
    target = blocker / "kaart.html"
    with pytest.raises(JourneymapError) as exc:
        render_to_file(ws_nl, "bestellen", target)
    assert "cannot write map to" in exc.value.message and "kaart.html" in exc.value.message
    assert sorted(p.name for p in out_dir.iterdir()) == ["bestand"]
    folder = out_dir / "map.html"
    folder.mkdir()
    with pytest.raises(JourneymapError, match="map.html: it is a folder"):
        render_to_file(ws_nl, "bestellen", folder)
    assert list(folder.iterdir()) == []


def test_failure_while_rendering_leaves_the_old_file_untouched(
    ws_nl: Workspace, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = out_dir / "kaart.pdf"
    out.write_bytes(b"old")

    def broken(*args: object) -> bytes:
        raise RuntimeError("layout failed")

    monkeypatch.setitem(output.FORMATS, "pdf", broken)
    with pytest.raises(RuntimeError):
        render_to_file(ws_nl, "bestellen", out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in out_dir.iterdir()] == ["kaart.pdf"]


def test_failure_while_writing_leaves_no_partial_file(
    ws_nl: Workspace, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(JourneymapError, match="No space left on device"):
        render_to_file(ws_nl, "bestellen", out_dir / "kaart.html")
    assert list(out_dir.iterdir()) == []
