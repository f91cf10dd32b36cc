"""The living map: one builder of everything measured that a journey map shows.

Events (reach, conversion, drop-off, timing, flows, funnel, conformance: :mod:`journeymap.engine.overlay`)
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

    from journeymap.model.workspace import Workspace
    from journeymap.render.overlay import MapOverlay


def living_map(ws: Workspace, journey_id: str, table: ir.Table | None = None, *,
               since: dt.date | dt.datetime | None = None, until: dt.date | dt.datetime | None = None,
               window: dt.timedelta | None = None) -> MapOverlay:
    """Measure journey ``journey_id`` on the events (``table``, or the workspace's store) and its feedback.

    The feedback is read from the same backend as ``table`` when it holds a ``feedback`` table (the
    embedded store does); without feedback the map shows the measured events only. ``since``/``until``
    limit the events; the emotion curve uses all feedback of the journey.
    """
    from journeymap.engine.overlay import build_overlay
    from journeymap.voc.emotion import add_to_overlay

    if table is not None:
        overlay = build_overlay(ws, journey_id, table, since=since, until=until, window=window)
        backend: Any = table.get_backend()
        return add_to_overlay(overlay, ws, journey_id, backend)
    from journeymap.events.store import connect, open_events

    backend = connect(ws)  # one connection for the events and the feedback
    try:
        overlay = build_overlay(ws, journey_id, open_events(ws, backend), since=since, until=until, window=window)
        return add_to_overlay(overlay, ws, journey_id, backend)
    finally:
        backend.disconnect()
