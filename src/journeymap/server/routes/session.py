"""Logging in and out: the login page's form, and the same as JSON for scripts that want a session."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from journeymap.server import auth
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.schemas import LoginIn, SessionOut
from journeymap.server.state import StateDep

router = APIRouter(tags=["session"])


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login(request: Request, db: SessionDep, state: StateDep, name: str, password: str) -> tuple[str, auth.AuthSession]:
    s = state.settings
    user = auth.authenticate(db, name, password, _address(request), s.login_attempts,
                             dt.timedelta(minutes=s.login_window_minutes))
    return auth.start_session(db, user, s.session_hours)


def _set_cookie(response: Response, request: Request, token: str, hours: float) -> None:
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=int(hours * 3600), httponly=True, samesite="lax",
                        secure=auth.cookie_secure(request), path="/")


@router.post("/login", include_in_schema=False)
def login_form(request: Request, db: SessionDep, state: StateDep, name: Annotated[str, Form()],
               password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
               next: Annotated[str, Form()] = "/") -> Response:
    """The login page's form (double-submit CSRF cookie); back to the page with an error on failure."""
    expected = request.cookies.get(auth.LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return RedirectResponse("/login?error=csrf", status_code=303)
    try:
        token, _row = _login(request, db, state, name, password)
    except ApiError as exc:
        return RedirectResponse(f"/login?error={'wait' if exc.status == 429 else 'wrong'}", status_code=303)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    _set_cookie(response, request, token, state.settings.session_hours)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout_form(request: Request, db: SessionDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    row = auth.session_of(request, db)
    if row is not None and hmac.compare_digest(row.csrf_token, csrf_token):
        auth.end_session(db, request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.post("/api/v1/session", response_model=SessionOut)
def login_json(body: LoginIn, request: Request, response: Response, db: SessionDep, state: StateDep) -> SessionOut:
    """Log in by name and password: sets the session cookie; send ``csrf_token`` as ``X-CSRF-Token`` on writes."""
    token, row = _login(request, db, state, body.name, body.password)
    _set_cookie(response, request, token, state.settings.session_hours)
    return SessionOut(user=row.user.name, role=row.user.role, csrf_token=row.csrf_token)


@router.delete("/api/v1/session", status_code=204)
def logout_json(request: Request, user: auth.Viewer, db: SessionDep) -> Response:
    """Log out (ends this session)."""
    auth.end_session(db, request.cookies.get(auth.SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


def login_csrf() -> str:
    return secrets.token_urlsafe(24)
