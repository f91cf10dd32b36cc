"""The pages: each is a template plus a few facts; everything they change goes through the JSON API."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeymap.i18n import LANGUAGES
from journeymap.server import auth, journeys, measures, revisions
from journeymap.server.auth import OptionalUser, PageAdmin, PageViewer
from journeymap.server.caching import etagged
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.fastpath import answer
from journeymap.server.models import User
from journeymap.server.state import StateDep
from journeymap.server.ui.render import LANG_COOKIE, page

router = APIRouter(include_in_schema=False)
JourneyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]


def _journey_page(request: Request, state: StateDep, user: User, journey_id: str, template: str, tab: str,
                  **context: Any) -> HTMLResponse:
    ws = state.files.workspace()
    if journey_id not in ws.journeys:
        raise ApiError(404, f"no journey {journey_id!r}")
    version = journeys.current(state, journey_id)
    boot = {"journey": journey_id, "etag": version.etag, "can_edit": user.may("editor"), "user": user.name,
            "personas": [{"id": p.id, "name": p.name, "role": p.role} for p in ws.personas.values()],
            "channels": list(ws.settings.channels), "has_data": measures.Measures.generation(ws) is not None}
    return page(request, template, user, journey=ws.journeys[journey_id], journey_id=journey_id, tab=tab,
                boot=boot, **context)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser, error: str | None = None, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", 303)
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html.j2", None, error=error if error in ("wrong", "wait", "csrf") else None,
                    login_csrf=token, next=next)
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600,
                        secure=auth.cookie_secure(request), path="/")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, user: OptionalUser, db: SessionDep, next: str = "/") -> Response:
    """Switch the interface language (remembered for the user, or in a cookie without an account)."""
    if code not in LANGUAGES:
        raise ApiError(404, f"no language {code!r}")
    if user is not None:
        me = db.get(User, user.id)
        if me is not None:
            me.language = code
            db.commit()
    response = RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", 303)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/", response_class=HTMLResponse)
async def journeys_page(request: Request, user: PageViewer, state: StateDep) -> HTMLResponse:
    return await answer(lambda: _journeys_page(request, user, state))


def _journeys_page(request: Request, user: User, state: StateDep) -> HTMLResponse:
    ws = state.files.workspace()
    items = [{"id": jid, "title": j.title, "steps": len(j.steps)} for jid, j in sorted(ws.journeys.items())]
    errors = {}
    for jid, src in ws.journey_files.items():
        errors[jid] = sum(1 for d in ws.errors if d.file == src.display)
    return page(request, "journeys.html.j2", user, items=items, errors=errors,
                templates=["webshop", "b2b", "subscription", "blank"],
                boot={"can_edit": user.may("editor"), "journeys": [i["id"] for i in items]})


@router.get("/journeys/{journey_id}", response_class=HTMLResponse)
async def editor_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) -> HTMLResponse:
    return await answer(lambda: _journey_page(request, state, user, journey_id, "editor.html.j2", "editor"))


@router.get("/journeys/{journey_id}/opportunities", response_class=HTMLResponse)
async def opportunities_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) \
        -> HTMLResponse:
    return await answer(lambda: _journey_page(request, state, user, journey_id, "opportunities.html.j2", "opportunities"))


@router.get("/journeys/{journey_id}/workshop", response_class=HTMLResponse)
async def workshop_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) -> HTMLResponse:
    return await answer(lambda: _journey_page(request, state, user, journey_id, "workshop.html.j2", "workshop"))


@router.get("/journeys/{journey_id}/map", response_class=HTMLResponse)
async def map_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) -> HTMLResponse:
    return await answer(lambda: _journey_page(request, state, user, journey_id, "map.html.j2", "map"))


@router.get("/journeys/{journey_id}/map.html", response_class=HTMLResponse)
async def map_html(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) -> Response:
    """The living map itself: the page ``journeymap render --with-data`` writes, measured once per store version
    and rendered once per version of the workspace (with an ETag: 304 while unchanged)."""

    def read() -> Response:
        journeys.current(state, journey_id)
        etag, html = measures.living_map_html(state, journey_id)
        return etagged(request, html, etag, "text/html; charset=utf-8")

    return await answer(read)


@router.get("/journeys/{journey_id}/insights", response_class=HTMLResponse)
async def insights_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) -> HTMLResponse:
    return await answer(lambda: _journey_page(request, state, user, journey_id, "insights.html.j2", "insights"))


@router.get("/journeys/{journey_id}/findings", response_class=HTMLResponse)
async def findings_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId,
                        kind: list[str] = Query([], max_length=20)) -> HTMLResponse:
    """What needs attention, ranked (``journeymap findings``), in the user's language; filter by kind."""
    return await answer(lambda: _findings_page(request, user, state, journey_id, kind))


