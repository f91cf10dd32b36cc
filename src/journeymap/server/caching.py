"""Conditional GET: a response with its ETag, or ``304 Not Modified`` when the client has that version.

A browser (or a script) that sends back the ETag it got in ``If-None-Match`` gets an empty 304 while the
resource is unchanged: the living map's page is 100 KB to several MB, the journey document tens of KB.
``Cache-Control: private, no-cache`` lets the browser keep a copy but ask every time, so an edit or a new
ingest shows at once.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

REVALIDATE = "private, no-cache"


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(request: Request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or etag.removeprefix("W/") in tags


def etagged(request: Request, body: bytes, etag: str, media_type: str,
            headers: dict[str, str] | None = None) -> Response:
    """``body`` with its ``etag`` (quoted, optionally ``W/``), or 304 when the client has it already."""
    out = {"ETag": etag, "Cache-Control": REVALIDATE, **(headers or {})}
    if not_modified(request, etag):
        return Response(status_code=304, headers=out)
    return Response(body, media_type=media_type, headers=out)
