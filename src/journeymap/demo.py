"""``journeymap demo``: the whole product on generated data, end to end.

A webshop workspace from the template, 100,000 customers' multi-channel events and their
feedback, ingested into the store, then the living map and the report rendered from it.
This module strings the layers together (model → events, voc → engine → render), which is
why it sits at the top beside :mod:`journeymap.api`, not inside one layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeymap.events.demo import create_demo
from journeymap.events.ingest import IngestReport
from journeymap.model.workspace import load_workspace
from journeymap.progress import progress

JOURNEY = "webshop"


@dataclass
class DemoRun:
    """What the demo made."""

    root: Path
    events_written: int
    ingest: IngestReport
    feedback: object  # journeymap.voc.ingest.FeedbackIngestReport
    map_file: Path
    report_file: Path


def run_demo(target: Path, customers: int = 100_000, seed: int = 42, lang: str = "en",
             quiet: bool = False) -> DemoRun:
    """Create the demo workspace in ``target`` and render its living map and report."""
    from journeymap.engine.index import index_workspace_store
    from journeymap.engine.report import write_report
    from journeymap.engine.source import open_source
    from journeymap.livingmap import living_map
    from journeymap.render import render_to_file
    from journeymap.voc.demo import generate_feedback
    from journeymap.voc.ingest import ingest_feedback

    events = create_demo(target, customers=customers, seed=seed, lang=lang, quiet=quiet)
    ws = load_workspace(events.root)
    index_workspace_store(ws, quiet=quiet)
    feedback = ingest_feedback(ws, [generate_feedback(ws, seed=seed)], quiet=quiet)
    map_file = ws.root / f"{JOURNEY}.html"
    report_file = ws.root / "report.html"
    with progress(quiet) as bar, open_source(ws) as source:  # one source: the map and the report's tables
        task = bar.add_task("measuring the journey and rendering the living map", total=3)
        overlay = living_map(ws, JOURNEY, source)
        bar.advance(task)
        render_to_file(ws, JOURNEY, map_file, overlay=overlay)
        bar.advance(task)
        write_report(ws, JOURNEY, report_file, source, overlay=overlay)  # the same living map, measured once
        bar.advance(task)
    return DemoRun(events.root, events.events_written, events.ingest, feedback, map_file, report_file)
