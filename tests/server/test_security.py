"""Security: the login rate limit, CSRF, cookie flags, one error shape, no secrets in logs, argon2, tokens."""

from __future__ import annotations

import logging

import pytest

from .conftest import password


def test_login_is_limited_after_five_failures_even_with_the_right_password(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c = sqlite_server.client
    for _ in range(5):
        assert c.post("/api/v1/session", json={"name": "editor", "password": "wrong"}).status_code == 401
    r = c.post("/api/v1/session", json={"name": "editor", "password": password("editor")})
    assert r.status_code == 429 and r.headers["retry-after"] == "900"
    assert r.json()["error"]["code"] == "too_many_requests"


def test_session_writes_need_the_csrf_token_and_cookies_are_flagged(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c = sqlite_server.client
    r = c.post("/api/v1/session", json={"name": "editor", "password": password("editor")})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "jm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    csrf = r.json()["csrf_token"]
    got = c.get("/api/v1/journeys/webshop")  # the cookie reads without a token
    assert got.status_code == 200
    doc, etag = got.json(), got.headers["etag"]
    refused = c.put("/api/v1/journeys/webshop", json=doc, headers={"If-Match": etag})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    wrong = c.put("/api/v1/journeys/webshop", json=doc, headers={"If-Match": etag, "X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    ok = c.put("/api/v1/journeys/webshop", json=dict(doc, title="With CSRF"), headers={"If-Match": etag,
                                                                                       "X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert c.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert c.get("/api/v1/journeys").status_code == 401  # the session has ended


def test_cookie_is_secure_over_https(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(sqlite_server.app, base_url="https://testserver") as c:
        r = c.post("/api/v1/session", json={"name": "viewer", "password": password("viewer")})
    assert "Secure" in r.headers["set-cookie"]


def test_the_login_form_needs_its_csrf_cookie(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c = sqlite_server.client
    form = {"name": "editor", "password": password("editor"), "csrf_token": "forged", "next": "/"}
    r = c.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?error=csrf"
    page = c.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = c.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/" and "jm_session=" in r.headers["set-cookie"]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), [
    ("GET", "/api/v1/journeys", {}, 401, "unauthorized"),
    ("GET", "/api/v1/journeys/nope", {"auth": True}, 404, "not_found"),
    ("POST", "/api/v1/journeys/webshop/comments", {"auth": True, "json": {"body": 3}}, 422, "invalid_request"),
    ("GET", "/api/v1/users", {"auth": True}, 403, "forbidden"),
    ("PATCH", "/api/v1/journeys/webshop", {"auth": True}, 405, "method_not_allowed"),
])
def test_one_error_shape(sqlite_server, method, path, kwargs, status, code) -> None:  # type: ignore[no-untyped-def]
    headers = sqlite_server.auth("editor") if kwargs.pop("auth", False) else {}
    r = sqlite_server.client.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message", "details"}
    assert body["error"]["status"] == status and body["error"]["code"] == code and body["error"]["message"]


def test_passwords_are_argon2_and_tokens_are_stored_hashed(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from journeymap.server.models import ApiToken, User

    with sqlite_server.state.sessionmaker() as db:
        user = db.scalar(select(User).where(User.name == "editor"))
        assert user.password_hash.startswith("$argon2id$") and password("editor") not in user.password_hash
        hashes = list(db.scalars(select(ApiToken.token_hash)))
    assert sqlite_server.tokens["editor"] not in hashes and len(hashes) == 3


def test_share_tokens_and_secrets_never_reach_the_log(caplog) -> None:  # type: ignore[no-untyped-def]
    from journeymap.server import logs

    logs.install()
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET",
                                                 "/share/12.1790000000.abcDEF_sig?token=jm_secret", "1.1", 200)
    assert caplog.records[-1].getMessage() == '127.0.0.1 - "GET /share/***?token=*** HTTP/1.1" 200'


def test_a_switched_off_user_is_out_at_once(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c = sqlite_server.client
    assert c.patch("/api/v1/users/editor", json={"active": False}, headers=sqlite_server.auth("admin")).status_code == 200
    assert c.get("/api/v1/journeys", headers=sqlite_server.auth("editor")).status_code == 401
    me = c.patch("/api/v1/users/admin", json={"role": "viewer"}, headers=sqlite_server.auth("admin"))
    assert me.status_code == 409


def test_a_revoked_token_is_refused_at_once_and_one_revoked_elsewhere_within_the_ttl(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from journeymap.server.models import ApiToken, User, utcnow

    c, state = sqlite_server.client, sqlite_server.state
    made = c.post("/api/v1/tokens", json={"label": "short"}, headers=sqlite_server.auth("editor")).json()["token"]
    mine = {"Authorization": f"Bearer {made}"}
    assert c.get("/api/v1/journeys", headers=mine).status_code == 200
    token_id = c.get("/api/v1/tokens", headers=mine).json()[-1]["id"]
    assert c.delete(f"/api/v1/tokens/{token_id}", headers=sqlite_server.auth("editor")).status_code == 204
    assert c.get("/api/v1/journeys", headers=mine).status_code == 401  # revoked in this process: at once

    assert c.get("/api/v1/journeys", headers=sqlite_server.auth("viewer")).status_code == 200  # now remembered
    with Session(state.engine) as db:  # another process (journeymap tokens revoke) writes the database itself
        viewer_id = db.scalar(select(User.id).where(User.name == "viewer"))
        db.execute(update(ApiToken).where(ApiToken.user_id == viewer_id).values(revoked_at=utcnow()))
        db.commit()
    # this process learns it at its next check of the credential (after Identities.ttl seconds; here: now)
    state.identities.ttl = 0.0
    assert c.get("/api/v1/journeys", headers=sqlite_server.auth("viewer")).status_code == 401


def test_every_response_has_the_security_headers(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    for path in ("/healthz", "/login", "/static/app.css", "/api/v1/journeys"):
        r = sqlite_server.client.get(path)
        assert (r.headers["x-content-type-options"], r.headers["referrer-policy"], r.headers["x-frame-options"]) \
            == ("nosniff", "same-origin", "SAMEORIGIN"), path
