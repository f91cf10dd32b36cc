"""``/api/v1/journeys/{id}/revisions``: every saved version with author, time and diff; restore one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from journeymap.server import journeys, revisions
from journeymap.server.auth import Editor, Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.schemas import DbId, Saved
from journeymap.server.state import StateDep

router = APIRouter(prefix="/api/v1/journeys/{journey_id}/revisions", tags=["revisions"])


@router.get("")
def list_revisions(journey_id: str, user: Viewer, state: StateDep, db: SessionDep) -> list[dict[str, Any]]:
    """Newest first: number, kind (created, saved, restored, deleted, disk), author, time, ETag and the semantic
    diff; a deleted journey keeps its history."""
    rows = revisions.listing(db, journey_id)
    if not rows:
        journeys.current(state, journey_id)  # 404 with a suggestion when there is no such journey
    return [revisions.as_json(r) for r in rows]


@router.get("/{number}")
def get_revision(journey_id: str, number: DbId, user: Viewer, db: SessionDep) -> dict[str, Any]:
    """One revision with the whole YAML text of that version."""
    rev = revisions.get(db, journey_id, number)
    if rev is None:
        raise ApiError(404, f"journey {journey_id!r} has no revision {number}")
    return revisions.as_json(rev, content=True)


@router.post("/{number}/restore", response_model=Saved)
def restore_revision(journey_id: str, number: DbId, user: Editor, state: StateDep, db: SessionDep) -> Saved:
    """Make that version current again, as a new revision (a deleted journey comes back)."""
    saved = journeys.restore(state, db, user, journey_id, number)
    return Saved(id=journey_id, etag=saved.etag, revision=saved.revision.number, changes=saved.revision.changes)
