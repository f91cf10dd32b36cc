"""Paths and transitions: what customers really do next, at step, stage or event level.

A transition is a pair of consecutive items of one customer in journey order (time, then
source order). At event level with ``collapse_repeats=False`` this is exactly the
directly-follows graph of process mining (pm4py's ``discover_dfg``), self-loops included.
With ``collapse_repeats`` runs of the same item count once (a page reloaded five times is
one visit). ``probability`` is the share of the source's outgoing transitions.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.index import journey_index, store_index
from journeymap.engine.prepared import prepared_steps
from journeymap.engine.steps import customer_window, designed_stage_edges, visits
from journeymap.errors import JourneymapError, suggest
from journeymap.model.types import Journey

Level = Literal["step", "stage", "event"]
ARROW = " \u2192 "


def items(journey: Journey, table: ir.Table, level: Level) -> tuple[ir.Table, str]:
    """The event table reduced to one ``unit`` column for the chosen level."""
    if level == "event":
        return table.select("customer_id", "ts", "seq", unit=table.event), "unit"
    if level not in ("step", "stage"):
        raise JourneymapError(f"unknown level {level!r}; expected one of: step, stage, event")
    matched = prepared_steps(journey, table)
    key = [c for c in ("cust",) if c in matched.columns]  # the integer customer key, when prepared
    return matched.select("customer_id", "ts", "seq", *key, unit=matched[level]), "unit"


def pairs(journey: Journey, table: ir.Table, *, level: Level = "step", collapse_repeats: bool = True,
          positional: bool = True) -> ir.Table:
    """Every transition: ``customer_id, source, target, ts, seconds`` (and ``cust`` on a prepared table;
    ``positional``: see
    :func:`~journeymap.engine.compile.with_next`)."""
    t, unit = items(journey, table, level)
    key = [c for c in ("cust",) if c in t.columns]
    if collapse_repeats:
        v = visits(t, unit)
        return v.filter(v.next_unit.notnull()).select(
            "customer_id", *key, source=v[unit], target=v.next_unit, ts=v.ts, seconds=v.gap_s)
    n = C.with_next(t, {"target": unit, "next_ts": "ts"}, positional=positional)
    n = n.filter(n.target.notnull())
    return n.select("customer_id", *key, source=n[unit], target=n.target, ts=n.ts,
                    seconds=C.seconds_between(n.ts, n.next_ts))


def _coded_pairs(t: ir.Table, *, collapse_repeats: bool, positional: bool) -> ir.Table:
    """Event-level transitions of the journey index's codes: ``cust, source, target, seconds``
    with ``source`` and ``target`` the events' integer codes (decoded after aggregation)."""
    t = t.select("cust", "ts", "seq", unit=t.ev)
    if collapse_repeats:
        v = visits(t, "unit")
        return v.filter(v.next_unit.notnull()).select("cust", source=v.unit, target=v.next_unit, seconds=v.gap_s)
    n = C.with_next(t, {"target": "unit", "next_ts": "ts"}, positional=positional)
    n = n.filter(n.target.notnull())
    return n.select("cust", source=n.unit, target=n.target, seconds=C.seconds_between(n.ts, n.next_ts))


def _decode_events(g: ir.Table, names: ir.Table) -> ir.Table:
    """Codes back to event names (the dictionary has a few hundred rows at most)."""
    src = names.select(source=names.ev, _s=names.event)
    tgt = names.select(target=names.ev, _t=names.event)
    out = g.join(src, "source").join(tgt, "target")
    cols = [c for c in g.columns if c not in ("source", "target")]
    return out.select(*cols, source=out._s, target=out._t)


