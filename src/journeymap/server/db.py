"""The app database: engine, sessions per request, and migrations with Alembic (shipped in the package)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from journeymap.errors import JourneymapError


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its folder, foreign keys on and WAL so readers never wait."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # a malformed URL or a driver that is not installed
        raise JourneymapError(f"cannot use the database URL: {type(exc).__name__}: {exc}") from exc
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` with the packaged Alembic migrations (idempotent)."""
    from alembic import command
    from alembic.config import Config

    script_dir = resources.files("journeymap.server").joinpath("migrations")
    cfg = Config()
    cfg.set_main_option("script_location", str(script_dir))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except Exception as exc:
        if isinstance(exc, JourneymapError):
            raise
        raise JourneymapError(f"cannot prepare the app database ({engine.url.render_as_string(hide_password=True)}): "
                              f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One database session per request, closed afterwards.

    Async, so that a request which never touches the database (most reads) costs no thread hop for it: a
    session takes a connection only when first used, and only then is closing it work for a thread.
    """
    maker: sessionmaker[Session] = request.app.state.sessionmaker
    session = maker()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_db)]
