"""Fixtures for the event store: workspaces with a time zone, and a real PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
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
