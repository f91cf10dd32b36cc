"""What one running app holds: its settings, the workspace files, the database, live updates, cached figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from journeymap.server.auth import Identities
from journeymap.server.live import Broadcaster
from journeymap.server.measures import Measures
from journeymap.server.settings import ServerSettings
from journeymap.server.workshop import Workshops
from journeymap.server.workspace import WorkspaceFiles


@dataclass
class AppState:
    settings: ServerSettings
    files: WorkspaceFiles
    engine: Engine
    sessionmaker: sessionmaker[Session]
    live: Broadcaster
    measures: Measures
    git: bool = False        # saves become commits (setting on and the workspace in a git repository)
    identities: Identities = field(default_factory=Identities)  # who each credential is, checked recently
    workshops: Workshops = field(default_factory=Workshops)     # timers and dot votes of the workshops now


async def get_state(request: Request) -> AppState:
    return request.app.state.app  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]
