"""``/api/v1/users`` (admins manage accounts) and ``/api/v1/me`` (your own language and password)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from journeymap.errors import JourneymapError
from journeymap.server import auth
from journeymap.server.auth import Admin, Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.models import AuthSession, User
from journeymap.server.schemas import MeUpdate, UserCreate, UserOut, UserUpdate

router = APIRouter(prefix="/api/v1", tags=["users"])


def _out(u: User) -> UserOut:
    return UserOut(name=u.name, role=u.role, active=u.active, language=u.language)


@router.get("/users", response_model=list[UserOut])
def list_users(user: Admin, db: SessionDep) -> list[UserOut]:
    return [_out(u) for u in db.scalars(select(User).order_by(User.name))]


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(body: UserCreate, user: Admin, db: SessionDep) -> UserOut:
    try:
        return _out(auth.add_user(db, body.name, body.password, body.role))
    except JourneymapError as exc:
        raise ApiError(409 if "exists" in exc.message else 422, exc.message) from exc


@router.patch("/users/{name}", response_model=UserOut)
def update_user(name: str, body: UserUpdate, user: Admin, db: SessionDep) -> UserOut:
    """Change a role or switch an account off (its sessions end)."""
    target = db.scalar(select(User).where(User.name == name))
    if target is None:
        raise ApiError(404, f"no user {name!r}")
    if target.id == user.id and (body.role not in (None, "admin") or body.active is False):
        raise ApiError(409, "you cannot take away your own admin role or account; another admin can")
    if body.role is not None:
        target.role = body.role
    if body.active is not None:
        target.active = body.active
        if not body.active:
            db.query(AuthSession).filter(AuthSession.user_id == target.id).delete()
    db.commit()
    return _out(target)


@router.get("/me", response_model=UserOut)
def me(user: Viewer) -> UserOut:
    return _out(user)


@router.patch("/me", response_model=UserOut)
def update_me(body: MeUpdate, user: Viewer, db: SessionDep) -> UserOut:
    """Your language (nl, en) and password."""
    me_ = db.get(User, user.id)
    assert me_ is not None
    if body.language is not None:
        me_.language = body.language
    if body.password is not None:
        me_.password_hash = auth.hash_password(body.password)
    db.commit()
    return _out(me_)
