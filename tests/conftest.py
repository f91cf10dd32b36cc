"""Shared fixtures: small workspaces built in memory (dbt style) and the real CLI in-process."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The CLI's consoles are made when journeymap.cli is first imported, and take their width then: wide, so
# that a long temporary path never wraps a line a test looks for.
os.environ["COLUMNS"] = "200"
# Parses of workspace files are kept in a folder of this test run, not the user's ~/.cache (the commands the
# tests start inherit it).
os.environ.setdefault("JOURNEYMAP_CACHE_DIR", tempfile.mkdtemp(prefix="journeymap-test-cache-"))


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


# --- a real PostgreSQL server (database ingest, the web app's database) ----------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster (or ``JOURNEYMAP_TEST_PG_URL``); skips only without PostgreSQL binaries."""
    env = os.environ.get("JOURNEYMAP_TEST_PG_URL")
    if env:
        yield env
        return
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries (initdb) installed; apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="journeymap-pg-"))
    data, log = base / "data", base / "server.log"
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the cluster as the postgres user
        import pwd

        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                    "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        import psycopg

        for _ in range(50):
            try:
                psycopg.connect(url).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
