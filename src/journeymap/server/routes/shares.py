"""Share links: create, list and revoke (editors); open one without an account (``/share/TOKEN``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from journeymap.server import measures, shares
from journeymap.server.auth import Editor, Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.models import ShareLink, utcnow
from journeymap.server.schemas import DbId, ShareCreate
from journeymap.server.state import StateDep

router = APIRouter(tags=["shares"])


def _base(request: Request) -> str:
    return str(request.base_url)


@router.get("/api/v1/journeys/{journey_id}/shares")
def list_shares(journey_id: str, request: Request, user: Viewer, state: StateDep, db: SessionDep) \
        -> list[dict[str, Any]]:
    key = state.settings.signing_key()
    return [shares.as_json(s, key, _base(request)) for s in shares.listing(db, journey_id)]


@router.post("/api/v1/journeys/{journey_id}/shares", status_code=201)
def create_share(journey_id: str, body: ShareCreate, request: Request, user: Editor, state: StateDep,
                 db: SessionDep) -> dict[str, Any]:
    """A read-only link to this journey that works for ``days`` days or until revoked."""
    if journey_id not in state.files.workspace().journeys:
        raise ApiError(404, f"no journey {journey_id!r}")
    link = shares.create(db, user, journey_id, body.days, body.with_data)
    return shares.as_json(link, state.settings.signing_key(), _base(request))


@router.delete("/api/v1/shares/{share_id}", status_code=204)
def revoke_share(share_id: DbId, user: Editor, db: SessionDep) -> Response:
    link = db.get(ShareLink, share_id)
    if link is None:
        raise ApiError(404, f"no share link {share_id}")
    link.revoked_at = link.revoked_at or utcnow()
    db.commit()
    return Response(status_code=204)


@router.get("/share/{token}", response_class=HTMLResponse, include_in_schema=False)
def open_share(token: str, state: StateDep, db: SessionDep) -> HTMLResponse:
    """The shared journey map, read-only (the same self-contained page ``journeymap render`` writes)."""
    link = shares.resolve(db, state.settings.signing_key(), token)
    if link.journey_id not in state.files.workspace().journeys:
        raise ApiError(404, "the shared journey no longer exists")
    from journeymap.render import render_html

    if link.with_data:
        html: str | bytes = measures.living_map_html(state, link.journey_id)[1]
    else:
        html = render_html(state.files.workspace(), link.journey_id)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
                                       "Referrer-Policy": "no-referrer"})
