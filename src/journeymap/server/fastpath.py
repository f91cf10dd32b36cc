"""Answering from memory in the event loop, and only otherwise in a worker thread.

Most requests ask for something the app holds already: the loaded workspace, a journey file's version,
a measured overlay, a rendered map. A synchronous route costs a hop to a worker thread and back, and
under load dozens of runnable threads queue for the GIL behind each other: that, not the work, made the
tail latency. :func:`answer` runs a route's function in the event loop with :data:`QUICK` set; anything
that would have to wait (reload the workspace after an edit on disk, measure a journey, wait for a lock
held by a save) raises :class:`Slow` instead, and the whole function runs again in a worker thread. So
the function must change nothing before the point where it may raise :class:`Slow` (reads only).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")

QUICK: ContextVar[bool] = ContextVar("journeymap_quick", default=False)
#: What this answer has looked up already (the workspace's snapshot, the store's generation): asked once each.
MEMO: ContextVar[dict[str, Any] | None] = ContextVar("journeymap_memo", default=None)


class Slow(Exception):
    """Raised, in the event loop, by a step that would have to wait: run the whole answer in a thread."""


def quick() -> bool:
    """Whether the caller runs in the event loop and must not wait."""
    return QUICK.get()


def need_time() -> None:
    """Give up the quick attempt if there is one (the caller is about to do slow work)."""
    if QUICK.get():
        raise Slow()


def memo(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per answer (every call when not inside :func:`answer`)."""
    seen = MEMO.get()
    if seen is None:
        return compute()
    if key not in seen:
        seen[key] = compute()
    return seen[key]  # type: ignore[no-any-return]


def _with_memo(fn: Callable[[], T]) -> T:
    token = MEMO.set({})
    try:
        return fn()
    finally:
        MEMO.reset(token)


async def answer(fn: Callable[[], T]) -> T:
    """``fn()`` in the event loop when everything it needs is in memory, else in a worker thread."""
    token = QUICK.set(True)
    try:
        return _with_memo(fn)
    except Slow:
        pass
    finally:
        QUICK.reset(token)
    return await run_in_threadpool(_with_memo, fn)
