"""Who is asking, and may they: password hashes, sessions, API tokens, CSRF, the login rate limit, roles.

A route says who may call it in its signature (``Viewer``, ``Editor``, ``Admin``, or the ``Page*``
variants that send a browser to the login page); ``tests/server/test_authz_matrix.py`` calls every
route as anonymous, viewer, editor and admin.

* Passwords: argon2id (argon2-cffi's defaults).
* Sessions: a random cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure`` over HTTPS or when configured);
  the database keeps only its SHA-256 and the session's CSRF token.
* CSRF: a request that changes something and is authenticated by the cookie must carry the session's
  token in ``X-CSRF-Token`` (the pages send it from their ``<meta name="csrf-token">``); the login and
  logout forms carry one in a field. Bearer tokens are not sent by browsers on their own, so they need none.
* API tokens: ``jm_`` + 32 random bytes, stored as SHA-256.
* Checking a credential: the database is asked once per credential every few seconds (:class:`Identities`);
  any change to users, tokens or sessions made in this process counts at once.
* Login: after ``login_attempts`` failures for one name or one address within the window, 429.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, Request
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.orm import InstanceState, ORMExecuteState, Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from journeymap.errors import JourneymapError
from journeymap.server.errors import ApiError, LoginRequired
from journeymap.server.models import ROLES, ApiToken, AuthSession, LoginAttempt, User, utcnow

SESSION_COOKIE = "jm_session"
LOGIN_CSRF_COOKIE = "jm_login_csrf"
TOKEN_PREFIX = "jm_"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_hasher = PasswordHasher()
#: Verified against when a name is unknown, so a login takes as long whether or not the name exists.
_DUMMY_HASH = _hasher.hash("not a password")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- users and tokens (the CLI and the admin pages call these) -------------------------------------------------

def check_role(role: str) -> str:
    if role not in ROLES:
        from journeymap.errors import suggest

        raise JourneymapError(f"unknown role {role!r}; {suggest(role, ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < 8:
        raise JourneymapError("the password is too short: use at least 8 characters")
    return password


def add_user(db: Session, name: str, password: str, role: str = "viewer", language: str | None = None) -> User:
    """A new user; the name must be free (a-z, digits, '.', '_', '-', as in a mention)."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", name):
        raise JourneymapError(f"invalid user name {name!r}: use letters, digits, '.', '_' and '-' (up to 80), "
                              "starting with a letter or digit")
    check_role(role)
    check_password(password)
    if db.scalar(select(User).where(func.lower(User.name) == name.lower())):
        raise JourneymapError(f"user {name!r} exists already")
    user = User(name=name, password_hash=hash_password(password), role=role, language=language)
    db.add(user)
    db.commit()
    return user


def user_named(db: Session, name: str) -> User:
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        names = list(db.scalars(select(User.name)))
        from journeymap.errors import suggest

        raise JourneymapError(f"no user {name!r}; {suggest(name, names)}")
    return user


