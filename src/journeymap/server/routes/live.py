"""``GET /api/v1/live``: server-sent events of saved changes and comments, for the open pages."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from journeymap.server.auth import Viewer
from journeymap.server.state import StateDep

router = APIRouter(prefix="/api/v1", tags=["live"])


@router.get("/live", response_class=StreamingResponse)
async def live(request: Request, user: Viewer, state: StateDep,
               seconds: float | None = Query(None, gt=0, le=3600, description="end the stream after this long")) \
        -> StreamingResponse:
    """``text/event-stream``: first ``hello`` (subscribed: nothing after it is missed), then ``journey`` (id, etag,
    by), ``comment``, ``persona`` and ``workshop`` events as they happen."""
    return StreamingResponse(state.live.stream(request.is_disconnected, limit=seconds), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
