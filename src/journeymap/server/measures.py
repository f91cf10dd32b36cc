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
from pathlib import Path
from typing import Any, TypeVar

from journeymap.model.workspace import Workspace

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
        """What identifies the store's contents now; None when there are no events to measure."""
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
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # the first caller measures; the others wait for its result
            with self._lock:
                hit = self._items.get(key)
            if hit is not None:
                return hit[1]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                self._items[key] = (time.time(), value)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
                self._locks.pop(key, None)
            return value


# --- the figures the pages and the API show -----------------------------------------------------------------------

def overlay(state: Any, journey_id: str) -> Any | None:
    """The living map's measured figures (:func:`journeymap.api.build_overlay`), or None without events."""
    from journeymap import api

    ws = state.files.workspace()
    gen = Measures.generation(ws)
    if gen is None:
        return None
    version = state.files.read(journey_id).etag
    return state.measures.get(("overlay", journey_id, version, gen), lambda: api.build_overlay(ws, journey_id))


def living_map_html(state: Any, journey_id: str) -> str:
    """The journey map as the self-contained HTML page, with the measured figures when there are events."""
    from journeymap.render import render_html

    ws = state.files.workspace()
    gen = Measures.generation(ws)
    version = state.files.read(journey_id).etag
    return state.measures.get(("map", journey_id, version, gen),
                              lambda: render_html(ws, journey_id, overlay(state, journey_id)))


def findings(state: Any, journey_id: str, lang: str | None = None) -> list[Any] | None:
    """Every finding of the journey, ranked (:func:`journeymap.api.findings` with its defaults, titles in
    ``lang``, by default the workspace's language), or None without events."""
    from journeymap import api

    ws = state.files.workspace()
    gen = Measures.generation(ws)
    if gen is None:
        return None
    lang = lang or ws.settings.language
    version = state.files.read(journey_id).etag
    return state.measures.get(("findings", journey_id, version, gen, lang),  # type: ignore[no-any-return]
                              lambda: api.findings(journey_id, ws.root, lang=lang).findings)


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
