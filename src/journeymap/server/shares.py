"""Read-only share links for people without an account: signed, expiring, revocable.

A link is ``/share/<id>.<expiry>.<signature>``: the signature (HMAC-SHA256 with the server's key)
makes ids unguessable and expiry untamperable; the database row makes it revocable. The access log
never shows the token (see :mod:`journeymap.server.logs`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeymap.server.errors import ApiError
from journeymap.server.models import ShareLink, User, utcnow

MAX_DAYS = 365


def _sign(key: bytes, link_id: int, expires: int) -> str:
    mac = hmac.new(key, f"share:{link_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode("ascii")


def token_for(key: bytes, link: ShareLink) -> str:
    expires = int(link.expires_at.replace(tzinfo=dt.UTC).timestamp())
    return f"{link.id}.{expires}.{_sign(key, link.id, expires)}"


def create(db: Session, user: User, journey_id: str, days: float, with_data: bool) -> ShareLink:
    if not 0 < days <= MAX_DAYS:
        raise ApiError(422, f"a share link lasts more than 0 and at most {MAX_DAYS} days (got {days:g})")
    expires = (utcnow() + dt.timedelta(days=days)).replace(microsecond=0)
    link = ShareLink(journey_id=journey_id, created_by=user.name, expires_at=expires, with_data=with_data)
    db.add(link)
    db.commit()
    return link


def resolve(db: Session, key: bytes, token: str) -> ShareLink:
    """The live link behind ``token``, or 404 for anything else (forged, expired, revoked: one answer)."""
    gone = ApiError(404, "this share link is not valid: it may have expired or been revoked")
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise gone
    link_id, expires = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2], _sign(key, link_id, expires)):
        raise gone
    link = db.get(ShareLink, link_id)
    if link is None or link.revoked_at is not None or link.expires_at < utcnow() \
            or int(link.expires_at.replace(tzinfo=dt.UTC).timestamp()) != expires:
        raise gone
    return link


def listing(db: Session, journey_id: str) -> list[ShareLink]:
    return list(db.scalars(select(ShareLink).where(ShareLink.journey_id == journey_id).order_by(ShareLink.id.desc())))


def as_json(link: ShareLink, key: bytes, base_url: str) -> dict[str, Any]:
    live = link.revoked_at is None and link.expires_at >= utcnow()
    return {"id": link.id, "journey": link.journey_id, "created_by": link.created_by,
            "created_at": link.created_at.isoformat() + "Z", "expires_at": link.expires_at.isoformat() + "Z",
            "revoked": link.revoked_at is not None, "live": live, "with_data": link.with_data,
            "url": f"{base_url.rstrip('/')}/share/{token_for(key, link)}" if live else None}
