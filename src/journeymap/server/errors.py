"""One JSON error shape for the whole API, pinned by ``tests/server/test_error_shape.py``::

    {"error": {"status": 412, "code": "stale", "message": "…", "details": {…} or null}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 412: "stale", 413: "too_large", 422: "invalid", 429: "too_many_requests",
         500: "internal_error"}


class ApiError(Exception):
    """An error a route raises on purpose: status, a message for people, and machine-readable details."""

    def __init__(self, status: int, message: str, *, code: str | None = None, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}


class LoginRequired(Exception):
    """A page asked for by someone not logged in: they are sent to the login page."""


def error_body(status: int, message: str, code: str | None = None, details: Any = None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code or CODES.get(status, "error"), "message": message,
                      "details": details}}


def _json(status: int, message: str, code: str | None = None, details: Any = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, details), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Route every error through the one shape; nothing reaches a user as a traceback."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return _json(exc.status, exc.message, exc.code, exc.details, exc.headers)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
        return _json(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        problems = [{"loc": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "")} for e in exc.errors()]
        where = "; ".join(f"{'.'.join(p['loc'])}: {p['message']}" for p in problems[:5])
        return _json(422, f"the request is not valid: {where}", "invalid_request", {"problems": problems})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("journeymap.server").error("internal error: %s", type(exc).__name__, exc_info=exc)
        return _json(500, "internal error; the server log has the details", "internal_error")