def create_token(db: Session, user: User, label: str = "") -> str:
    """A new API token for ``user``; the text is returned once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, label=label, token_hash=sha256(token)))
    db.commit()
    return token


# --- sessions ----------------------------------------------------------------------------------------------------

def start_session(db: Session, user: User, hours: float) -> tuple[str, AuthSession]:
    token = secrets.token_urlsafe(32)
    row = AuthSession(token_hash=sha256(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                      expires_at=utcnow() + dt.timedelta(hours=hours))
    db.add(row)
    db.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow()))
    db.commit()
    return token, row


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == sha256(token)))
        db.commit()


def cookie_secure(request: Request) -> bool:
    return bool(request.app.state.settings.cookie_secure) or request.url.scheme == "https"


# --- the login rate limit ---------------------------------------------------------------------------------------

def _keys(name: str, address: str) -> list[str]:
    return [f"name:{name.lower()}", f"addr:{address}"]


def login_blocked(db: Session, name: str, address: str, limit: int, window: dt.timedelta) -> bool:
    since = utcnow() - window
    for key in _keys(name, address):
        n = db.scalar(select(func.count()).select_from(LoginAttempt)
                      .where(LoginAttempt.key == key, LoginAttempt.at >= since))
        if (n or 0) >= limit:
            return True
    return False


def record_failure(db: Session, name: str, address: str) -> None:
    for key in _keys(name, address):
        db.add(LoginAttempt(key=key))
    db.commit()


def authenticate(db: Session, name: str, password: str, address: str, limit: int, window: dt.timedelta) -> User:
    """The user with this name and password, or :class:`ApiError` 401 (wrong) / 429 (too many tries)."""
    if login_blocked(db, name, address, limit, window):
        raise ApiError(429, "too many failed logins; wait a few minutes and try again",
                       headers={"Retry-After": str(int(window.total_seconds()))})
    user = db.scalar(select(User).where(User.name == name))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        record_failure(db, name, address)
        raise ApiError(401, "wrong name or password")
    db.execute(delete(LoginAttempt).where(LoginAttempt.key == f"name:{name.lower()}"))
    db.commit()
    return user


# --- who is asking ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """What a credential stands for: the user as they were when it was checked, and the session's CSRF token."""

    user: User
    csrf: str | None = None                 # a session's (None for an API token)
    expires_at: dt.datetime | None = None   # a session's end
    checked_at: float = 0.0                 # time.monotonic() of the database check


class Identities:
    """Who each token and session cookie belongs to, remembered for ``ttl`` seconds.

    Every request is authenticated, and asking the database each time (a pool checkout, a query, a thread
    hop) cost as much as serving a cached page. Any change this process commits to users, tokens or
    sessions (a revoked token, a role, a switched-off account, a logout, a language) forgets everything at
    once; a change another process makes (``journeymap tokens revoke``) counts within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._items: dict[str, Identity] = {}
        self._lock = threading.Lock()
        self._pending: dict[str, asyncio.Future[Identity | None]] = {}
        self._generation = 0  # counts clear(): a look-up that began before a change does not keep its answer

    async def look_up(self, key: str, fetch: Callable[[], Identity | None]) -> Identity | None:
        """The identity under ``key``: remembered, else fetched in a worker thread, once however many requests
        ask at the same moment (when the time to live runs out under load, fifty requests would otherwise
        queue fifty database look-ups)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        generation = self._generation
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(run_in_threadpool(fetch))
            self._pending[key] = pending
            pending.add_done_callback(lambda done: self._pending.pop(key, None) if self._pending.get(key) is done
                                      else None)
        identity = await asyncio.shield(pending)
        if identity is not None and generation == self._generation:
            self.put(key, identity)
        return identity

    def get(self, key: str) -> Identity | None:
        hit = self._items.get(key)
        if hit is None or time.monotonic() - hit.checked_at > self.ttl:
            return None
        if hit.expires_at is not None and hit.expires_at < utcnow():
            return None
        return hit

    def put(self, key: str, identity: Identity) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = identity

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._items.clear()
            self._pending.clear()  # requests from now on look again

    def watch(self, maker: sessionmaker[Session]) -> None:
        """Forget everything when a session of ``maker`` changes users, tokens or sessions (at the flush, and
        again at the commit, so nobody reads the old row in between and keeps it)."""
        kinds = (User, ApiToken, AuthSession)

        def changed(session: Session) -> None:
            session.info["jm_identities"] = True
            self.clear()

        def matters(obj: object) -> bool:  # a token's "last used" time changes nobody's rights
            if not isinstance(obj, kinds):
                return False
            state: InstanceState[object] = inspect(obj)
            return any(a.history.has_changes() for a in state.attrs if a.key != "last_used_at")

        @event.listens_for(maker, "after_flush")
        def _flushed(session: Session, _context: object) -> None:
            if any(isinstance(o, kinds) for o in session.deleted) or any(matters(o) for o in session.dirty):
                changed(session)

        @event.listens_for(maker, "do_orm_execute")
        def _bulk(orm: ORMExecuteState) -> None:
            if (orm.is_update or orm.is_delete) and any(m.class_ in kinds for m in orm.all_mappers):
                changed(orm.session)

        @event.listens_for(maker, "after_commit")
        def _committed(session: Session) -> None:
            if session.info.pop("jm_identities", False):
                self.clear()


