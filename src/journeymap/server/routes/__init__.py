"""The API's routers, one file per resource; :data:`ROUTERS` is what the app includes."""

from __future__ import annotations

from journeymap.server.routes import (
    comments,
    health,
    journeys,
    live,
    measures,
    personas,
    revisions,
    session,
    shares,
    tokens,
    trash,
    users,
    workshop,
)

ROUTERS = [health.router, session.router, journeys.router, revisions.router, comments.router, shares.router,
           personas.router, measures.router, users.router, tokens.router, trash.router, workshop.router, live.router]
