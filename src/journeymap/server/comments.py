"""Comments and threads on a journey, a step, a pain point or an opportunity, with @mentions and resolve."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeymap.model.types import Journey
from journeymap.server.errors import ApiError
from journeymap.server.models import Comment, User, utcnow

MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9][A-Za-z0-9._-]{0,79})")


def check_target(journey: Journey, target: str) -> str:
    """``journey``, ``step:ID``, ``pain:STEP:N`` or ``opportunity:ID``, naming something on the map."""
    kind, _, rest = target.partition(":")
    steps = {s.id: s for s in journey.steps}
    ok = (target == "journey"
          or (kind == "step" and rest in steps)
          or (kind == "opportunity" and rest in {o.id for o in journey.opportunities}))
    if kind == "pain":
        step, _, index = rest.partition(":")
        ok = step in steps and index.isdigit() and int(index) < len(steps[step].pain_points)
    if not ok:
        raise ApiError(422, f"cannot comment on {target!r} in journey {journey.id!r}: write journey, step:STEP, "
                       "pain:STEP:N (the pain point's position, from 0) or opportunity:ID of an existing item")
    return target


def mentions(db: Session, body: str) -> list[str]:
    """The users named as @name in ``body`` that exist."""
    names = {m.group(1).rstrip(".") for m in MENTION.finditer(body)}
    if not names:
        return []
    return sorted(db.scalars(select(User.name).where(User.name.in_(names))))


def add(db: Session, user: User, journey: Journey, target: str, body: str, parent_id: int | None) -> Comment:
    body = body.strip()
    if not body:
        raise ApiError(422, "a comment needs text")
    if parent_id is not None:
        parent = db.get(Comment, parent_id)
        if parent is None or parent.journey_id != journey.id:
            raise ApiError(422, f"no comment {parent_id} on journey {journey.id!r} to reply to")
        target = parent.target
        parent_id = parent.parent_id or parent.id  # a reply to a reply joins the same thread
    check_target(journey, target)
    row = Comment(journey_id=journey.id, target=target, parent_id=parent_id, author_id=user.id, author_name=user.name,
                  body=body, mentions=mentions(db, body))
    db.add(row)
    db.commit()
    return row


def listing(db: Session, journey_id: str) -> list[Comment]:
    return list(db.scalars(select(Comment).where(Comment.journey_id == journey_id).order_by(Comment.id)))


def resolve(db: Session, user: User, comment: Comment, resolved: bool) -> Comment:
    thread = db.get(Comment, comment.parent_id) if comment.parent_id else comment
    assert thread is not None
    thread.resolved_at = utcnow() if resolved else None
    thread.resolved_by = user.name if resolved else None
    db.commit()
    return thread


def mentioning(db: Session, user: User) -> list[Comment]:
    rows = db.scalars(select(Comment).where(Comment.resolved_at.is_(None)).order_by(Comment.id.desc()).limit(500))
    return [c for c in rows if user.name in (c.mentions or [])]


def as_json(c: Comment) -> dict[str, Any]:
    return {"id": c.id, "journey": c.journey_id, "target": c.target, "parent": c.parent_id, "author": c.author_name,
            "body": c.body, "mentions": c.mentions or [], "at": c.created_at.isoformat() + "Z",
            "resolved": c.resolved_at is not None, "resolved_by": c.resolved_by}
