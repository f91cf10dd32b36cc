"""``GET /healthz``: the process is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from journeymap.server.db import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(db: SessionDep) -> dict[str, str]:
    db.execute(text("SELECT 1"))
    return {"status": "ok"}
