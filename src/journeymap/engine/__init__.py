"""The analytics engine: the living journey map computed from events, as Ibis expressions.

Phases: a journey's step bindings become Ibis predicates (:mod:`.binding`) → analyses
build Ibis expressions on an event table with the layout of ADR 0001 → one module,
:mod:`.compile`, compiles them for the table's backend and runs them → pandas
DataFrames (each with its SQL in ``df.attrs['sql']``) → the :class:`MapOverlay`
(:mod:`.overlay`) and the HTML report (:mod:`.report`).

The Python API (all return pandas DataFrames; ``journey`` is a
:class:`~journeymap.model.types.Journey`, ``table`` an Ibis table):

* :func:`.steps.step_metrics`, :func:`.steps.stage_metrics`
* :func:`.funnel.funnel`, :func:`.funnel.funnel_customers`
* :func:`.transitions.transitions`, :func:`.transitions.path_variants`, :func:`.transitions.paths_around`
* :func:`.conformance.conformance_tables`, :func:`.conformance.deviation_customers`
* :func:`.retention.retention`, :func:`.retention.lifecycle`
* :func:`.compare.compare_periods`, :func:`.compare.compare_segments`
* :func:`.attribution.attribution`
* :func:`.analyze.analyze` (all of them at once), :func:`.binding.check_bindings`,
  :func:`.overlay.build_overlay`, :func:`.report.write_report`

On the workspace's own store the analyses read the journey index (:mod:`.index`, ADR 0002):
the events as integer codes and, per journey, per-customer step summaries and step strings,
written beside the store on first use. Anywhere else the same analyses run as Ibis
expressions on the events themselves, with the same numbers.

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

