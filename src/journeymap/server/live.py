"""Live updates: every saved change (in the app or on disk) is pushed to the open pages as a server-sent event.

Pages subscribe to ``GET /api/v1/live``; a save publishes ``{"type": "journey", "id": …, "etag": …, "by": …}``
and a new comment ``{"type": "comment", …}``. The watcher checks the workspace files every
``watch_seconds`` (0.5 s by default), so two browsers see each other's changes within a second.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any


class Broadcaster:
    """Fan-out of events to every subscribed page; publishing is safe from any thread."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            queues = list(self._subscribers)
        for q in queues:
            loop.call_soon_threadsafe(_put, q, event)

    async def stream(self, is_disconnected: Any, heartbeat: float = 15.0, limit: float | None = None) \
            -> AsyncIterator[str]:
        """``text/event-stream`` lines until the client goes away (or ``limit`` seconds, for tests)."""
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        with self._lock:
            self._subscribers.add(q)
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            # "hello" once subscribed: from here on nothing is missed (a page that hears it again after losing the
            # stream knows it may have missed something and loads what it shows again)
            yield "retry: 1000\n\nevent: hello\ndata: {}\n\n"
            while limit is None or loop.time() - start < limit:
                try:
                    event = await asyncio.wait_for(q.get(), timeout=min(heartbeat, limit or heartbeat))
                except TimeoutError:
                    if await is_disconnected():
                        break
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        finally:
            with self._lock:
                self._subscribers.discard(q)


def _put(q: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if q.full():  # a page that stopped reading loses its oldest news, never blocks the others
        q.get_nowait()
    q.put_nowait(event)
