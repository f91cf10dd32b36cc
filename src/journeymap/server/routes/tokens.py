"""``/api/v1/tokens``: your API tokens for scripts (the text is shown once)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select

from journeymap.server import auth
from journeymap.server.auth import Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.models import ApiToken, utcnow
from journeymap.server.schemas import DbId, TokenCreate, TokenOut

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


def _out(t: ApiToken) -> TokenOut:
    return TokenOut(id=t.id, label=t.label, created_at=t.created_at.isoformat() + "Z",
                    last_used_at=t.last_used_at.isoformat() + "Z" if t.last_used_at else None,
                    revoked=t.revoked_at is not None)


@router.get("", response_model=list[TokenOut])
def list_tokens(user: Viewer, db: SessionDep) -> list[TokenOut]:
    return [_out(t) for t in db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))]


@router.post("", status_code=201)
def create_token(body: TokenCreate, user: Viewer, db: SessionDep) -> dict[str, Any]:
    """A new token acting as you, with your role; keep it secret, it is not shown again."""
    return {"token": auth.create_token(db, user, body.label), "label": body.label}


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: DbId, user: Viewer, db: SessionDep) -> Response:
    row = db.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and not user.may("admin")):
        raise ApiError(404, f"no token {token_id} of yours")
    row.revoked_at = row.revoked_at or utcnow()
    db.commit()
    return Response(status_code=204)
