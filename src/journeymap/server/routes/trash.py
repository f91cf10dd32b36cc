"""``GET /api/v1/trash``: the journeys and personas deleted in the app or on disk, each with the revision that
restores it."""

from __future__ import annotations

from fastapi import APIRouter

from journeymap.model import yamlio
from journeymap.server import personas, revisions
from journeymap.server.auth import Viewer
from journeymap.server.db import SessionDep
from journeymap.server.schemas import Deleted

router = APIRouter(prefix="/api/v1", tags=["trash"])


def _title(text: str, key: str, fallback: str) -> str:
    try:
        doc = yamlio.load_text(text, "deleted")
    except yamlio.YamlSyntaxError:
        return fallback
    value = doc.get(key) if isinstance(doc, dict) else None
    return str(value) if value else fallback


@router.get("/trash", response_model=list[Deleted])
def list_trash(user: Viewer, db: SessionDep) -> list[Deleted]:
    """Newest first; ``restore`` is the URL to POST to bring each back (as a new revision)."""
    out = []
    for rev in revisions.deleted(db):
        if rev.journey_id.startswith(personas.PREFIX):
            pid = rev.journey_id[len(personas.PREFIX):]
            out.append(Deleted(type="persona", id=pid, title=_title(rev.content, "name", pid), revision=rev.number,
                               deleted_by=rev.author_name, deleted_at=rev.created_at.isoformat() + "Z",
                               restore=f"/api/v1/personas/{pid}/revisions/{rev.number}/restore"))
        else:
            jid = rev.journey_id
            out.append(Deleted(type="journey", id=jid, title=_title(rev.content, "title", jid), revision=rev.number,
                               deleted_by=rev.author_name, deleted_at=rev.created_at.isoformat() + "Z",
                               restore=f"/api/v1/journeys/{jid}/revisions/{rev.number}/restore"))
    return out
