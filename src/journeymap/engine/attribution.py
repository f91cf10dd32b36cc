"""Attribution of a conversion step to the channels (or steps) that led to it.

Each customer's path is their touches (matched events before their first conversion, or
all of them when they never convert), as channels or steps, with runs of the same touch
collapsed. Rule-based models credit converting paths: **first** touch, **last** touch,
**linear** (equal shares), **position-based** (40 % first, 40 % last, 20 % shared by the
middle; 50/50 for two touches).

**Markov** (removal effect): a first-order chain ``start → touches → conversion | null``
built from all paths, converting or not. The conversion probability is solved exactly from
the absorbing chain (no random simulation, so it is deterministic); the removal effect of a
touch is the relative drop in that probability when the touch is removed (its traffic goes
to null). Conversions are shared in proportion to the removal effects, which are never
negative.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine import relations as R
from journeymap.engine.source import EventSource
from journeymap.engine.steps import window_seconds
from journeymap.errors import JourneymapError, suggest
from journeymap.model.types import Journey

By = Literal["channel", "step"]
SEP = "\u241f"  # a separator no channel or step id contains
MODELS = ("first", "last", "linear", "position_based", "markov")


def paths(journey: Journey, table: ir.Table | EventSource, conversion_step: str, *, by: By = "channel",
          window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """``path`` (list of touches), ``conversions``, ``non_conversions`` per distinct path.

    With ``window`` only touches within that time before the conversion count (lookback).
    """
    valid = [s.id for s in journey.steps]
    if conversion_step not in valid:
        raise JourneymapError(f"unknown conversion step {conversion_step!r}; {suggest(conversion_step, valid)}")
    if by not in ("channel", "step"):
        raise JourneymapError(f"unknown attribution level {by!r}; expected one of: channel, step")
    source = EventSource.of(table)
    seconds = window_seconds(window) if window is not None else None
    conv = valid.index(conversion_step)

    def build() -> ir.Table:
        m = source.journey(journey).matched
        null = ibis.null("string")
        step = m.si.substitute(dict(enumerate(valid)), else_=null)
        step_channel = m.si.substitute({i: s.channel for i, s in enumerate(journey.steps)}, else_=null)
        touch = step if by == "step" else m.channel.fill_null(step_channel)
        part = ibis.window(group_by="cust")
        m = m.mutate(touch=touch, conv_ts=m.ts.min(where=m.si == conv).over(part))
        before = m.filter((m.si != conv) & (m.conv_ts.isnull() | (m.ts < m.conv_ts)))
        if seconds is not None:
            before = before.filter(before.conv_ts.isnull()
                                   | (before.ts >= before.conv_ts - ibis.interval(seconds=int(seconds))))
        v = R.visits(R.neighbours(before.select("cust", "ts", "seq", "touch", "conv_ts"), "touch"))
        per = v.group_by("cust").aggregate(
            path=C.ordered_collect(v.touch, [v.ts, v.seq]).join(SEP),
            converted=v.conv_ts.notnull().cast("int32").max(),
        )
        return per.group_by("path").aggregate(conversions=per.converted.sum(),
                                              non_conversions=(1 - per.converted).sum())

    name = f"attribution-{by}-{conversion_step}-{'all' if seconds is None else int(seconds)}"
    df = C.execute(source.kept(name, build, journey=journey))
    sql = df.attrs.get(C.SQL_ATTR)
    df = df.astype({"conversions": "int64", "non_conversions": "int64"})  # (DuckDB sums as 128-bit integers)
    df = df.sort_values(["conversions", "non_conversions", "path"], ascending=[False, False, True]).reset_index(drop=True)
    df["path"] = [p.split(SEP) for p in df["path"]]
    df.attrs[C.SQL_ATTR] = sql
    return df


def rule_based(paths_df: pd.DataFrame) -> pd.DataFrame:
    """First, last, linear and position-based credit per touch."""
    credit: dict[str, dict[str, float]] = {}

    def add(touch: str, model: str, value: float) -> None:
        credit.setdefault(touch, {m: 0.0 for m in MODELS})[model] += value

    for path, conv in zip(paths_df["path"], paths_df["conversions"], strict=True):
        for t in path:
            credit.setdefault(t, {m: 0.0 for m in MODELS})
        if not conv or not path:
            continue
        n = len(path)
        add(path[0], "first", conv)
        add(path[-1], "last", conv)
        for t in path:
            add(t, "linear", conv / n)
        if n == 1:
            add(path[0], "position_based", conv)
        elif n == 2:
            add(path[0], "position_based", conv * 0.5)
            add(path[1], "position_based", conv * 0.5)
        else:
            add(path[0], "position_based", conv * 0.4)
            add(path[-1], "position_based", conv * 0.4)
            for t in path[1:-1]:
                add(t, "position_based", conv * 0.2 / (n - 2))
    return pd.DataFrame.from_dict(credit, orient="index", columns=list(MODELS))


def conversion_probability(paths_df: pd.DataFrame, removed: str | None = None) -> float:
    """P(reaching conversion from start) in the first-order chain, solved exactly.

    With ``removed``, transitions into that touch go to the null state instead.
    """
    touches = sorted({t for p in paths_df["path"] for t in p})
    states = ["(start)", *touches]
    idx = {s: i for i, s in enumerate(states)}
    n = len(states)
    counts = np.zeros((n, n + 2))  # columns: states…, conversion, null
    conv_col, null_col = n, n + 1
    for path, conv, non in zip(paths_df["path"], paths_df["conversions"], paths_df["non_conversions"], strict=True):
        seq = ["(start)", *path]
        for weight, end in ((int(conv), conv_col), (int(non), null_col)):
            if not weight:
                continue
            for a, b in zip(seq, seq[1:], strict=False):
                counts[idx[a], null_col if b == removed else idx[b]] += weight
            last = seq[-1]
            counts[idx[last], null_col if last == removed else end] += weight
    totals = counts.sum(axis=1, keepdims=True)
    probs = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    q = probs[:, :n]
    r = probs[:, conv_col]
    if removed is not None:  # the removed touch is never entered; make it absorbing in null
        k = idx[removed]
        q[k, :] = 0.0
        r[k] = 0.0
    x = np.linalg.solve(np.eye(n) - q, r)
    return float(x[0])


def markov(paths_df: pd.DataFrame) -> pd.DataFrame:
    """Removal effect and Markov credit per touch."""
    total = float(paths_df["conversions"].sum())
    touches = sorted({t for p in paths_df["path"] for t in p})
    if not touches or total == 0:
        return pd.DataFrame({"removal_effect": [0.0] * len(touches), "markov": [0.0] * len(touches)}, index=touches)
    base = conversion_probability(paths_df)
    effects = {t: max(0.0, (base - conversion_probability(paths_df, t)) / base) if base > 0 else 0.0
               for t in touches}
    s = sum(effects.values())
    return pd.DataFrame({"removal_effect": effects,
                         "markov": {t: total * e / s if s else 0.0 for t, e in effects.items()}})


def attribution(journey: Journey, table: ir.Table | EventSource, conversion_step: str, *, by: By = "channel",
                window: dt.timedelta | float | None = None) -> pd.DataFrame:
    """Credit per touch under each model: ``touch, first, last, linear, position_based, markov,
    removal_effect`` (credits are conversions; each model's column sums to the conversions
    that had at least one touch)."""
    p = paths(journey, table, conversion_step, by=by, window=window)
    rules = rule_based(p)
    mk = markov(p)
    out = rules.drop(columns="markov").join(mk, how="left").fillna(0.0)
    out = out.reset_index().rename(columns={"index": "touch"})
    out = out[["touch", "first", "last", "linear", "position_based", "markov", "removal_effect"]]
    out = out.sort_values(["markov", "touch"], ascending=[False, True]).reset_index(drop=True)
    out.attrs[C.SQL_ATTR] = p.attrs.get(C.SQL_ATTR)
    return out
