"""Comparisons: period vs period and segment vs segment, with a significance test.

Conversion and drop-off per step are proportions of the step's reached customers, compared
with the **two-proportion z-test** (pooled standard error, two-sided). A change is flagged
``significant`` only when ``p < alpha`` (default 0.05) and both groups have customers.
Median time to the next step is shown side by side, not tested (``test`` says so).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import stats
from journeymap.engine.breakdown import with_group
from journeymap.engine.source import EventSource
from journeymap.engine.steps import step_metrics
from journeymap.errors import JourneymapError
from journeymap.model.types import Journey

Z_TEST = stats.Z_TEST
COLUMNS = ["step", "metric", "a", "b", "n_a", "n_b", "change", "z", "p_value", "significant", "test"]


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) for proportions x1/n1 vs x2/n2 (positive z: the second is larger); (nan, nan) when
    untestable. The test is statsmodels' (:func:`journeymap.engine.stats.two_proportion_z`)."""
    return stats.two_proportion_z(x1, n1, x2, n2)


def compare_metrics(a: pd.DataFrame, b: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Compare two :func:`step_metrics` results step by step (``change`` = b − a)."""
    rows: list[dict[str, Any]] = []
    b_by = b.set_index("step")
    for ra in a.itertuples():
        rb = b_by.loc[ra.step]
        for metric, count in (("conversion", "converted"), ("dropoff", "dropped")):
            va, vb = getattr(ra, metric), rb[metric]
            na, nb = int(ra.reach), int(rb["reach"])
            z, p = two_proportion_z(int(getattr(ra, count)), na, int(rb[count]), nb)
            rows.append({"step": ra.step, "metric": metric, "a": va, "b": vb, "n_a": na, "n_b": nb,
                         "change": vb - va if pd.notna(va) and pd.notna(vb) else float("nan"),
                         "z": z, "p_value": p, "significant": bool(pd.notna(p) and p < alpha), "test": Z_TEST})
        va, vb = ra.median_seconds, rb["median_seconds"]
        rows.append({"step": ra.step, "metric": "median_seconds", "a": va, "b": vb, "n_a": int(ra.visits),
                     "n_b": int(rb["visits"]), "change": vb - va if pd.notna(va) and pd.notna(vb) else float("nan"),
                     "z": float("nan"), "p_value": float("nan"), "significant": False, "test": "not tested"})
    return pd.DataFrame(rows, columns=COLUMNS)


def compare_periods(journey: Journey, table: ir.Table, a: tuple[dt.date | dt.datetime, dt.date | dt.datetime],
                    b: tuple[dt.date | dt.datetime, dt.date | dt.datetime], *, window: dt.timedelta | None = None,
                    alpha: float = 0.05) -> pd.DataFrame:
    """Period ``a`` (since, until) vs period ``b``, per step; an empty period is refused clearly."""
    ta, tb = EventSource.of(table, *a), EventSource.of(table, *b)
    ma, mb = step_metrics(journey, ta, window=window), step_metrics(journey, tb, window=window)
    for label, m, (since, until) in (("a", ma, a), ("b", mb, b)):
        if int(m["reach"].sum()) == 0:
            raise JourneymapError(f"period {label} ({since} to {until}) has no events on the map's steps: "
                                  "nothing to compare")
    return compare_metrics(ma, mb, alpha=alpha)


def compare_segments(journey: Journey, table: ir.Table, by: str, a: str, b: str, *, ws: Any = None,
                     window: dt.timedelta | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Segment ``a`` vs segment ``b`` of breakdown ``by`` (e.g. ``persona``, ``channel``)."""
    g = with_group(table, by, ws=ws, journey=journey)
    cols = list(table.columns)
    ta = g.filter(g._group == a).select(*cols)
    tb = g.filter(g._group == b).select(*cols)
    ma, mb = step_metrics(journey, ta, window=window), step_metrics(journey, tb, window=window)
    for label, m in ((a, ma), (b, mb)):
        if int(m["reach"].sum()) == 0:
            raise JourneymapError(f"segment {by}={label!r} has no events on the map's steps: nothing to compare")
    return compare_metrics(ma, mb, alpha=alpha)
