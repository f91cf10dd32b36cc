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

from journeymap.engine import stats
from journeymap.engine.findings.base import Candidate, FindingsOptions
from journeymap.engine.findings.change import customer_frame, outcome_columns
from journeymap.engine.findings.data import MASK_STEPS, FindingsData, Segment, segment_columns
from journeymap.results import Finding


def dimensions(data: FindingsData, which: str, opts: FindingsOptions) -> dict[str, Segment]:
    """Each scannable segment column by key (``which``: ``all`` or ``complete`` customers), partitions that
    repeat another left out."""
    key = f"dimensions-{which}"
    if key in data.cache:
        return data.cache[key]  # type: ignore[no-any-return]
    out: dict[str, Segment] = {}
    for dim, seg in segment_columns(data, which, opts.segment_values).items():
        if any(_same_partition(seg, other) for other in out.values()):
            continue
        out[dim.split(":", 1)[1]] = seg
    data.cache[key] = out
    return out


def _same_partition(a: Segment, b: Segment) -> bool:
    """Whether two segments split the customers alike (each value of one is exactly one value of the other)."""
    ka, kb = len(a.names) + 1, len(b.names) + 1
    pairs = np.bincount((a.codes + 1) * kb + (b.codes + 1), minlength=ka * kb).reshape(ka, kb) > 0
    return bool((pairs.sum(axis=1) <= 1).all() and (pairs.sum(axis=0) <= 1).all())


def tested_values(seg: Segment, opts: FindingsOptions) -> list[int]:
    """The values compared with the rest: enough customers on both sides; of two values only the smaller."""
    counts = seg.counts()
    total = int(counts.sum())
    ok = [i for i, k in enumerate(counts) if k >= opts.min_customers and total - k >= opts.min_customers]
    if (counts > 0).sum() == 2 and len(ok) == 2:
        return [min(ok, key=lambda i: (counts[i], i))]
    return ok


def candidates(data: FindingsData, opts: FindingsOptions) -> list[Candidate]:
    out: list[Candidate] = []
    complete = customer_frame(data)
    metrics = outcome_columns(data, complete)
    for key, seg in dimensions(data, "complete", opts).items():
        tested = tested_values(seg, opts)
        for metric, (hit, base) in metrics.items():
            n_by, x_by = seg.counts(base), seg.counts(hit & base)
            out += [_compare(metric, [], key, seg.names[i], n_by, x_by, i, opts) for i in tested]
    if len(data.marks.ids) <= MASK_STEPS:
        reach = complete["reach_w"].to_numpy("int64")
        conv = complete["conv_w"].to_numpy("int64")
        for key, seg in dimensions(data, "complete", opts).items():
            tested = tested_values(seg, opts)
            for u in data.marks.conversion:
                base = (reach >> u) & 1 == 1
                n_by, x_by = seg.counts(base), seg.counts(base & ((conv >> u) & 1 == 1))
                out += [_compare("conversion", [data.marks.ids[u]], key, seg.names[i], n_by, x_by, i, opts)
                        for i in tested]
    return [c for c in out if c.finding.p_value is not None]


def _compare(metric: str, steps: list[str], key: str, value: str, n_by: np.ndarray, x_by: np.ndarray, i: int,
             opts: FindingsOptions) -> Candidate:
    n2, x2 = int(n_by[i]), int(x_by[i])
    n1, x1 = int(n_by.sum()) - n2, int(x_by.sum()) - x2
    _z, p = stats.compare_proportions(x1, n1, x2, n2)
    f = Finding(kind="segment", title="", metric=metric, steps=steps, segment={key: value},
                baseline=x1 / n1 if n1 else None, observed=x2 / n2 if n2 else None, customers=n2, n=n2,
                p_value=None if p != p else p,
                test=stats.FISHER if stats.small_expected(x1, n1, x2, n2) else stats.Z_TEST)
    if f.baseline is not None and f.observed is not None:
        f.effect = f.observed - f.baseline
        f.interval = stats.diff_interval(x1, n1, x2, n2)
        f.score = n2 * abs(f.effect)
    f.details["rest"] = n1
    return Candidate(f, "segment", group=f"segment:{metric}:{','.join(steps)}", size=abs(f.effect or 0.0),
                     rank=abs(f.effect or 0.0),
                     eligible=n2 >= opts.min_customers and n1 >= opts.min_customers
                     and opts.big_enough(f.baseline, f.observed, "share"))
