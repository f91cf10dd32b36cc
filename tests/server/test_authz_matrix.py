"""Every route × anonymous, viewer, editor, admin → the expected status (STYLE.md 12).

The table below names every route the app has; a route added without a row fails
``test_every_route_has_a_rule``, so no route ships without a decision about who may call it.
Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.routing import Route

ANON, VIEWER, EDITOR, ADMIN = "anonymous", "viewer", "editor", "admin"
WHO = (ANON, VIEWER, EDITOR, ADMIN)
_n = itertools.count()


def public(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(WHO, status)


def viewer(ok: int = 200, anon: int = 401) -> dict[str, int]:
    return {ANON: anon, VIEWER: ok, EDITOR: ok, ADMIN: ok}


def editor(ok: int = 200) -> dict[str, int]:
    return {ANON: 401, VIEWER: 403, EDITOR: ok, ADMIN: ok}


def admin(ok: int = 200, anon: int = 401) -> dict[str, int]:
    return {ANON: anon, VIEWER: 403, EDITOR: 403, ADMIN: ok}


PAGE = viewer(200, anon=303)  # pages send people without a session to the login page

#: (method, path) → (expected status per role, how to call it: a function of the server and the role giving
#: the concrete path and the request's keyword arguments)
Call = Callable[[Any, str], tuple[str, dict[str, Any]]]


def plain(path: str, **kwargs: Any) -> Call:
    return lambda _server, _role: (path, kwargs)


def _comment(server: Any) -> int:
    r = server.client.post("/api/v1/journeys/webshop/comments", json={"target": "journey", "body": "for the matrix"},
                           headers=server.auth("editor"))
    return int(r.json()["id"])


def _share(server: Any) -> dict[str, Any]:
    return server.client.post("/api/v1/journeys/webshop/shares", json={"days": 1},  # type: ignore[no-any-return]
                              headers=server.auth("editor")).json()


def _journey_doc(server: Any) -> dict[str, Any]:
    return server.client.get("/api/v1/journeys/webshop", headers=server.auth("admin")).json()  # type: ignore[no-any-return]


def _persona_doc(server: Any) -> dict[str, Any]:
    return server.client.get("/api/v1/personas/bargain-hunter", headers=server.auth("admin")).json()  # type: ignore[no-any-return]


def _journey_for(server: Any, role: str) -> str:
    """A journey of its own for each role to delete (made by an admin)."""
    jid = f"doomed-{next(_n)}"
    server.client.post("/api/v1/journeys", json={"id": jid, "title": "To delete", "template": "blank"},
                       headers=server.auth("admin"))
    return jid


def _persona_for(server: Any, role: str) -> str:
    """A persona nobody refers to, for each role to delete (made by an admin)."""
    pid = f"gone-{next(_n)}"
    server.client.post("/api/v1/personas", json={"id": pid, "name": "To delete"}, headers=server.auth("admin"))
    return pid


def _idea(server: Any) -> str:
    from journeymap.model.workspace import load_workspace

    return load_workspace(server.root).journeys["webshop"].opportunities[0].id


def _voted(server: Any, role: str) -> str:
    """An idea the role has a dot on (placed first, so taking it back is allowed)."""
    idea = _idea(server)
    if role != ANON:
        server.client.put("/api/v1/journeys/webshop/workshop/round", json={"dots": 3}, headers=server.auth("admin"))
        server.client.post("/api/v1/journeys/webshop/workshop/votes", json={"idea": idea}, headers=server.auth(role))
    return idea


def _own_token(server: Any, role: str) -> int:
    if role == ANON:
        return 1
    r = server.client.post("/api/v1/tokens", json={"label": "x"}, headers=server.auth(role))
    tokens = server.client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()
    return int(tokens[-1]["id"])


TABLE: dict[tuple[str, str], tuple[dict[str, int], Call]] = {
    ("GET", "/openapi.json"): (public(), plain("/openapi.json")),
    ("GET", "/docs"): (public(), plain("/docs")),
    ("HEAD", "/docs"): (public(), plain("/docs")),
    ("GET", "/docs/oauth2-redirect"): (public(), plain("/docs/oauth2-redirect")),
    ("HEAD", "/docs/oauth2-redirect"): (public(), plain("/docs/oauth2-redirect")),
    ("GET", "/redoc"): (public(), plain("/redoc")),
    ("HEAD", "/redoc"): (public(), plain("/redoc")),
    ("HEAD", "/openapi.json"): (public(), plain("/openapi.json")),
    ("GET", "/healthz"): (public(), plain("/healthz")),
    ("POST", "/login"): (public(303), plain("/login", data={"name": "x", "password": "y", "csrf_token": "z"})),
    ("POST", "/logout"): (public(303), plain("/logout", data={"csrf_token": "z"})),
    ("POST", "/api/v1/session"): (public(401), plain("/api/v1/session", json={"name": "nobody", "password": "no"})),
    ("DELETE", "/api/v1/session"): (viewer(204), plain("/api/v1/session")),
    ("GET", "/api/v1/journeys"): (viewer(), plain("/api/v1/journeys")),
    ("POST", "/api/v1/journeys"): (editor(201), lambda s, r: ("/api/v1/journeys", {
        "json": {"id": f"new-{next(_n)}", "title": "New", "template": "blank"}})),
    ("GET", "/api/v1/journeys/{journey_id}"): (viewer(), plain("/api/v1/journeys/webshop")),
    ("PUT", "/api/v1/journeys/{journey_id}"): (editor(), lambda s, r: ("/api/v1/journeys/webshop", {
        "json": _journey_doc(s), "headers": {"If-Match": "*"}})),
    # deleting the journey made for the role (editors and admins may; the journey is in the bin afterwards)
    ("DELETE", "/api/v1/journeys/{journey_id}"): (editor(), lambda s, r: (f"/api/v1/journeys/{_journey_for(s, r)}", {
        "headers": {"If-Match": "*"}})),
    ("GET", "/api/v1/trash"): (viewer(), plain("/api/v1/trash")),
    ("GET", "/api/v1/journeys/{journey_id}/workshop"): (viewer(), plain("/api/v1/journeys/webshop/workshop")),
    ("PUT", "/api/v1/journeys/{journey_id}/workshop/timer"): (editor(), plain(
        "/api/v1/journeys/webshop/workshop/timer", json={"seconds": 600})),
    ("DELETE", "/api/v1/journeys/{journey_id}/workshop/timer"): (editor(), plain(
        "/api/v1/journeys/webshop/workshop/timer")),
    ("PUT", "/api/v1/journeys/{journey_id}/workshop/round"): (editor(), plain(
        "/api/v1/journeys/webshop/workshop/round", json={"dots": 3})),
    # participants vote whatever their role: a viewer in the workshop room too
    ("POST", "/api/v1/journeys/{journey_id}/workshop/votes"): (viewer(), lambda s, r: (
        "/api/v1/journeys/webshop/workshop/votes", {"json": {"idea": _idea(s)}})),
    ("DELETE", "/api/v1/journeys/{journey_id}/workshop/votes/{idea}"): (viewer(), lambda s, r: (
        f"/api/v1/journeys/webshop/workshop/votes/{_voted(s, r)}", {})),
    ("POST", "/api/v1/journeys/{journey_id}/validate"): (viewer(), lambda s, r: (
        "/api/v1/journeys/webshop/validate", {"json": _journey_doc(s)})),
    ("GET", "/api/v1/journeys/{journey_id}/revisions"): (viewer(), plain("/api/v1/journeys/webshop/revisions")),
    ("GET", "/api/v1/journeys/{journey_id}/revisions/{number}"): (viewer(), plain("/api/v1/journeys/webshop/revisions/1")),
    # revision 1 is the current text: the role passes, and restoring it changes nothing (409)
    ("POST", "/api/v1/journeys/{journey_id}/revisions/{number}/restore"): (
        editor(409), plain("/api/v1/journeys/webshop/revisions/1/restore")),
    ("GET", "/api/v1/journeys/{journey_id}/comments"): (viewer(), plain("/api/v1/journeys/webshop/comments")),
    ("POST", "/api/v1/journeys/{journey_id}/comments"): (editor(201), plain(
        "/api/v1/journeys/webshop/comments", json={"target": "step:checkout", "body": "hello"})),
    ("PATCH", "/api/v1/comments/{comment_id}"): (editor(), lambda s, r: (
        f"/api/v1/comments/{_comment(s)}", {"json": {"resolved": True}})),
    ("DELETE", "/api/v1/comments/{comment_id}"): (  # an editor may delete only their own; an admin any
        {ANON: 401, VIEWER: 403, EDITOR: 204, ADMIN: 204}, lambda s, r: (f"/api/v1/comments/{_comment(s)}", {})),
    ("GET", "/api/v1/me/mentions"): (viewer(), plain("/api/v1/me/mentions")),
    ("GET", "/api/v1/journeys/{journey_id}/shares"): (viewer(), plain("/api/v1/journeys/webshop/shares")),
    ("POST", "/api/v1/journeys/{journey_id}/shares"): (editor(201), plain("/api/v1/journeys/webshop/shares",
                                                                           json={"days": 3})),
    ("DELETE", "/api/v1/shares/{share_id}"): (editor(204), lambda s, r: (f"/api/v1/shares/{_share(s)['id']}", {})),
    ("GET", "/share/{token}"): (public(), lambda s, r: (_share(s)["url"].split("testserver", 1)[1], {})),
    ("GET", "/api/v1/personas"): (viewer(), plain("/api/v1/personas")),
    ("GET", "/api/v1/personas/{persona_id}"): (viewer(), plain("/api/v1/personas/bargain-hunter")),
    ("PUT", "/api/v1/personas/{persona_id}"): (editor(), lambda s, r: ("/api/v1/personas/bargain-hunter", {
        "json": _persona_doc(s), "headers": {"If-Match": "*"}})),
    ("POST", "/api/v1/personas"): (editor(201), lambda s, r: ("/api/v1/personas", {
        "json": {"id": f"p-{next(_n)}", "name": "New persona"}})),
    ("DELETE", "/api/v1/personas/{persona_id}"): (editor(), lambda s, r: (f"/api/v1/personas/{_persona_for(s, r)}", {
        "headers": {"If-Match": "*"}})),
    ("GET", "/api/v1/personas/{persona_id}/revisions"): (viewer(), plain("/api/v1/personas/bargain-hunter/revisions")),
    # revision 1 is the current text: the role passes, and restoring it changes nothing (409)
    ("POST", "/api/v1/personas/{persona_id}/revisions/{number}/restore"): (
        editor(409), plain("/api/v1/personas/bargain-hunter/revisions/1/restore")),
    ("GET", "/api/v1/journeys/{journey_id}/overlay"): (viewer(), plain("/api/v1/journeys/webshop/overlay")),
    ("GET", "/api/v1/journeys/{journey_id}/health"): (viewer(), plain("/api/v1/journeys/webshop/health")),
    ("GET", "/api/v1/journeys/{journey_id}/findings"): (viewer(), plain("/api/v1/journeys/webshop/findings")),
    ("POST", "/api/v1/journeys/{journey_id}/funnel"): (viewer(), plain(
        "/api/v1/journeys/webshop/funnel", json={"steps": ["product-page", "checkout", "payment"]})),
    ("GET", "/api/v1/journeys/{journey_id}/paths"): (viewer(), plain("/api/v1/journeys/webshop/paths")),
    ("GET", "/api/v1/journeys/{journey_id}/feedback"): (viewer(), plain("/api/v1/journeys/webshop/feedback")),
    ("GET", "/api/v1/customers/{customer_id}"): (viewer(), plain("/api/v1/customers/C10")),
    ("GET", "/api/v1/events/names"): (viewer(), plain("/api/v1/events/names")),
    ("GET", "/api/v1/users"): (admin(), plain("/api/v1/users")),
    ("POST", "/api/v1/users"): (admin(201), lambda s, r: ("/api/v1/users", {
        "json": {"name": f"person{next(_n)}", "password": "long enough", "role": "viewer"}})),
    ("PATCH", "/api/v1/users/{name}"): (admin(), plain("/api/v1/users/viewer", json={"role": "viewer"})),
    ("GET", "/api/v1/me"): (viewer(), plain("/api/v1/me")),
    ("PATCH", "/api/v1/me"): (viewer(), plain("/api/v1/me", json={"language": "en"})),
    ("GET", "/api/v1/tokens"): (viewer(), plain("/api/v1/tokens")),
    ("POST", "/api/v1/tokens"): (viewer(201), plain("/api/v1/tokens", json={"label": "script"})),
    ("DELETE", "/api/v1/tokens/{token_id}"): (viewer(204), lambda s, r: (f"/api/v1/tokens/{_own_token(s, r)}", {})),
    ("GET", "/api/v1/live"): (viewer(), plain("/api/v1/live", params={"seconds": 0.1})),
    ("GET", "/login"): ({ANON: 200, VIEWER: 303, EDITOR: 303, ADMIN: 303}, plain("/login")),
    ("GET", "/lang/{code}"): (public(303), plain("/lang/nl")),
    ("GET", "/"): (PAGE, plain("/")),
    ("GET", "/journeys/{journey_id}"): (PAGE, plain("/journeys/webshop")),
    ("GET", "/journeys/{journey_id}/opportunities"): (PAGE, plain("/journeys/webshop/opportunities")),
    ("GET", "/journeys/{journey_id}/workshop"): (PAGE, plain("/journeys/webshop/workshop")),
    ("GET", "/journeys/{journey_id}/map"): (PAGE, plain("/journeys/webshop/map")),
    ("GET", "/journeys/{journey_id}/map.html"): (PAGE, plain("/journeys/webshop/map.html")),
    ("GET", "/journeys/{journey_id}/insights"): (PAGE, plain("/journeys/webshop/insights")),
    ("GET", "/journeys/{journey_id}/findings"): (PAGE, plain("/journeys/webshop/findings")),
    ("GET", "/journeys/{journey_id}/revisions"): (PAGE, plain("/journeys/webshop/revisions")),
    ("GET", "/journeys/{journey_id}/share"): (PAGE, plain("/journeys/webshop/share")),
    ("GET", "/personas"): (PAGE, plain("/personas")),
    ("GET", "/customers"): (PAGE, plain("/customers", params={"id": "C10"})),
    ("GET", "/admin"): (admin(anon=303), plain("/admin")),
    ("GET", "/settings"): (PAGE, plain("/settings")),
}


def app_routes(app: Any) -> Iterator[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers."""
    def walk(routes: list[Any]) -> Iterator[tuple[str, str]]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)
            elif isinstance(route, Route) and route.methods:
                for method in route.methods:
                    yield method, route.path

    yield from walk(app.routes)


def test_every_route_has_a_rule(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    routes = set(app_routes(sqlite_server.app))
    assert len(routes) > 50
    assert sorted(routes - set(TABLE)) == [], "add these routes to the table with who may call them"
    assert sorted(set(TABLE) - routes) == [], "these rows name routes the app no longer has"


@pytest.mark.parametrize("role", WHO)
def test_every_route_as(role: str, server) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for (method, pattern), (expected, call) in TABLE.items():
        path, kwargs = call(server, role)
        headers = {**kwargs.pop("headers", {}), **server.auth(None if role == ANON else role)}
        response = server.client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
        if response.status_code != expected[role]:
            wrong.append(f"{method} {pattern}: {response.status_code}, expected {expected[role]}: {response.text[:200]}")
    assert wrong == []
