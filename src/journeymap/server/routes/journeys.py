"""``/api/v1/journeys``: list, create from a template, read (with an ETag), save (with If-Match), validate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response

from journeymap.server import journeys
from journeymap.server.auth import Editor, Viewer
from journeymap.server.caching import etagged
from journeymap.server.db import SessionDep
from journeymap.server.fastpath import answer
from journeymap.server.schemas import JourneyCreate, JourneySummary, Saved
from journeymap.server.state import StateDep

router = APIRouter(prefix="/api/v1/journeys", tags=["journeys"])

JourneyBody = Annotated[dict[str, Any], Body(description="the whole journey as JSON, as GET returned it, edited")]


@router.get("", response_model=list[JourneySummary])
def list_journeys(user: Viewer, state: StateDep) -> list[JourneySummary]:
    """Every journey of the workspace, with its version and how many errors its file has."""
    ws = state.files.workspace()
    out = []
    for jid in sorted(ws.journeys):
        j, src = ws.journeys[jid], ws.journey_files[jid]
        version = state.files.read(jid)
        errors = sum(1 for d in ws.errors if d.file == src.display)
        out.append(JourneySummary(id=jid, title=j.title, path=version.rel, etag=version.etag, steps=len(j.steps),
                                  stages=len(j.stages), personas=j.personas, errors=errors))
    return out


@router.post("", status_code=201, response_model=Saved)
def create_journey(body: JourneyCreate, user: Editor, state: StateDep, db: SessionDep, response: Response) -> Saved:
    """A new journey from a starter template (webshop, b2b, subscription) or blank."""
    saved = journeys.create(state, db, user, journey_id=body.id, title=body.title, template=body.template,
                            lang=body.lang)
    response.headers["ETag"] = f'"{saved.etag}"'
    response.headers["Location"] = f"/api/v1/journeys/{saved.journey_id}"
    return Saved(id=saved.journey_id, etag=saved.etag, revision=saved.revision.number, changes=saved.revision.changes)


@router.get("/{journey_id}", response_model=None, responses={
    200: {"description": "the journey document", "content": {"application/json": {"schema": {"type": "object"}}}},
    304: {"description": "not modified: the ETag in If-None-Match is still the version"}})
async def get_journey(journey_id: str, user: Viewer, state: StateDep, request: Request) -> Response:
    """The journey document as JSON (what its YAML file holds); its version is the ``ETag`` header (send it in
    ``If-None-Match`` to get 304 while it is unchanged)."""

    def read() -> Response:
        version = journeys.current(state, journey_id)
        return etagged(request, version.json_bytes(), f'"{version.etag}"', "application/json")

    return await answer(read)


@router.put("/{journey_id}", response_model=Saved)
def put_journey(journey_id: str, body: JourneyBody, user: Editor, state: StateDep, db: SessionDep,
                response: Response, if_match: Annotated[str | None, Header()] = None) -> Saved:
    """Save the journey: 200 and the YAML file updated (comments and order kept); a stale ``If-Match`` gives 412
    with the current version and the other person's changes; an invalid document 422 with file:line diagnostics."""
    saved = journeys.save(state, db, user, journey_id, body, if_match)
    response.headers["ETag"] = f'"{saved.etag}"'
    return Saved(id=journey_id, etag=saved.etag, revision=saved.revision.number, changes=saved.revision.changes)


@router.delete("/{journey_id}")
def delete_journey(journey_id: str, user: Editor, state: StateDep, db: SessionDep,
                   if_match: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """Delete the journey's file (send its ETag in ``If-Match``); its last version stays as a revision, so
    ``POST /journeys/{id}/revisions/{number}/restore`` brings it back (``GET /trash`` lists what was deleted)."""
    rev = journeys.delete(state, db, user, journey_id, if_match)
    return {"id": journey_id, "revision": rev.number, "changes": rev.changes}


@router.post("/{journey_id}/validate")
def validate_journey(journey_id: str, body: JourneyBody, user: Viewer, state: StateDep) -> dict[str, Any]:
    """What ``journeymap validate`` would say if this were saved (nothing is written)."""
    checked = journeys.validate(state, journey_id, body)
    return {"valid": not checked.errors, "diagnostics": checked.as_json()}
