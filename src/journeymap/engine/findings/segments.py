"""Segment differences: every low-cardinality property scanned for different conversion, failure and loops.

The segments of a customer are the values of their first event that has each property (its channel and
source too) and their persona (:mod:`.data`); a property with more values than ``segment_values`` is
lumped to its most frequent values and ``(other)``, and skipped when those cover under 80 % of the
customers (an identifier, an amount). Two properties that split the customers the same way (a persona and
the property its rule reads, a channel and its source) are scanned once.

Each value with at least ``min_customers`` customers (and as many outside it) is compared with the other
customers who have a value (two-proportion z-test; customers without the property take no part) on: the goal reached, a failure, a recovery after it and a loop within
the first window (customers whose window is complete), and the conversion at each step that has one (as
:mod:`journeymap.engine.steps` counts it). A property with two values is tested once (the smaller value
against the larger: the mirror image is the same test). Of the segments that differ on one metric (at one
step) the one with the highest score is shown, the others listed in its details.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeymap.engine import stats
from journeymap.engine.findings.base import Candidate, FindingsOptions
from journeymap.engine.findings.change import customer_frame, outcome_columns
from journeymap.engine.findings.data import MASK_STEPS, NONE, FindingsData, segment_values
from journeymap.results import Finding


def dimensions(data: FindingsData, c: pd.DataFrame, opts: FindingsOptions) -> dict[str, pd.Series]:
    """Each scannable segment column as text values, partitions that repeat another left out."""
    out: dict[str, pd.Series] = {}
    seen: list[pd.Series] = []
    for dim in data.dims:
        values = segment_values(c[dim], opts.segment_values)
        if values is None:
            continue
        codes = pd.factorize(values)[0]
        if any(_same_partition(codes, other) for other in seen):
            continue
        seen.append(pd.Series(codes))
        out[dim.split(":", 1)[1]] = values
    return out


def _same_partition(a: np.ndarray, b: pd.Series) -> bool:
    pairs = pd.DataFrame({"a": a, "b": b.to_numpy()}).drop_duplicates()
    return bool(pairs["a"].is_unique and pairs["b"].is_unique)


def _tested_values(values: pd.Series, opts: FindingsOptions) -> list[str]:
    counts = values[values != NONE].value_counts()
    total = int(counts.sum())
    ok = [str(v) for v, k in counts.items() if k >= opts.min_customers and total - k >= opts.min_customers]
    if len(counts) == 2 and len(ok) == 2:
        return [str(counts.index[-1])]
    return ok


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    out: list[Candidate] = []
    complete = customer_frame(data)
    everyone = data.customers
    metrics = outcome_columns(data, complete)
    dims_complete = dimensions(data, complete, opts)
    dims_all = dimensions(data, everyone, opts)
    for key, values in dims_complete.items():
        known = (values != NONE).to_numpy()
        for value in _tested_values(values, opts):
            sel = (values == value).to_numpy()
            for metric, (hit, base) in metrics.items():
                out.append(_compare(metric, [], key, value, hit, base & known, sel, opts))
    if len(data.marks.ids) <= MASK_STEPS:
        reach = everyone["reach_all"].to_numpy("int64")
        conv = everyone["conv_all"].to_numpy("int64")
        for key, values in dims_all.items():
            known = (values != NONE).to_numpy()
            for value in _tested_values(values, opts):
                sel = (values == value).to_numpy()
                for u in data.marks.conversion:
                    base = ((reach >> u) & 1 == 1) & known
                    hit = (conv >> u) & 1 == 1
                    out.append(_compare("conversion", [data.marks.ids[u]], key, value, hit, base, sel, opts))
    return [c for c in out if c.finding.p_value is not None]


def _compare(metric: str, steps: list[str], key: str, value: str, hit: np.ndarray, base: np.ndarray,
             sel: np.ndarray, opts: FindingsOptions) -> Candidate:
    n1, n2 = int((base & ~sel).sum()), int((base & sel).sum())
    x1, x2 = int((hit & base & ~sel).sum()), int((hit & base & sel).sum())
    _z, p = stats.compare_proportions(x1, n1, x2, n2)
    f = Finding(kind="segment", title="", metric=metric, steps=steps, segment={key: value},
                baseline=x1 / n1 if n1 else None, observed=x2 / n2 if n2 else None, customers=n2, n=n2,
                p_value=None if p != p else p,
                test="Fisher's exact test" if stats.small_expected(x1, n1, x2, n2) else stats.Z_TEST)
    if f.baseline is not None and f.observed is not None:
        f.effect = f.observed - f.baseline
        f.interval = stats.diff_interval(x1, n1, x2, n2)
        f.score = n2 * abs(f.effect)
    f.details["rest"] = n1
    return Candidate(f, "segment", group=f"segment:{metric}:{','.join(steps)}", size=abs(f.effect or 0.0),
                     rank=abs(f.effect or 0.0),
                     eligible=n2 >= opts.min_customers and n1 >= opts.min_customers)
