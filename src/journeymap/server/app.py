"""The app factory: one FastAPI app per workspace with its database, watcher and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from journeymap import __version__
from journeymap.server import errors, logs
from journeymap.server.db import make_engine, migrate
from journeymap.server.live import Broadcaster
from journeymap.server.measures import Measures, settle_heap
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
    state = AppState(settings=settings, files=WorkspaceFiles(root), engine=engine,
                     sessionmaker=sessionmaker(engine, expire_on_commit=False), live=Broadcaster(),
                     measures=Measures(), git=settings.git_commit and in_repository(root))
    state.identities.watch(state.sessionmaker)
    return state


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
        settle_heap()  # the modules and the app built: long-lived, never walked by the collector again
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

    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """``nosniff``, ``same-origin`` referrers and no framing by other sites on every response.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``) streams every
    body through an extra task and queue, which cost a tenth of a cached request.
    """

    HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
               (b"x-frame-options", b"SAMEORIGIN"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
