"""``/api/v1/personas``: the workspace's personas, read and edited like journeys (ETag / If-Match)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response

from journeymap.server import personas
from journeymap.server.auth import Editor, Viewer
from journeymap.server.schemas import PersonaOut
from journeymap.server.state import StateDep

router = APIRouter(prefix="/api/v1/personas", tags=["personas"])


@router.get("", response_model=list[PersonaOut])
def list_personas(user: Viewer, state: StateDep) -> list[PersonaOut]:
    ws = state.files.workspace()
    return [PersonaOut(id=p.id, name=p.name, role=p.role, etag=personas.current(state, pid).etag)
            for pid, p in sorted(ws.personas.items())]


@router.get("/{persona_id}")
def get_persona(persona_id: str, user: Viewer, state: StateDep, response: Response) -> dict[str, Any]:
    version = personas.current(state, persona_id)
    response.headers["ETag"] = f'"{version.etag}"'
    return version.document


@router.put("/{persona_id}")
def put_persona(persona_id: str, body: Annotated[dict[str, Any], Body()], user: Editor, state: StateDep,
                response: Response, if_match: Annotated[str | None, Header()] = None) -> dict[str, str]:
    etag = personas.save(state, persona_id, body, if_match)
    response.headers["ETag"] = f'"{etag}"'
    return {"id": persona_id, "etag": etag}
