"""The app factory: one FastAPI app per workspace with its database, watcher and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker

from journeymap import __version__
from journeymap.server import errors, logs
from journeymap.server.db import make_engine, migrate
from journeymap.server.live import Broadcaster
from journeymap.server.measures import Measures
from journeymap.server.settings import ServerSettings
from journeymap.server.state import AppState
from journeymap.server.workspace import WorkspaceFiles

log = logging.getLogger("journeymap.server")


def build_state(settings: ServerSettings) -> AppState:
    """Everything the app holds, ready: the workspace found, the database migrated to the newest schema."""
    from journeymap.model.workspace import find_root
    from journeymap.server.gitcommit import in_repository

    root = find_root(settings.workspace)
    settings = settings.model_copy(update={"workspace": root})
    engine = make_engine(settings.db_url())
    migrate(engine)
    settings.signing_key()
    return AppState(settings=settings, files=WorkspaceFiles(root), engine=engine,
                    sessionmaker=sessionmaker(engine, expire_on_commit=False), live=Broadcaster(),
                    measures=Measures(), git=settings.git_commit and in_repository(root))


async def _watch(state: AppState) -> None:
    """Notice edits made on disk: a revision for each, and a live event to the open pages."""
    from journeymap.server.journeys import sync_from_disk

    last = None
    while True:
        try:
            fp = await asyncio.to_thread(state.files.fingerprint)
            if fp != last:
                last = fp

                def sync() -> None:
                    with state.sessionmaker() as db:
                        sync_from_disk(state, db)

                await asyncio.to_thread(sync)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a half-written file, a locked database: try again next round
            log.warning("watching the workspace: %s: %s", type(exc).__name__, exc)
        await asyncio.sleep(state.settings.watch_seconds)


def create_app(settings: ServerSettings) -> FastAPI:
    state = build_state(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.live.bind(asyncio.get_running_loop())
        task = asyncio.create_task(_watch(state))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            state.engine.dispose()

    app = FastAPI(title="journeymap", version=__version__, lifespan=lifespan,
                  description="The team's journey workspace: journeys as YAML, edited in the browser. "
                  "Authenticate with `Authorization: Bearer TOKEN` (journeymap tokens create NAME) or a session.")
    app.state.app = state
    app.state.settings = state.settings
    app.state.sessionmaker = state.sessionmaker
    logs.install()
    errors.install(app)

    from journeymap.server.routes import ROUTERS
    from journeymap.server.ui import STATIC_DIR
    from journeymap.server.ui.pages import router as pages

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def _headers(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    return app
