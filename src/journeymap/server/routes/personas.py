"""``/api/v1/personas``: the workspace's personas, created, read, edited and deleted like journeys (ETag /
If-Match), each change a revision that can be restored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response

from journeymap.server import personas, revisions
from journeymap.server.auth import Editor, Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.schemas import DbId, PersonaCreate, PersonaOut
from journeymap.server.state import StateDep

router = APIRouter(prefix="/api/v1/personas", tags=["personas"])


@router.get("", response_model=list[PersonaOut])
def list_personas(user: Viewer, state: StateDep) -> list[PersonaOut]:
    ws = state.files.workspace()
    return [PersonaOut(id=p.id, name=p.name, role=p.role, etag=personas.current(state, pid).etag)
            for pid, p in sorted(ws.personas.items())]


@router.post("", status_code=201)
def create_persona(body: PersonaCreate, user: Editor, state: StateDep, db: SessionDep, response: Response) \
        -> dict[str, Any]:
    """A new persona (``personas/ID.yaml``); a revision records it."""
    etag, rev = personas.create(state, db, user, body.id, body.name, body.role)
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Location"] = f"/api/v1/personas/{body.id}"
    return {"id": body.id, "etag": etag, "revision": rev.number, "changes": rev.changes}


@router.get("/{persona_id}")
def get_persona(persona_id: str, user: Viewer, state: StateDep, response: Response) -> dict[str, Any]:
    version = personas.current(state, persona_id)
    response.headers["ETag"] = f'"{version.etag}"'
    return version.document


@router.put("/{persona_id}")
def put_persona(persona_id: str, body: Annotated[dict[str, Any], Body()], user: Editor, state: StateDep,
                db: SessionDep, response: Response, if_match: Annotated[str | None, Header()] = None) -> dict[str, str]:
    """Save the persona (comments and order kept; a revision with its diff); a stale ``If-Match`` gives 412."""
    etag = personas.save(state, db, user, persona_id, body, if_match)
    response.headers["ETag"] = f'"{etag}"'
    return {"id": persona_id, "etag": etag}


@router.delete("/{persona_id}")
def delete_persona(persona_id: str, user: Editor, state: StateDep, db: SessionDep,
                   if_match: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """Delete the persona's file (409 while a journey refers to it, naming where); its last version stays as a
    revision, so ``POST …/revisions/{number}/restore`` brings it back."""
    rev = personas.delete(state, db, user, persona_id, if_match)
    return {"id": persona_id, "revision": rev.number, "changes": rev.changes}


@router.get("/{persona_id}/revisions")
def list_persona_revisions(persona_id: str, user: Viewer, db: SessionDep) -> list[dict[str, Any]]:
    """Newest first: number, kind (created, saved, restored, deleted, disk), author, time and the diff."""
    rows = revisions.listing(db, personas.subject(persona_id))
    if not rows:
        raise ApiError(404, f"no persona {persona_id!r} with a history")
    return [revisions.as_json(r) for r in rows]


@router.post("/{persona_id}/revisions/{number}/restore")
def restore_persona(persona_id: str, number: DbId, user: Editor, state: StateDep, db: SessionDep) -> dict[str, Any]:
    """Make that version current again, as a new revision (a deleted persona comes back)."""
    etag, rev = personas.restore(state, db, user, persona_id, number)
    return {"id": persona_id, "etag": etag, "revision": rev.number, "changes": rev.changes}
