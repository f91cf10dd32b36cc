"""Comments: threads on a journey, step, pain point or opportunity; mentions; resolve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from journeymap.server import comments
from journeymap.server.auth import Editor, Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.models import Comment
from journeymap.server.schemas import CommentCreate, CommentUpdate, DbId
from journeymap.server.state import StateDep

router = APIRouter(prefix="/api/v1", tags=["comments"])


def _journey(state: StateDep, journey_id: str) -> Any:
    ws = state.files.workspace()
    if journey_id not in ws.journeys:
        raise ApiError(404, f"no journey {journey_id!r}")
    return ws.journeys[journey_id]


@router.get("/journeys/{journey_id}/comments")
def list_comments(journey_id: str, user: Viewer, state: StateDep, db: SessionDep) -> list[dict[str, Any]]:
    _journey(state, journey_id)
    return [comments.as_json(c) for c in comments.listing(db, journey_id)]


@router.post("/journeys/{journey_id}/comments", status_code=201)
def add_comment(journey_id: str, body: CommentCreate, user: Editor, state: StateDep, db: SessionDep) \
        -> dict[str, Any]:
    """A comment, or a reply with ``parent``; ``@name`` mentions a user."""
    row = comments.add(db, user, _journey(state, journey_id), body.target, body.body, body.parent)
    out = comments.as_json(row)
    state.live.publish({"type": "comment", "id": journey_id, "comment": out})
    return out


@router.patch("/comments/{comment_id}")
def update_comment(comment_id: DbId, body: CommentUpdate, user: Editor, state: StateDep, db: SessionDep) \
        -> dict[str, Any]:
    """Resolve a thread (or open it again)."""
    row = db.get(Comment, comment_id)
    if row is None:
        raise ApiError(404, f"no comment {comment_id}")
    thread = comments.resolve(db, user, row, body.resolved)
    out = comments.as_json(thread)
    state.live.publish({"type": "comment", "id": thread.journey_id, "comment": out})
    return out


@router.delete("/comments/{comment_id}", status_code=204)
def delete_comment(comment_id: DbId, user: Editor, db: SessionDep) -> Response:
    """Delete your own comment (an admin may delete any); replies go with it."""
    row = db.get(Comment, comment_id)
    if row is None:
        raise ApiError(404, f"no comment {comment_id}")
    if row.author_id != user.id and not user.may("admin"):
        raise ApiError(403, "only its author or an admin may delete a comment")
    db.delete(row)
    db.commit()
    return Response(status_code=204)


@router.get("/me/mentions")
def my_mentions(user: Viewer, db: SessionDep) -> list[dict[str, Any]]:
    """Open comments that mention you."""
    return [comments.as_json(c) for c in comments.mentioning(db, user)]
