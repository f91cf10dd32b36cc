"""The web app: the team's journey workspace in the browser (``journeymap serve``).

One ASGI process serves the JSON API (``/api/v1``), the pages (``ui/``) and live updates. The
workspace's YAML files stay the source of truth for maps; the app database holds only what has
no place in a workspace: users, sessions, API tokens, revisions, comments and share links.

Phases of a request: authentication (``auth``: a session cookie or a bearer token) → the role the
route needs (a dependency in its signature) → a service call (``journeys``, ``revisions``,
``comments``, ``shares``, or :mod:`journeymap.api` for everything measured) → JSON or a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from journeymap.server.settings import ServerSettings


def create_app(settings: ServerSettings) -> FastAPI:
    """The app for one workspace (see :func:`journeymap.server.app.create_app`)."""
    from journeymap.server.app import create_app as make

    return make(settings)
