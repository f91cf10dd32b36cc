"""Figures from the events and the feedback, measured through :mod:`journeymap.api` and kept per version.

Measuring a journey on millions of events takes seconds; showing it again must not. A result is
kept under the journey file's version and the store's generation (the store file's size and time),
so a new ingest or an edited binding measures again and nothing else does. The web layer computes
nothing itself: it asks these functions, which ask the API.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from journeymap.model.workspace import Workspace
from journeymap.server.fastpath import memo, need_time

T = TypeVar("T")
EXTERNAL_TTL = 600.0  # events read from another engine have no file to watch: measure again after this


class Measures:
    """A small cache of measured results with one computation per key at a time."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    @staticmethod
    def generation(ws: Workspace) -> tuple[Any, ...] | None:
        """What identifies the store's contents now; None when there are no events to measure (looked at
        once per :func:`~journeymap.server.fastpath.answer`)."""
        return memo("generation", lambda: Measures._generation(ws))

    @staticmethod
    def _generation(ws: Workspace) -> tuple[Any, ...] | None:
        if ws.settings.events.source.kind != "store":
            return ("external", int(time.time() // EXTERNAL_TTL))
        from journeymap.events.store import store_path

        path: Path = store_path(ws)
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        wal = path.with_name(path.name + ".wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
        return (st.st_size, st.st_mtime_ns, wal_size)

    def cached(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
            return None if hit is None else hit[1]

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The value kept under ``key``, else ``compute()`` (in the event loop: :class:`Slow` instead)."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
            need_time()
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # the first caller measures; the others wait for its result
            with self._lock:
                hit = self._items.get(key)
            if hit is not None:
                return hit[1]  # type: ignore[no-any-return]
            started = time.perf_counter()
            depth = _NESTED.set(_NESTED.get() + 1)
            try:
                value = compute()
            finally:
                _NESTED.reset(depth)
            with self._lock:
                self._items[key] = (time.time(), value)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
                self._locks.pop(key, None)
            if time.perf_counter() - started >= SETTLE_AFTER and _NESTED.get() == 0:  # once, after the outermost
                settle_heap()
            return value


#: A computation at least this long (seconds) is a measurement that leaves much behind: settle the heap after it.
#: Settling costs one full collection (0.1-0.3 s), a small share of such a measurement, too much after a cheap one.
SETTLE_AFTER = 1.0
_NESTED: ContextVar[int] = ContextVar("journeymap_measuring", default=0)


def settle_heap() -> None:
    """Collect once, then tell Python's garbage collector that what lives now stays (``gc.freeze``).

    A measurement leaves millions of long-lived objects (the overlay, the modules it loaded, the parsed
    files); each full collection then walked all of them, 100 to 300 ms in which no request was answered,
    and under load the collector runs every few seconds. Frozen objects are not walked. Called at start and
    after each computation that took :data:`SETTLE_AFTER` seconds or more; ``gc.unfreeze`` first, so what
    was frozen and is garbage by now (an evicted measurement) is collected.
    """
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


# --- the figures the pages and the API show -----------------------------------------------------------------------

def _measured(state: Any, journey_id: str) -> tuple[Workspace, tuple[Any, ...]] | None:
    """The workspace and what a journey's figures depend on (its file's version, the store's), or None
    without events."""
    ws = state.files.workspace()
    gen = Measures.generation(ws)
    if gen is None:
        return None
    return ws, (journey_id, state.files.read(journey_id).etag, gen)


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, tuples lists, dates text."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item())
    return value


def as_json(value: Any) -> bytes:
    """``value`` as compact JSON (UTF-8), NaN and infinities as null."""
    import json

    return json.dumps(clean(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def overlay(state: Any, journey_id: str) -> Any | None:
    """The living map's measured figures (:func:`journeymap.api.build_overlay`), or None without events."""
    from journeymap import api

    measured = _measured(state, journey_id)
    if measured is None:
        return None
    ws, key = measured
    return state.measures.get(("overlay", *key), lambda: api.build_overlay(ws, journey_id))


def overlay_json(state: Any, journey_id: str) -> bytes | None:
    """:func:`overlay` as the API's JSON, made once per version."""
    import dataclasses

    measured = _measured(state, journey_id)
    if measured is None:
        return None
    return state.measures.get(("overlay-json", *measured[1]),  # type: ignore[no-any-return]
                              lambda: as_json(dataclasses.asdict(overlay(state, journey_id))))  # type: ignore[arg-type]


def living_map_html(state: Any, journey_id: str) -> tuple[str, bytes]:
    """The journey map as the self-contained HTML page (UTF-8), with the measured figures when there are
    events, and its ETag. Rendered once per version of the workspace's files (a persona's name is on the map
    too) and of the store; measured once per version of the journey file and of the store."""
    import hashlib

    from journeymap.render import render_html

    fingerprint, ws = state.files.snapshot()
    key = ("map", journey_id, fingerprint, Measures.generation(ws))

    def render() -> tuple[str, bytes]:
        html = render_html(ws, journey_id, overlay(state, journey_id)).encode("utf-8")
        return 'W/"' + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:32] + '"', html

    return state.measures.get(key, render)  # type: ignore[no-any-return]


def findings(state: Any, journey_id: str, lang: str | None = None) -> list[Any] | None:
    """Every finding of the journey, ranked (:func:`journeymap.api.findings` with its defaults, titles in
    ``lang``, by default the workspace's language), or None without events."""
    from journeymap import api

    measured = _measured(state, journey_id)
    if measured is None:
        return None
    ws, key = measured
    lang = lang or ws.settings.language
    return state.measures.get(("findings", *key, lang),  # type: ignore[no-any-return]
                              lambda: api.findings(journey_id, ws.root, lang=lang).findings)


def findings_json(state: Any, journey_id: str, lang: str | None = None, kinds: tuple[str, ...] = ()) -> bytes | None:
    """:func:`findings` of ``kinds`` (all when empty) as the API's JSON list, made once per version."""
    measured = _measured(state, journey_id)
    if measured is None:
        return None
    lang = lang or measured[0].settings.language

    def make() -> bytes:
        found = findings(state, journey_id, lang) or []
        return as_json([f.as_dict() for f in found if not kinds or f.kind in kinds])

    return state.measures.get(("findings-json", *measured[1], lang, kinds), make)  # type: ignore[no-any-return]


def feedback_nps(state: Any, journey_id: str) -> tuple[float | None, int]:
    """The journey's NPS and its number of answers (None without feedback)."""
    from journeymap import api
    from journeymap.errors import JourneymapError

    ws = state.files.workspace()
    gen = Measures.generation(ws)
    if gen is None:
        return None, 0

    def compute() -> tuple[float | None, int]:
        try:
            report = api.feedback(ws.root, journey=journey_id)
        except JourneymapError:
            return None, 0
        row = next((r for r in report.rows if r.metric == "nps" and r.group is None), None)
        return (row.value, row.n) if row is not None else (None, 0)

    return state.measures.get(("nps", journey_id, gen), compute)


def health(state: Any, db: Any, journey_id: str) -> dict[str, Any]:
    """A journey's health: conversion to the goal, its trend, NPS, sentiment, open pain points, staleness."""
    import datetime as dt

    from journeymap.errors import JourneymapError
    from journeymap.server import revisions

    ws = state.files.workspace()
    j = ws.journeys[journey_id]
    done = {o.step for o in j.opportunities if o.status == "done" and o.step}
    open_pain = sum(1 for s in j.steps for _ in s.pain_points if s.id not in done)
    severe = sum(1 for s in j.steps for p in s.pain_points if s.id not in done and p.severity in ("high", "critical"))
    last = revisions.latest(db, journey_id)
    changed = last.created_at if last is not None else None
    today = dt.datetime.now(dt.UTC).date()
    out: dict[str, Any] = {
        "id": journey_id, "title": j.title, "steps": len(j.steps), "stages": len(j.stages),
        "open_pain_points": open_pain, "severe_pain_points": severe,
        "opportunities": len(j.opportunities), "changed_at": changed.isoformat() + "Z" if changed else None,
        "days_since_change": (today - changed.date()).days if changed else None,
        "review_date": j.review_date.isoformat() if j.review_date else None,
        "review_overdue": bool(j.review_date and j.review_date < today),
        "has_data": False, "conversion": None, "trend": None, "nps": None, "nps_n": 0, "sentiment": None,
        "customers": None, "findings": None,
    }
    ov = overlay(state, journey_id)
    if ov is None:
        return out
    out["has_data"] = True
    out["customers"] = ov.customers
    if ov.funnel:
        out["conversion"] = ov.funnel[-1].conversion_from_start
    goal = j.steps[-1].id if j.steps else None
    if goal and goal in ov.steps:
        out["trend"] = ov.steps[goal].trend
    n = sum(e.n for e in ov.emotions.values())
    if n:
        out["sentiment"] = sum(e.score * e.n for e in ov.emotions.values()) / n
    out["nps"], out["nps_n"] = feedback_nps(state, journey_id)
    try:
        found = findings(state, journey_id)
    except JourneymapError:  # e.g. another file of the workspace has errors: the rest of the health stands
        found = None
    out["findings"] = len(found) if found is not None else None
    return out
