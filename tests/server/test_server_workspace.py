"""The server beside the workspace: git commits per save, migrations, the CLI commands, live events."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import make_server


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def test_each_save_is_a_commit_authored_by_the_user(workspace: Path) -> None:
    _git(workspace, "init", "-q")
    _git(workspace, "-c", "user.name=setup", "-c", "user.email=setup@example.org", "add", "journeys", "personas",
         "journeymap.yaml")
    _git(workspace, "-c", "user.name=setup", "-c", "user.email=setup@example.org", "commit", "-qm", "start")
    server = next(make_server(workspace, None, git_commit=True))
    c, h = server.client, server.auth("editor")
    r = c.get("/api/v1/journeys/webshop", headers=h)
    r = c.put("/api/v1/journeys/webshop", json=dict(r.json(), title="Committed"), headers={**h, "If-Match": r.headers["etag"]})
    assert r.status_code == 200
    log = _git(workspace, "log", "--format=%an|%s", "-2").splitlines()
    assert log == ['editor|webshop: ~ journey · title: "Webshop customer journey" → "Committed"', "setup|start"]
    assert _git(workspace, "status", "--porcelain", "journeys") == ""


def test_migrations_create_exactly_the_models(tmp_path: Path, pg_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from journeymap.server.db import make_engine, migrate
    from journeymap.server.models import Base

    from .conftest import fresh_database

    class Request:  # the fixture lookup fresh_database needs
        def getfixturevalue(self, _name: str) -> str:
            return pg_url

    for url in (f"sqlite:///{tmp_path / 'app.sqlite'}", fresh_database("postgresql", Request())):  # type: ignore[arg-type]
        from journeymap.server.settings import ServerSettings

        engine = make_engine(ServerSettings(database_url=url).db_url())
        migrate(engine)
        migrate(engine)  # a second start changes nothing
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        engine.dispose()


def test_cli_users_add_and_tokens_create_give_a_working_token(workspace: Path, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    out = run_cli("users", "add", "maria", "--role", "editor", "--workspace", str(workspace))
    assert out.exit_code == 0 and "Added user maria (editor)." in out.stdout
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    short = run_cli("users", "add", "jan", "--workspace", str(workspace))
    assert short.exit_code == 1 and "too short" in short.stderr
    bad_role = run_cli("users", "add", "jan", "--role", "owner", "--workspace", str(workspace))
    assert bad_role.exit_code == 1 and "unknown role 'owner'" in bad_role.stderr
    token = run_cli("tokens", "create", "maria", "--workspace", str(workspace))
    assert token.exit_code == 0 and token.stdout.startswith("jm_")
    missing = run_cli("tokens", "create", "nobody", "--workspace", str(workspace))
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.stderr

    from fastapi.testclient import TestClient

    from journeymap.server import create_app
    from journeymap.server.settings import ServerSettings

    with TestClient(create_app(ServerSettings(workspace=workspace))) as c:
        r = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token.stdout.strip()}"})
    assert r.json() == {"name": "maria", "role": "editor", "active": True, "language": None}
    listed = run_cli("users", "list", "--workspace", str(workspace), "--format", "json")
    assert json.loads(listed.stdout) == {"users": [{"name": "maria", "role": "editor", "active": True}]}


def test_serve_refuses_a_folder_without_a_workspace(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("serve", "--workspace", str(tmp_path))
    assert out.exit_code == 1 and "journeymap.yaml not found" in out.stderr and "Traceback" not in out.output


def test_live_stream_carries_a_save(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    import threading

    c, h = sqlite_server.client, sqlite_server.auth("editor")
    r = c.get("/api/v1/journeys/webshop", headers=h)
    doc, etag = r.json(), r.headers["etag"]
    lines: list[str] = []
    subscribed = threading.Event()

    def listen() -> None:
        with c.stream("GET", "/api/v1/live", params={"seconds": 30}, headers=sqlite_server.auth("viewer")) as s:
            for line in s.iter_lines():
                lines.append(line)
                if line == "event: hello":
                    subscribed.set()
                if line.startswith("data: ") and '"type": "journey"' in line:
                    break

    t = threading.Thread(target=listen)
    t.start()
    assert subscribed.wait(30)  # the server says hello once subscribed: the save below cannot be missed
    saved = c.put("/api/v1/journeys/webshop", json=dict(doc, title="Live"), headers={**h, "If-Match": etag}).json()
    t.join(30)
    assert lines[:2] == ["retry: 1000", ""] and "event: hello" in lines
    events = [line for line in lines if line.startswith("data: ") and line != "data: {}"]
    assert any(f'"etag": "{saved["etag"]}"' in e and '"by": "editor"' in e and '"id": "webshop"' in e for e in events)


def test_a_persona_edited_on_disk_or_in_the_app_reaches_the_live_stream(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    import json
    import threading

    c = sqlite_server.client
    events: list[dict[str, object]] = []
    subscribed = threading.Event()

    def listen() -> None:
        with c.stream("GET", "/api/v1/live", params={"seconds": 30}, headers=sqlite_server.auth("viewer")) as s:
            for line in s.iter_lines():
                if line == "event: hello":
                    subscribed.set()
                elif line.startswith("data: ") and '"persona"' in line:
                    events.append(json.loads(line[6:]))
                    if len(events) == 2:
                        break

    t = threading.Thread(target=listen)
    t.start()
    assert subscribed.wait(30)
    path = sqlite_server.root / "personas" / "loyal-fan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Ingrid, the loyal fan", "name: Ingrid, edited"),
                    encoding="utf-8")
    sqlite_server.sync()
    h = sqlite_server.auth("editor")
    got = c.get("/api/v1/personas/busy-parent", headers=h)
    saved = c.put("/api/v1/personas/busy-parent", json=dict(got.json(), quote="Time is short"),
                  headers={**h, "If-Match": got.headers["etag"]})
    assert saved.status_code == 200, saved.text
    t.join(30)
    disk_etag = c.get("/api/v1/personas/loyal-fan", headers=h).headers["etag"].strip('"')
    assert [(e["id"], e["kind"], e["by"]) for e in events] == [("loyal-fan", "disk", "disk"),
                                                              ("busy-parent", "saved", "editor")]
    assert events[0]["etag"] == disk_etag


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pages_follow_the_language(sqlite_server, lang: str) -> None:  # type: ignore[no-untyped-def]
    from journeymap.i18n import t

    c = sqlite_server.client
    c.post("/api/v1/session", json={"name": "viewer", "password": "password-of-viewer"})
    c.get(f"/lang/{lang}", follow_redirects=False)
    page = c.get("/journeys/webshop/revisions")
    assert f'<html lang="{lang}">' in page.text and t("server.tabs.revisions", lang) in page.text
