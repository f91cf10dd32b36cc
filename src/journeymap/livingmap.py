"""The living map: one builder of everything measured that a journey map shows.

Events (reach, conversion, drop-off, timing, flows, funnel, conformance: :mod:`journeymap.engine.overlay`),
what needs attention (the top findings, :mod:`journeymap.engine.findings`, as badges on their steps)
and the voice of the customer (the measured emotion curve, peak-end, "expected vs received" notes:
:mod:`journeymap.voc.emotion`) are put together here and nowhere else. ``render --with-data``, the
report, the demo and the Python API all call :func:`living_map`, so the map looks the same wherever
it appears.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from journeymap.engine.source import EventSource
    from journeymap.model.workspace import Workspace
    from journeymap.results import MapOverlay


def living_map(ws: Workspace, journey_id: str, events: ir.Table | EventSource | None = None, *,
               since: dt.date | dt.datetime | None = None, until: dt.date | dt.datetime | None = None,
               window: dt.timedelta | None = None) -> MapOverlay:
    """Measure journey ``journey_id`` on the events (``events``, or the workspace's) and its feedback.

    The feedback is read from the workspace's store (the same connection when the events are the store's);
    without feedback the map shows the measured events only. ``since``/``until`` limit the events; the
    emotion curve uses all feedback of the journey.
    """
    from journeymap.engine.overlay import build_overlay
    from journeymap.engine.source import EventSource, open_source
    from journeymap.voc.emotion import add_to_overlay

    if events is None:
        with open_source(ws) as source:
            return living_map(ws, journey_id, source, since=since, until=until, window=window)
    source = EventSource.of(events)
    overlay = build_overlay(ws, journey_id, source, since=since, until=until, window=window)
    backend: Any = source.all_events.get_backend() if source.backend == "duckdb" else None
    overlay = add_to_overlay(overlay, ws, journey_id, backend)
    add_findings(overlay, ws, journey_id, source, since=since, until=until, window=window)
    return overlay


#: Findings shown as badges on the living map (the highest scores; ``journeymap findings`` lists them all).
MAP_FINDINGS = 10


def add_findings(overlay: MapOverlay, ws: Workspace, journey_id: str, source: EventSource, *,
                 since: dt.date | dt.datetime | None = None, until: dt.date | dt.datetime | None = None,
                 window: dt.timedelta | None = None) -> None:
    """What needs attention: every finding (:mod:`journeymap.engine.findings`, ranked by impact) in
    ``overlay.findings``, and the titles of the top :data:`MAP_FINDINGS` on the steps they are about (a badge each
    on the map)."""
    from journeymap.engine.findings import FindingsOptions, journey_findings
    from journeymap.errors import JourneymapError

    if overlay.events == 0:
        return
    period = source.period(since, until) if since is not None or until is not None else source
    journey = ws.journey(journey_id)
    options = FindingsOptions.of(ws, window.total_seconds() if window is not None else None)
    try:
        # the same call as `journeymap findings`, so the map, the report and the command share one kept result
        found = journey_findings(ws, journey, period, options).findings
    except JourneymapError as exc:  # the map stays useful without them; say why they are missing
        overlay.notes.append(str(exc))
        return
    overlay.findings = found
    for f in found[:MAP_FINDINGS]:
        for step in dict.fromkeys(f.steps):
            if step in overlay.steps:
                overlay.steps[step].findings.append(f.title)
