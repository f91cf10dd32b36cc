"""``/api/v1/journeys/{id}/workshop``: the workshop's timer and dot-voting on ideas (the journey's opportunities).

Anyone who may read the journey takes part in the voting (a workshop's participants are often viewers); the
facilitator's controls, the timer and a new round, need the editor role.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from journeymap.server.auth import Editor, Viewer
from journeymap.server.errors import ApiError
from journeymap.server.schemas import RoundIn, TimerIn, VoteIn
from journeymap.server.state import AppState, StateDep
from journeymap.server.workshop import Session

router = APIRouter(prefix="/api/v1/journeys/{journey_id}/workshop", tags=["workshop"])


def _ideas(state: AppState, journey_id: str) -> set[str]:
    ws = state.files.workspace()
    if journey_id not in ws.journeys:
        raise ApiError(404, f"no journey {journey_id!r}")
    return {o.id for o in ws.journeys[journey_id].opportunities}


def _changed(state: AppState, journey_id: str, session: Session, user: str) -> dict[str, Any]:
    state.live.publish({"type": "workshop", "id": journey_id, "by": user})
    return session.as_json(user)


@router.get("")
def get_workshop(journey_id: str, user: Viewer, state: StateDep) -> dict[str, Any]:
    """The timer (end, length, seconds remaining, who started it), the dots per person, the votes per idea, your own
    votes and how many dots you have left."""
    _ideas(state, journey_id)
    return state.workshops.get(journey_id).as_json(user.name)


@router.put("/timer")
def start_timer(journey_id: str, body: TimerIn, user: Editor, state: StateDep) -> dict[str, Any]:
    """Start (or restart) the timer for everyone in the workshop."""
    _ideas(state, journey_id)
    return _changed(state, journey_id, state.workshops.start_timer(journey_id, body.seconds, user.name), user.name)


@router.delete("/timer")
def stop_timer(journey_id: str, user: Editor, state: StateDep) -> dict[str, Any]:
    _ideas(state, journey_id)
    return _changed(state, journey_id, state.workshops.stop_timer(journey_id), user.name)


@router.put("/round")
def new_round(journey_id: str, body: RoundIn, user: Editor, state: StateDep) -> dict[str, Any]:
    """A new voting round: every vote is cleared and each person gets ``dots`` dots."""
    _ideas(state, journey_id)
    return _changed(state, journey_id, state.workshops.new_round(journey_id, body.dots), user.name)


@router.post("/votes")
def vote(journey_id: str, body: VoteIn, user: Viewer, state: StateDep) -> dict[str, Any]:
    """Put one of your dots on an idea (409 when all are placed)."""
    ideas = _ideas(state, journey_id)
    return _changed(state, journey_id, state.workshops.vote(journey_id, user.name, body.idea, ideas), user.name)


@router.delete("/votes/{idea}")
def unvote(journey_id: str, idea: str, user: Viewer, state: StateDep) -> dict[str, Any]:
    """Take one of your dots back from an idea."""
    _ideas(state, journey_id)
    return _changed(state, journey_id, state.workshops.unvote(journey_id, user.name, idea), user.name)
