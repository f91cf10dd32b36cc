"""The analytics engine: the living journey map computed from events, as Ibis expressions.

Phases: a journey's step bindings become Ibis predicates (:mod:`.binding`) → the relations
every analysis is written on, each defined once (:mod:`.relations`: matched steps, visits,
per-customer summaries, firsts, sequences …) → an :class:`~.source.EventSource` decides how each
is kept (the journey index, :mod:`.index`, or the expression on the events) and records it in its
plan → analyses build Ibis expressions on the relations → one module, :mod:`.compile`, compiles
them for the backend and runs them → pandas DataFrames (each with its SQL in
``df.attrs['sql']`` and the plan in ``df.attrs['plan']``) → the :class:`~journeymap.results.MapOverlay`
(:mod:`.overlay`) and the HTML report (:mod:`.report`). ADR 0004.

The Python API (all return pandas DataFrames; ``journey`` is a
:class:`~journeymap.model.types.Journey`, ``events`` an Ibis table or an :class:`EventSource`),
importable from ``journeymap.engine``:

* :func:`.steps.step_metrics`, :func:`.steps.stage_metrics`
* :func:`.funnel.funnel`, :func:`.funnel.funnel_customers`
* :func:`.transitions.transitions`, :func:`.transitions.path_variants`, :func:`.transitions.paths_around`
* :func:`.conformance.conformance_tables`, :func:`.conformance.deviation_customers`
* :func:`.retention.retention`, :func:`.retention.lifecycle`
* :func:`.compare.compare_periods`, :func:`.compare.compare_segments`
* :func:`.attribution.attribution`
* :func:`.analyze.analyze` (all of them at once), :func:`.binding.check_bindings`,
  :func:`.overlay.build_overlay`, :func:`.report.write_report`
* :func:`.source.open_source` (the workspace's events, where ``events.source`` says)

Any scale
---------
The workspace's store is DuckDB (``journeymap.events.store.open_events(ws)``), but every
analysis takes any Ibis table with the event layout, so the same code runs where the
events already are. On a Spark cluster::

    import ibis
    from pyspark.sql import SparkSession
    from journeymap.model.workspace import load_workspace
    from journeymap.engine.steps import step_metrics

    spark = SparkSession.builder.remote("sc://spark-master:15002").getOrCreate()  # or .master("yarn")
    spark.conf.set("spark.sql.session.timeZone", "UTC")    # timestamps are naive UTC
    events = ibis.pyspark.connect(spark).table("analytics.events")
    ws = load_workspace("my-workspace")
    step_metrics(ws.journey("webshop"), events)

A warehouse works the same way with its Ibis backend (``ibis.bigquery.connect(...)``,
``ibis.snowflake.connect(...)``, ``ibis.trino.connect(...)`` …) and a table or view with
the layout's columns (``properties`` as a string-to-string map). DuckDB and PySpark are
tested for identical results in CI; other backends need ordered collection (arrays that
can be sorted and mapped) and regular expressions, which the big warehouses have.
"""

from typing import Any

#: The engine's public functions and types, importable from ``journeymap.engine`` (loaded on first use, so
#: importing one does not load them all).
_EXPORTS = {
    "EventSource": "source", "open_source": "source",
    "step_metrics": "steps", "stage_metrics": "steps",
    "funnel": "funnel", "funnel_customers": "funnel",
    "transitions": "transitions", "path_variants": "transitions", "paths_around": "transitions",
    "conformance": "conformance", "conformance_tables": "conformance", "deviation_customers": "conformance",
    "retention": "retention", "lifecycle": "retention",
    "compare_periods": "compare", "compare_segments": "compare",
    "attribution": "attribution",
    "analyze": "analyze", "check_bindings": "binding", "match_steps": "binding",
    "build_overlay": "overlay", "write_report": "report", "render_report": "report",
    "persona_counts": "personas",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"journeymap.engine.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'journeymap.engine' has no attribute {name!r}")