def _snapshot(user: User) -> User:
    """A copy of ``user`` that belongs to no database session, safe to share between requests."""
    return User(id=user.id, name=user.name, role=user.role, language=user.language, active=user.active,
                password_hash="", created_at=user.created_at)


def _credential(request: Request) -> tuple[str, str] | None:
    """("bearer", token) or ("session", cookie) or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "bearer", token.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    return ("session", cookie) if cookie else None


def _look_up(maker: sessionmaker[Session], kind: str, secret: str) -> Identity | None:
    """The identity behind a credential, from the database (None: unknown, revoked, expired or switched off)."""
    with maker() as db:
        if kind == "bearer":
            row = db.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(secret)))
            if row is None or row.revoked_at is not None or not row.user.active:
                return None
            identity = Identity(_snapshot(row.user), checked_at=time.monotonic())
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
                row.last_used_at = now  # at most once a minute: reading must not queue behind a database write
                db.commit()
            return identity
        session = db.get(AuthSession, sha256(secret))
        if session is None or session.expires_at < utcnow() or not session.user.active:
            return None
        return Identity(_snapshot(session.user), session.csrf_token, session.expires_at, time.monotonic())


def session_of(request: Request, db: Session) -> AuthSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    row = db.get(AuthSession, sha256(token))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row


def _check_csrf(request: Request, csrf: str) -> None:
    if request.method not in UNSAFE:
        return
    sent = request.headers.get("x-csrf-token") or ""
    if not hmac.compare_digest(sent, csrf):
        raise ApiError(403, "missing or wrong CSRF token (reload the page)", code="csrf")


async def optional_user(request: Request) -> User | None:
    """The user behind a bearer token or a session cookie, or None; CSRF is checked for cookie writes.

    Async and usually answered from :class:`Identities` without a database session or a thread."""
    credential = _credential(request)
    if credential is None:
        return None
    kind, secret = credential
    state = request.app.state.app
    key = f"{kind}:{sha256(secret)}"
    identity = await state.identities.look_up(key, lambda: _look_up(state.sessionmaker, kind, secret))
    if identity is None:
        if kind == "bearer":
            raise ApiError(401, "the API token is not valid (unknown or revoked)",
                           headers={"WWW-Authenticate": "Bearer"})
        return None
    if identity.csrf is not None:
        _check_csrf(request, identity.csrf)
        request.state.csrf = identity.csrf
    request.state.user = identity.user
    return identity.user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def _need(role: str, page: bool = False):  # type: ignore[no-untyped-def]
    async def dependency(user: OptionalUser) -> User:
        if user is None:
            if page:
                raise LoginRequired()
            raise ApiError(401, "log in or send an API token (Authorization: Bearer …)",
                           headers={"WWW-Authenticate": "Bearer"})
        if not user.may(role):
            raise ApiError(403, f"this needs the {role} role (you are {user.role})")
        return user

    dependency.__name__ = f"require_{role}{'_page' if page else ''}"
    return dependency


Viewer = Annotated[User, Depends(_need("viewer"))]
Editor = Annotated[User, Depends(_need("editor"))]
Admin = Annotated[User, Depends(_need("admin"))]
PageViewer = Annotated[User, Depends(_need("viewer", page=True))]
PageEditor = Annotated[User, Depends(_need("editor", page=True))]
PageAdmin = Annotated[User, Depends(_need("admin", page=True))]