def transitions_expr(journey: Journey, table: ir.Table, *, level: Level = "step", collapse_repeats: bool = True,
                     timing: bool = True, detail: bool = True) -> ir.Table:
    """The transition graph as one expression (see :func:`transitions`)."""
    # the detailed graph reads the pairs twice (counts and times): windows, which spill (see with_next)
    index = store_index(table) if level == "event" else None
    if index is not None:  # the store's events: integer codes and customer numbers (engine.index)
        p = _coded_pairs(index.codes, collapse_repeats=collapse_repeats, positional=True)
        return _decode_events(_graph(p, "cust", timing=timing, detail=detail), index.names)
    ji = journey_index(journey, table) if level == "step" and collapse_repeats else None
    if ji is not None:  # step visits and their next steps, already in the journey's index
        gaps = ji.gaps
        p = gaps.select("cust", source=gaps.si, target=gaps.nsi, seconds=gaps.gap)
        ids = {i: s.id for i, s in enumerate(journey.steps)}
        g = _graph(p, "cust", timing=timing, detail=detail)
        null = ibis.null("string")
        return g.mutate(source=g.source.substitute(ids, else_=null), target=g.target.substitute(ids, else_=null))
    p = pairs(journey, table, level=level, collapse_repeats=collapse_repeats, positional=not detail)
    return _graph(p, C.customer_key(p), timing=timing, detail=detail)


def _graph(p: ir.Table, key: str, *, timing: bool, detail: bool) -> ir.Table:
    """Counts (and with ``detail`` customers, median and p90 seconds) per edge of transitions ``p``."""
    if not detail:  # counts only: the directly-follows graph, as process-mining tools give it
        g = p.group_by(["source", "target"]).aggregate(count=p.count())
        return g.mutate(probability=g["count"].cast("float64") / g["count"].sum().over(ibis.window(group_by="source")))
    # customers per edge by a two-level count, not COUNT(DISTINCT): DuckDB slows down badly
    # when a distinct aggregate shares a GROUP BY with quantiles
    per_customer = p.group_by([key, "source", "target"]).aggregate(n=p.count())
    g = per_customer.group_by(["source", "target"]).aggregate(count=per_customer.n.sum(),
                                                               customers=per_customer.count())
    if timing:
        g = g.join(_times(p), ["source", "target"], how="left")
    out_w = ibis.window(group_by="source")
    return g.mutate(probability=g["count"].cast("float64") / g["count"].sum().over(out_w))


def _times(p: ir.Table) -> ir.Table:
    """Median and p90 seconds per edge of transitions ``p``."""
    times = p.group_by(["source", "target"]).aggregate(_q=C.quantiles(p.seconds, [0.5, 0.9]))
    return times.select("source", "target", median_seconds=times._q[0], p90_seconds=times._q[1])


def transitions(journey: Journey, table: ir.Table, *, level: Level = "step", collapse_repeats: bool = True,
                top: int | None = None, min_count: int = 0, detail: bool = True) -> pd.DataFrame:
    """The transition graph: ``source, target, count, customers, probability, median_seconds,
    p90_seconds, designed`` (``designed`` for step and stage level), most frequent first.

    ``top`` and ``min_count`` prune light edges so a graph of 100+ event names stays readable.
    Without ``detail`` only counts and probabilities are computed (customers and times stay
    empty): several times faster on a large event-level graph.
    """
    index = store_index(table) if level == "event" else None
    if detail and index is not None:
        # two queries: DuckDB is several times slower when one query reads the pairs twice
        df = C.execute(transitions_expr(journey, table, level=level, collapse_repeats=collapse_repeats,
                                        timing=False))
        p = _coded_pairs(index.codes, collapse_repeats=collapse_repeats, positional=True)
        times = C.execute(_decode_events(_times(p), index.names))
        sql = f"{df.attrs.get(C.SQL_ATTR)};\n{times.attrs.get(C.SQL_ATTR)}"
        df = df.merge(times, on=["source", "target"], how="left")
        df.attrs[C.SQL_ATTR] = sql
    else:
        df = C.execute(transitions_expr(journey, table, level=level, collapse_repeats=collapse_repeats,
                                        detail=detail))
    for col in ("customers", "median_seconds", "p90_seconds"):
        if col not in df:
            df[col] = pd.NA if col == "customers" else float("nan")
    sql = df.attrs.get(C.SQL_ATTR)
    if level == "step":
        designed = set(journey.designed_edges())
    elif level == "stage":
        designed = set(designed_stage_edges(journey))
    else:
        designed = set()
    df["designed"] = [(s, t) in designed for s, t in zip(df["source"], df["target"], strict=True)] \
        if level != "event" else pd.NA
    df = df.sort_values(["count", "source", "target"], ascending=[False, True, True]).reset_index(drop=True)
    if min_count:
        df = df[df["count"] >= min_count]
    if top is not None:
        df = df.head(top)
    df = df[["source", "target", "count", "customers", "probability", "median_seconds", "p90_seconds", "designed"]]
    df = df.reset_index(drop=True)
    df.attrs[C.SQL_ATTR] = sql
    return df


