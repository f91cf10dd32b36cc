"""Commands for the web app: serve, users add, tokens create."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from journeymap.cli import app
from journeymap.cli.common import QuietOption, console, err_console

users_app = typer.Typer(help="Accounts of the web app (journeymap serve).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for scripts that call the web app's API.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")

ServeWorkspace = typer.Option(Path("."), "--workspace", "-w", help="The workspace folder (default: current).")
DatabaseOption = typer.Option(None, "--database-url", envvar="JOURNEYMAP_DATABASE_URL", show_envvar=True,
                              help="The app database (default: SQLite at data/app.sqlite in the workspace; "
                                   "postgresql://user@host/db for a team).")


def _settings(workspace: Path, database_url: str | None, **more: object):  # type: ignore[no-untyped-def]
    from journeymap.server.settings import ServerSettings

    values: dict[str, object] = {"workspace": workspace, **more}
    if database_url:
        values["database_url"] = database_url
    return ServerSettings(**values)  # type: ignore[arg-type]


def _database(workspace: Path, database_url: str | None):  # type: ignore[no-untyped-def]
    """A session on the app database, migrated to the newest schema."""
    from sqlalchemy.orm import Session

    from journeymap.model.workspace import find_root
    from journeymap.server.db import make_engine, migrate

    settings = _settings(find_root(workspace), database_url)
    engine = make_engine(settings.db_url())
    migrate(engine)
    return Session(engine)


@app.command()
def serve(
    workspace: Path = ServeWorkspace,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface; "
                             "put a TLS reverse proxy in front, see docs/server.md)."),
    port: int = typer.Option(8400, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    database_url: str = DatabaseOption,
    git_commit: bool = typer.Option(False, "--git-commit", envvar="JOURNEYMAP_GIT_COMMIT",
                                    help="Commit every save to git, authored by the user (workspace in git)."),
    cookie_secure: bool = typer.Option(False, "--cookie-secure", envvar="JOURNEYMAP_COOKIE_SECURE",
                                       help="Send session cookies over HTTPS only (behind a TLS proxy)."),
    quiet: bool = QuietOption,
) -> None:
    """Start the web app (API and pages) for a workspace: journeys edited in the browser, live with their data."""
    import uvicorn

    from journeymap.server import create_app

    settings = _settings(workspace, database_url, host=host, port=port, git_commit=git_commit,
                         cookie_secure=cookie_secure)
    web = create_app(settings)
    root = web.state.settings.workspace
    if not quiet:
        err_console.print(f"journeymap serves {root.name} on http://{host}:{port} (Ctrl+C stops it)")
    uvicorn.run(web, host=host, port=port, log_level="warning" if quiet else "info", proxy_headers=True,
                forwarded_allow_ips="127.0.0.1")


def _read_password(name: str) -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="The user's name (letters, digits, '.', '_', '-'); used in @mentions."),
    role: str = typer.Option("viewer", "--role", "-r", help="viewer (reads), editor (edits), admin (manages users)."),
    workspace: Path = ServeWorkspace,
    database_url: str = DatabaseOption,
    quiet: bool = QuietOption,
) -> None:
    """Add a user to the web app; the password is read from standard input or prompted for."""
    from journeymap.server.auth import add_user, check_password, check_role

    check_role(role)
    password = check_password(_read_password(name))
    with _database(workspace, database_url) as db:
        add_user(db, name, password, role)
    if not quiet:
        console.print(f"Added user {name} ({role}).")


@users_app.command("list")
def users_list(workspace: Path = ServeWorkspace, database_url: str = DatabaseOption,
               fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
               quiet: bool = QuietOption) -> None:
    """List the web app's users with their roles."""
    import pandas as pd
    from sqlalchemy import select

    from journeymap.cli.output import emit, output_format
    from journeymap.server.models import User

    with _database(workspace, database_url) as db:
        rows = [{"name": u.name, "role": u.role, "active": bool(u.active)}
                for u in db.scalars(select(User).order_by(User.name))]
    emit({"users": pd.DataFrame(rows, columns=["name", "role", "active"])}, output_format(fmt))


@tokens_app.command("create")
def tokens_create(
    name: str = typer.Argument(..., help="The user the token acts as (with that user's role)."),
    label: str = typer.Option("", "--label", help="What the token is for (shown in the user's settings)."),
    workspace: Path = ServeWorkspace,
    database_url: str = DatabaseOption,
    fmt: str = typer.Option("table", "--format", "-f", help="table (the token alone), json or csv."),
    quiet: bool = QuietOption,
) -> None:
    """Create an API token for a user and print it (only once): send it as 'Authorization: Bearer TOKEN'."""
    from journeymap.cli.output import emit, output_format
    from journeymap.server.auth import create_token, user_named

    with _database(workspace, database_url) as db:
        token = create_token(db, user_named(db, name), label)
    kind = output_format(fmt)
    if kind == "table":
        print(token)  # alone on its line, for scripts: TOKEN=$(journeymap tokens create maria -q)
    else:
        import pandas as pd

        emit({"token": pd.DataFrame([{"user": name, "label": label, "token": token}])}, kind)