def _findings_page(request: Request, user: User, state: StateDep, journey_id: str, kind: list[str]) -> HTMLResponse:
    from journeymap.engine.formatting import format_p
    from journeymap.errors import JourneymapError
    from journeymap.i18n import format_number, t
    from journeymap.results import FINDING_KINDS
    from journeymap.server.ui.render import language

    lang = language(request, user)
    journeys.current(state, journey_id)
    chosen = [k for k in kind if k in FINDING_KINDS]
    error, rows, counts = None, [], dict.fromkeys(FINDING_KINDS, 0)
    try:
        found = measures.findings(state, journey_id, lang) or []
    except JourneymapError as exc:
        error, found = exc.message, []
    for rank, f in enumerate(found, start=1):
        counts[f.kind] += 1
        if not chosen or f.kind in chosen:
            rows.append({"rank": rank, "kind": f.kind, "kind_label": t(f"findings.kind.{f.kind}", lang),
                         "title": f.title, "customers": format_number(f.customers, lang),
                         "q": format_p(f.q_value, lang), "command": f.command})
    kinds = [{"id": k, "label": t(f"findings.kind.{k}", lang), "n": counts[k], "on": k in chosen}
             for k in FINDING_KINDS]
    return _journey_page(request, state, user, journey_id, "findings.html.j2", "findings", findings=rows,
                         total=len(found), kinds=kinds, error=error)


@router.get("/journeys/{journey_id}/revisions", response_class=HTMLResponse)
def revisions_page(request: Request, user: PageViewer, state: StateDep, db: SessionDep,
                   journey_id: JourneyId) -> HTMLResponse:
    rows = [revisions.as_json(r, content=True) for r in revisions.listing(db, journey_id)]
    return _journey_page(request, state, user, journey_id, "revisions.html.j2", "revisions", revisions=rows)


@router.get("/journeys/{journey_id}/share", response_class=HTMLResponse)
async def share_page(request: Request, user: PageViewer, state: StateDep, journey_id: JourneyId) -> HTMLResponse:
    return await answer(lambda: _journey_page(request, state, user, journey_id, "share.html.j2", "share"))


@router.get("/personas", response_class=HTMLResponse)
async def personas_page(request: Request, user: PageViewer, state: StateDep) -> HTMLResponse:
    return await answer(lambda: _personas_page(request, user, state))


def _personas_page(request: Request, user: User, state: StateDep) -> HTMLResponse:
    from journeymap.i18n import t
    from journeymap.model.types import DMU_ROLES
    from journeymap.server.ui.render import language

    ws = state.files.workspace()
    lang = language(request, user)
    return page(request, "personas.html.j2", user, roles=[{"id": r, "label": t(f"role.{r}", lang)} for r in DMU_ROLES],
                personas=sorted(ws.personas.values(), key=lambda p: p.name),
                boot={"can_edit": user.may("editor"), "channels": list(ws.settings.channels),
                      "personas": sorted(ws.personas)})


@router.get("/customers", response_class=HTMLResponse)
def customers_page(request: Request, user: PageViewer, state: StateDep,
                   id: str | None = Query(None, max_length=200)) -> HTMLResponse:
    return page(request, "customers.html.j2", user, customer_id=id or "",
                boot={"customer": id or "", "has_data": measures.Measures.generation(state.files.workspace())
                      is not None})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, user: PageAdmin) -> HTMLResponse:
    return page(request, "admin.html.j2", user, boot={"user": user.name})


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, user: PageViewer) -> HTMLResponse:
    return page(request, "settings.html.j2", user, boot={"user": user.name})


def login_url(path: str) -> str:
    return f"/login?next={quote(path, safe='/')}"
