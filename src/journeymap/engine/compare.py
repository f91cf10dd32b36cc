"""Comparisons: period vs period and segment vs segment, with a significance test.

Conversion and drop-off per step are proportions of the step's reached customers, compared
with the **two-proportion z-test** (pooled standard error, two-sided; Fisher's exact test where a
cell expects fewer than 10, :mod:`.stats`). ``q_value`` corrects the table's tests for their number
(Benjamini–Hochberg); a change is flagged ``significant`` when ``q < alpha`` (default 0.05).
Median time to the next step is shown side by side, not tested (``test`` says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine import stats
from journeymap.engine.breakdown import with_group
from journeymap.engine.source import EventSource
from journeymap.engine.steps import step_metrics
from journeymap.errors import JourneymapError
from journeymap.model.types import Journey

Z_TEST = stats.Z_TEST
FISHER = stats.FISHER
COLUMNS = ["step", "metric", "a", "b", "n_a", "n_b", "change", "z", "p_value", "significant", "test"]


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) for proportions x1/n1 vs x2/n2 (positive z: the second is larger); (nan, nan) when
    untestable. The test is statsmodels' (:func:`journeymap.engine.stats.two_proportion_z`)."""
    return stats.two_proportion_z(x1, n1, x2, n2)


def compare_metrics(a: pd.DataFrame, b: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Compare two :func:`step_metrics` results step by step (``change`` = b − a); ``q_value`` is the
    Benjamini–Hochberg value over the table's tests, ``significant`` says q < ``alpha``."""
    out = _compare_metrics(a, b, alpha=alpha)
    out["q_value"] = stats.bh(out["p_value"].astype("float64").tolist(), alpha)
    out["significant"] = out["q_value"].astype("float64").lt(alpha)
    return out[[*COLUMNS[:-2], "q_value", "significant", "test"]]


def _compare_metrics(a: pd.DataFrame, b: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    b_by = b.set_index("step")
    for ra in a.itertuples():
        rb = b_by.loc[ra.step]
        for metric, count in (("conversion", "converted"), ("dropoff", "dropped")):
            va, vb = getattr(ra, metric), rb[metric]
            na, nb = int(ra.reach), int(rb["reach"])
            z, p = (stats.compare_proportions(int(getattr(ra, count)), na, int(rb[count]), nb)
                    if pd.notna(va) and pd.notna(vb) else (float("nan"), float("nan")))
            exact = stats.small_expected(int(getattr(ra, count)), na, int(rb[count]), nb)
            rows.append({"step": ra.step, "metric": metric, "a": va, "b": vb, "n_a": na, "n_b": nb,
                         "change": vb - va if pd.notna(va) and pd.notna(vb) else float("nan"),
                         "z": z, "p_value": p, "significant": bool(pd.notna(p) and p < alpha),
                         "test": FISHER if exact else Z_TEST})
        va, vb = ra.median_seconds, rb["median_seconds"]
        rows.append({"step": ra.step, "metric": "median_seconds", "a": va, "b": vb, "n_a": int(ra.visits),
                     "n_b": int(rb["visits"]), "change": vb - va if pd.notna(va) and pd.notna(vb) else float("nan"),
                     "z": float("nan"), "p_value": float("nan"), "significant": False, "test": stats.TESTS["none"]})
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


def compare_report(ws: Any, journey_id: str, *, a: str, b: str | None = None, by: str | None = None,
                   window: dt.timedelta | None = None, where: Sequence[tuple[str, str]] = (),
                   table: ir.Table | EventSource | None = None, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """The ``compare`` command's work: with ``by``, the customers whose value of ``by`` is ``a`` against those
    with ``b`` (default: every other value; :mod:`.where`); without, period ``a`` against period ``b``
    (each ``START:END``, the end excluded)."""
    from journeymap.engine.source import open_source
    from journeymap.engine.where import restrict

    journey = ws.journey(journey_id)
    source = EventSource.of(table) if table is not None else open_source(ws)
    try:
        base = restrict(source, ws, journey, where)
        if by is not None:
            key = by.split(":", 1)[1] if by.startswith("property:") else by
            sa = restrict(base, ws, journey, [(key, a)])
            sb = restrict(base, ws, journey, [(key, b)]) if b is not None else \
                restrict(base, ws, journey, [(key, a)], other=True)
            ma, mb = step_metrics(journey, sa, window=window), step_metrics(journey, sb, window=window)
            label_b = b if b is not None else f"other than {a!r}"
            for label, m in ((repr(a), ma), (label_b, mb)):
                if int(m["reach"].sum()) == 0:
                    raise JourneymapError(f"no customer with {key} {label} has events on the map's steps: "
                                          "nothing to compare")
            out = compare_metrics(ma, mb, alpha=alpha)
        else:
            if b is None:
                raise JourneymapError("compare two periods with --a START:END --b START:END, or two segments "
                                      "with --by KEY --a VALUE [--b VALUE]")
            pa_, pb_ = parse_period(a, "--a"), parse_period(b, "--b")
            ma = step_metrics(journey, base.period(*pa_), window=window)
            mb = step_metrics(journey, base.period(*pb_), window=window)
            for label, m, (since, until) in (("--a", ma, pa_), ("--b", mb, pb_)):
                if int(m["reach"].sum()) == 0:
                    raise JourneymapError(f"period {label} ({since} to {until}) has no events on the map's steps: "
                                          "nothing to compare")
            out = compare_metrics(ma, mb, alpha=alpha)
        out.attrs[C.SQL_ATTR] = mb.attrs.get(C.SQL_ATTR)
        out.attrs["plan"] = list(source.plan)
        return {"compare": out}
    finally:
        if table is None:
            source.close()


def parse_period(text: str, option: str) -> tuple[dt.date, dt.date]:
    """``2025-10-06:2025-10-20`` as (start, end), the end excluded; refused clearly when malformed."""
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        a, b = dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip())
    except ValueError:
        raise JourneymapError(f"{option} {text!r} is not a period; write START:END as dates, the end excluded, "
                              "e.g. 2025-10-06:2025-10-20") from None
    if b <= a:
        raise JourneymapError(f"{option} {text!r} ends before it starts; write START:END with START before END")
    return a, b
