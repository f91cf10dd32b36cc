"""The web app on a real workspace with events and feedback (the demo, small), on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROLES = ("viewer", "editor", "admin")


def password(role: str) -> str:
    return f"password-of-{role}"


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace (webshop, 400 customers' events and their feedback), made once per session."""
    from journeymap import api

    root = tmp_path_factory.mktemp("demo") / "shop"
    api.demo(root, customers=400, lang="en")
    return root


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def fresh_database(kind: str, request: pytest.FixtureRequest) -> str | None:
    """None (SQLite in the workspace) or the URL of a new, empty PostgreSQL database."""
    if kind == "sqlite":
        return None
    import psycopg

    base = request.getfixturevalue("pg_url")
    name = "jm_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


@dataclass
class Server:
    """A running app (in process) with one user and one API token per role."""

    root: Path
    app: object
    client: object
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.app.state.app  # type: ignore[attr-defined]

    def sync(self) -> None:
        from journeymap.server.journeys import sync_from_disk

        with self.state.sessionmaker() as db:
            sync_from_disk(self.state, db)


def make_server(root: Path, database_url: str | None, **settings: object) -> Iterator[Server]:
    from fastapi.testclient import TestClient

    from journeymap.server import create_app
    from journeymap.server.auth import add_user, create_token
    from journeymap.server.settings import ServerSettings

    app = create_app(ServerSettings(workspace=root, database_url=database_url, watch_seconds=0.2, **settings))
    state = app.state.app
    tokens = {}
    with state.sessionmaker() as db:
        for role in ROLES:
            user = add_user(db, role, password(role), role)
            tokens[role] = create_token(db, user, "tests")
    with TestClient(app) as client:
        server = Server(root, app, client, tokens)
        server.sync()
        yield server


@pytest.fixture
def workspace(demo_root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(demo_root, target, ignore=shutil.ignore_patterns("app.sqlite*", "server-secret"))
    return target


@pytest.fixture
def server(workspace: Path, db_kind: str, request: pytest.FixtureRequest) -> Iterator[Server]:
    """The app on a copy of the demo workspace, its database SQLite or PostgreSQL (the test runs on both)."""
    yield from make_server(workspace, fresh_database(db_kind, request))


@pytest.fixture
def sqlite_server(workspace: Path) -> Iterator[Server]:
    """The app on SQLite only, for tests about the workspace rather than the database."""
    yield from make_server(workspace, None)
