"""The engine's one choke point: every analysis is an Ibis expression, compiled and run here.

Analyses build Ibis expressions and never touch a backend directly. This module turns an
expression into SQL for the backend that holds its tables (DuckDB embedded by default,
PySpark, or any other Ibis backend), runs it, and keeps the compiled SQL beside the result
so every number can be traced to the query that produced it (``--explain``).

The few places where backends differ (ordered aggregation) are handled here too, so the
analysis modules stay backend-neutral.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

#: DataFrame.attrs key holding the compiled SQL of the query behind a result.
SQL_ATTR = "sql"


def backend_name(expr: ir.Expr) -> str:
    """The name of the backend that holds the expression's tables (``duckdb``, ``pyspark`` …)."""
    try:
        return str(expr.get_backend().name)
    except Exception:  # an unbound expression: compile for the embedded default
        return "duckdb"


def to_sql(expr: ir.Expr) -> str:
    """The SQL the expression compiles to on its own backend."""
    return str(ibis.to_sql(expr, dialect=backend_name(expr)))


def _prepare(expr: ir.Expr) -> None:
    if backend_name(expr) == "duckdb":
        con: Any = expr.get_backend()
        # DuckDB 2 rejects the ``x -> f(x)`` lambda syntax that Ibis still emits for array maps.
        con.raw_sql("SET lambda_syntax='ENABLE_SINGLE_ARROW'")


def execute(expr: ir.Table) -> pd.DataFrame:
    """Run a table expression; the result carries its compiled SQL in ``df.attrs['sql']``."""
    _prepare(expr)
    df = expr.execute()
    df = df.reset_index(drop=True)
    df.attrs[SQL_ATTR] = to_sql(expr)
    return df


def scalar(expr: ir.Scalar) -> Any:
    """Run a scalar expression (a count, a minimum) and return the Python value."""
    _prepare(expr)
    value = expr.execute()
    if hasattr(value, "item"):
        value = value.item()
    return value


def ordered_collect(value: ir.Value, order_by: Sequence[ir.Value], *, where: ir.BooleanValue | None = None) -> ir.ArrayValue:
    """Collect ``value`` per group as an array ordered by ``order_by``.

    The values are collected as structs with the sort keys first, each group's (short)
    array is sorted, and the values projected back. Spark has no ordered aggregation, and
    on DuckDB this is several times faster than ``list(x ORDER BY …)``, which buffers and
    sorts whole groups inside the aggregate.
    """
    return sorted_structs(value, order_by, where=where).map(lambda s: s["v"])


def sorted_structs(value: ir.Value, order_by: Sequence[ir.Value], *,
                   where: ir.BooleanValue | None = None) -> ir.ArrayValue:
    """Per group, an array of ``{k0, k1, …, v}`` structs sorted by the keys (see :func:`ordered_collect`).

    Callers that also need a sort key (the time) read it from ``k0`` instead of collecting it twice.
    """
    fields: dict[str, ir.Value] = {f"k{i}": key for i, key in enumerate(order_by)}
    fields["v"] = value
    return ibis.struct(fields).collect(where=where).sort()


def seconds_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.NumericValue:
    """Seconds from ``start`` to ``end`` between whole-second clock readings, as float64.

    Both ends are floored to whole seconds first: Spark's epoch is whole seconds and DuckDB's
    has a fraction, and the same data must give the same numbers on every backend.
    """
    return (end.epoch_seconds().floor() - start.epoch_seconds().floor()).cast("float64")


def quantile(value: ir.NumericValue, q: float, *, where: ir.BooleanValue | None = None) -> ir.NumericScalar:
    """An interpolated quantile, optionally over the rows where ``where`` holds.

    The filter is applied by nulling the other values: Spark refuses Ibis's filtered form
    (its ``percentile`` wants a constant percentage).
    """
    if where is not None:
        value = ibis.ifelse(where, value, ibis.null(value.type()))
    return value.median() if q == 0.5 else value.quantile(q)


def quantiles(value: ir.NumericValue, qs: Sequence[float], *, where: ir.BooleanValue | None = None) -> ir.ArrayValue:
    """Several interpolated quantiles as one array aggregate (index it for each quantile).

    One multi-quantile is several times faster on DuckDB than separate quantile aggregates
    in the same GROUP BY (measured: 5.8 s vs 24 s for median + p90 over 15 M values).
    """
    if where is not None:
        value = ibis.ifelse(where, value, ibis.null(value.type()))
    return value.quantile(list(qs))