def _sequences(journey: Journey, table: ir.Table, level: Level, collapse_repeats: bool) -> ir.Table:
    t, unit = items(journey, table, level)
    if collapse_repeats:
        t = visits(t, unit)
    return t.group_by("customer_id").aggregate(path=C.ordered_collect(t[unit], [t.ts, t.seq]).join(ARROW))


def path_variants(journey: Journey, table: ir.Table, *, level: Level = "step", collapse_repeats: bool = True,
                  top: int = 10) -> pd.DataFrame:
    """The most frequent whole paths (variants): ``path, customers, share``."""
    seqs = _sequences(journey, table, level, collapse_repeats)
    df = C.execute(seqs.group_by("path").aggregate(customers=seqs.count()))
    total = int(df["customers"].sum()) if len(df) else 0
    df["share"] = df["customers"] / total if total else float("nan")
    df = df.sort_values(["customers", "path"], ascending=[False, True]).head(top).reset_index(drop=True)
    return df


def paths_around(journey: Journey, table: ir.Table, step: str, *, direction: Literal["after", "before"] = "after",
                 depth: int = 3, top: int = 10) -> pd.DataFrame:
    """The ``depth`` steps taken after (or before) a customer's first visit to ``step``."""
    valid = [s.id for s in journey.steps]
    if step not in valid:
        raise JourneymapError(f"unknown step {step!r} in journey {journey.id!r}; {suggest(step, valid)}")
    if depth < 1:
        raise JourneymapError(f"depth must be at least 1 (got {depth})")
    t, unit = items(journey, table, "step")
    v = visits(t, unit)
    w = customer_window(v)
    shift = (lambda k: v[unit].lead(k)) if direction == "after" else (lambda k: v[unit].lag(k))
    cols = {f"s{k}": shift(k).over(w) for k in range(1, depth + 1)}
    rn = ibis.row_number().over(ibis.window(group_by=["customer_id", unit], order_by=[v.ts, v.seq]))
    v = v.mutate(_rn=rn, **cols)
    first = v.filter((v[unit] == step) & (v._rn == 0))
    keys = [f"s{k}" for k in range(1, depth + 1)]
    df = C.execute(first.group_by(keys).aggregate(customers=first.count()))
    sql = df.attrs.get(C.SQL_ATTR)
    marker = "(end)" if direction == "after" else "(start)"
    paths = []
    for row in df[keys].itertuples(index=False):
        seen = [str(x) for x in row if isinstance(x, str)]
        if len(seen) < depth:
            seen.append(marker)
        paths.append(ARROW.join([step, *seen] if direction == "after" else [*seen[::-1], step]))
    df = pd.DataFrame({"path": paths, "customers": df["customers"].astype("int64")})
    df = df.groupby("path", as_index=False)["customers"].sum()
    df.attrs[C.SQL_ATTR] = sql
    total = int(df["customers"].sum()) if len(df) else 0
    df["share"] = df["customers"] / total if total else float("nan")
    return df.sort_values(["customers", "path"], ascending=[False, True]).head(top).reset_index(drop=True)


def paths_report(ws: Any, journey_id: str, *, level: Level = "step", after: str | None = None,
                 before: str | None = None, depth: int = 3, top: int = 15, collapse_repeats: bool = True,
                 table: ir.Table | None = None) -> dict[str, pd.DataFrame]:
    """The ``paths`` command's work: transitions and variants, or paths around one step."""
    journey = ws.journey(journey_id)
    if table is None:
        from journeymap.events.store import open_events

        table = open_events(ws)
    if after and before:
        raise JourneymapError("use --after or --before, not both")
    if after or before:
        step = after or before
        direction: Literal["after", "before"] = "after" if after else "before"
        assert step is not None
        return {f"paths {direction} {step}": paths_around(journey, table, step, direction=direction, depth=depth,
                                                          top=top)}
    return {
        "transitions": transitions(journey, table, level=level, collapse_repeats=collapse_repeats, top=top),
        "variants": path_variants(journey, table, level=level, collapse_repeats=collapse_repeats, top=top),
    }
