"""``journeymap diff`` passes only real commits to git, and reads non-UTF-8 files with a clear error."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

JOURNEY = """\
id: shop
title: Shop
stages:
  - id: buy
    name: Buy
steps:
  - id: pay
    name: Pays
    stage: buy
    channel: web
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "journeys").mkdir(parents=True)
    (repo / "journeys" / "shop.yaml").write_text(JOURNEY, encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    return repo


@pytest.mark.parametrize("rev", ["--output=/OUT", "-o/OUT", "--output=/OUT HEAD"])
def test_an_option_as_revision_writes_nothing(repo: Path, tmp_path: Path, rev: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "written.txt"
    rev = rev.replace("/OUT", str(out))
    res = run_cli("diff", "--", f"{rev}:journeys/shop.yaml", "journeys/shop.yaml", cwd=repo)
    assert res.exit_code == 1
    assert f"error: not a git revision: {rev!r}" in res.stderr
    assert not list(tmp_path.glob("written*"))  # git would have written "written.txt:journeys/shop.yaml"
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr


def test_an_unknown_revision_is_named(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    res = run_cli("diff", "nosuchbranch:journeys/shop.yaml", "journeys/shop.yaml", cwd=repo)
    assert res.exit_code == 1
    assert "not a git revision: 'nosuchbranch'" in res.stderr


def test_a_real_revision_still_works(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (repo / "journeys" / "shop.yaml").write_text(JOURNEY.replace("name: Pays", "name: Pays now"), encoding="utf-8")
    res = run_cli("diff", "HEAD:journeys/shop.yaml", "journeys/shop.yaml", "--format", "text", cwd=repo)
    assert res.exit_code == 0, res.stderr
    assert "~ step 'pay' · name: \"Pays\" → \"Pays now\"" in res.stdout


def test_a_non_utf8_file_is_a_one_line_error(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    bad = repo / "latin1.yaml"
    bad.write_bytes(JOURNEY.replace("Pays", "Payé").encode("latin-1"))
    res = run_cli("diff", "journeys/shop.yaml", str(bad), cwd=repo)
    assert res.exit_code == 1
    assert "is not UTF-8 text" in res.stderr and "latin1.yaml" in res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
