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
from journeymap.engine import relations as R
from journeymap.engine.sessions import SessionSpec, session_relations
from journeymap.engine.source import EventSource
from journeymap.engine.steps import designed_stage_edges
from journeymap.errors import JourneymapError, suggest
from journeymap.model.types import Journey

Level = Literal["step", "stage", "event"]
ARROW = " \u2192 "


def _check_level(level: str) -> None:
    if level not in ("step", "stage", "event"):
        raise JourneymapError(f"unknown level {level!r}; expected one of: step, stage, event")


def _ids(journey: Journey, level: str) -> dict[int, str]:
    return dict(enumerate(s.id for s in (journey.steps if level == "step" else journey.stages)))


def pairs(journey: Journey, events: ir.Table | EventSource, *, level: Level = "step",
          collapse_repeats: bool = True) -> tuple[ir.Table, ir.Table | None]:
    """Every transition as ``cust, source, target, seconds`` (``source``/``target``: unit indices at step and
    stage level, event names or codes at event level), and the codes' dictionary when they are codes."""
    _check_level(level)
    source = EventSource.of(events)
    names = None
    if level == "event":
        units, names, ordered = source.event_units()
        nb = R.neighbours(units, ordered=ordered)
    else:
        rel = source.journey(journey)
        nb = rel.neighbours(level)  # type: ignore[arg-type]
        if collapse_repeats:
            v = rel.visits(level)  # type: ignore[arg-type]
            v = v.filter(v.nu.notnull())
            return v.select("cust", source=v.u, target=v.nu, seconds=v.gap), None
    p = R.visits(nb) if collapse_repeats else nb
    p = p.filter(p.nu.notnull())
    return p.select("cust", source=p.u, target=p.nu, seconds=p.gap), names


def _decode(g: ir.Table, names: ir.Table | None, ids: dict[int, str] | None) -> ir.Table:
    """Unit indices or event codes back to step/stage ids or event names (after aggregation: few rows)."""
    if ids is not None:
        null = ibis.null("string")
        return g.mutate(source=g.source.substitute(ids, else_=null), target=g.target.substitute(ids, else_=null))
    if names is None:
        return g
    src = names.select(source=names.ev, _s=names.event)
    tgt = names.select(target=names.ev, _t=names.event)
    out = g.join(src, "source").join(tgt, "target")
    cols = [c for c in g.columns if c not in ("source", "target")]
    return out.select(*cols, source=out._s, target=out._t)


def _graph(p: ir.Table, *, detail: bool) -> ir.Table:
    """Counts (and with ``detail`` customers) per edge of transitions ``p``, with the probabilities."""
    if not detail:  # counts only: the directly-follows graph, as process-mining tools give it
        g = p.group_by(["source", "target"]).aggregate(count=p.count())
    else:
        # customers per edge by a two-level count, not COUNT(DISTINCT): DuckDB slows down badly
        # when a distinct aggregate shares a GROUP BY with quantiles
        per_customer = p.group_by(["cust", "source", "target"]).aggregate(n=p.count())
        g = per_customer.group_by(["source", "target"]).aggregate(count=per_customer.n.sum(),
                                                                   customers=per_customer.count())
    return g.mutate(probability=g["count"].cast("float64") / g["count"].sum().over(ibis.window(group_by="source")))


def _times(p: ir.Table) -> ir.Table:
    """Median and p90 seconds per edge of transitions ``p``."""
    times = p.group_by(["source", "target"]).aggregate(_q=C.quantiles(p.seconds, [0.5, 0.9]))
    return times.select("source", "target", median_seconds=times._q[0], p90_seconds=times._q[1])


def transitions_expr(journey: Journey, events: ir.Table | EventSource, *, level: Level = "step",
                     collapse_repeats: bool = True, timing: bool = True, detail: bool = True) -> ir.Table:
    """The transition graph as one expression (see :func:`transitions`)."""
    p, names = pairs(journey, events, level=level, collapse_repeats=collapse_repeats)
    g = _graph(p, detail=detail)
    if detail and timing:
        j = g.join(_times(p), ["source", "target"], how="left")
        g = j.select(*g.columns, "median_seconds", "p90_seconds")
    return _decode(g, names, None if level == "event" else _ids(journey, level))


def _edges(journey: Journey, source: EventSource, level: Level, collapse_repeats: bool, detail: bool) -> pd.DataFrame:
    """The graph's edges: counts (and with ``detail`` customers, then median and p90 seconds in a second query:
    DuckDB is several times slower when one query reads computed pairs twice). Where the journey index applies
    both are kept in it, so the graph is computed once per store generation."""
    p, names = pairs(journey, source, level=level, collapse_repeats=collapse_repeats)
    ids = None if level == "event" else _ids(journey, level)
    owner = None if level == "event" else journey
    tag = f"graph-{level}-{'visits' if collapse_repeats else 'events'}"
    counts = source.kept(tag if detail else f"{tag}-counts", lambda: _decode(_graph(p, detail=detail), names, ids),
                         journey=owner)
    df = C.execute(counts)
    if detail:
        times = C.execute(source.kept(f"{tag}-times", lambda: _decode(_times(p), names, ids), journey=owner))
        sql = f"{df.attrs.get(C.SQL_ATTR)};\n{times.attrs.get(C.SQL_ATTR)}"
        df = df.merge(times, on=["source", "target"], how="left")
        df.attrs[C.SQL_ATTR] = sql
    return df


def transitions(journey: Journey, events: ir.Table | EventSource, *, level: Level = "step",
                collapse_repeats: bool = True, top: int | None = None, min_count: int = 0,
                detail: bool = True) -> pd.DataFrame:
    """The transition graph: ``source, target, count, customers, probability, median_seconds,
    p90_seconds, designed`` (``designed`` for step and stage level), most frequent first.

    ``top`` and ``min_count`` prune light edges so a graph of 100+ event names stays readable.
    Without ``detail`` only counts and probabilities are computed (customers and times stay
    empty): several times faster on a large event-level graph.
    """
    _check_level(level)
    source = EventSource.of(events)
    df = source.memo(("transitions", journey.id if level != "event" else "", level, collapse_repeats, detail),
                     lambda: _edges(journey, source, level, collapse_repeats, detail)).copy()
    sql = df.attrs.get(C.SQL_ATTR)
    for col in ("customers", "median_seconds", "p90_seconds"):
        if col not in df:
            df[col] = pd.NA if col == "customers" else float("nan")
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


def path_variants(journey: Journey, events: ir.Table | EventSource, *, level: Level = "step",
                  collapse_repeats: bool = True, top: int = 10, sessions: SessionSpec | None = None) -> pd.DataFrame:
    """The most frequent whole paths (variants): ``path, customers, share``; with ``sessions`` the paths of
    single sessions (:mod:`.sessions`), and ``customers`` counts sessions."""
    _check_level(level)
    if sessions is not None and level == "event":
        raise JourneymapError("variants per session are measured on the journey's steps or stages, not on "
                              "event level; use --level step or stage")
    source = EventSource.of(events)

    def build() -> ir.Table:
        if level == "event":
            units, names, ordered = source.event_units()
            if names is not None:  # codes: decode the few names, then collect
                units = units.join(names.select(u=names.ev, _name=names.event), "u").select(
                    "cust", "ts", "seq", u=ibis._["_name"])
                ordered = False
            t = R.visits(R.neighbours(units, ordered=ordered)) if collapse_repeats else units
            label = t.u
        else:
            rel = source.journey(journey) if sessions is None else session_relations(source, journey, sessions)
            t = rel.visits(level) if collapse_repeats else rel.units(level)  # type: ignore[arg-type]
            label = t.u.substitute(_ids(journey, level), else_=ibis.null("string"))
        seqs = t.group_by("cust").aggregate(path=C.ordered_collect(label, [t.ts, t.seq]).join(ARROW))
        return seqs.group_by("path").aggregate(customers=seqs.count())

    name = f"variants-{level}-{'visits' if collapse_repeats else 'events'}"
    if sessions is not None:
        name += f"-sessions-{sessions.tag}"
    counts = source.kept(name, build, journey=None if level == "event" else journey)
    total = int(C.scalar(counts.customers.sum()) or 0)
    df = C.execute(counts.order_by([ibis.desc("customers"), "path"]).limit(top))
    sql = df.attrs.get(C.SQL_ATTR)
    df["share"] = df["customers"] / total if total else float("nan")
    df = df.reset_index(drop=True)
    df.attrs[C.SQL_ATTR] = sql
    return df


def paths_around(journey: Journey, events: ir.Table | EventSource, step: str, *,
                 direction: Literal["after", "before"] = "after", depth: int = 3, top: int = 10) -> pd.DataFrame:
    """The ``depth`` steps taken after (or before) a customer's first visit to ``step``."""
    valid = [s.id for s in journey.steps]
    if step not in valid:
        raise JourneymapError(f"unknown step {step!r} in journey {journey.id!r}; {suggest(step, valid)}")
    if depth < 1:
        raise JourneymapError(f"depth must be at least 1 (got {depth})")
    rel = EventSource.of(events).journey(journey)
    ids = _ids(journey, "step")
    v = rel.visits("step")
    w = ibis.window(group_by="cust", order_by=[v.ts, v.seq])
    shift = (lambda k: v.u.lead(k)) if direction == "after" else (lambda k: v.u.lag(k))
    cols = {f"s{k}": shift(k).over(w) for k in range(1, depth + 1)}
    rn = ibis.row_number().over(ibis.window(group_by=["cust", "u"], order_by=[v.ts, v.seq]))
    v = v.mutate(_rn=rn, **cols)
    first = v.filter((v.u == valid.index(step)) & (v._rn == 0))
    keys = [f"s{k}" for k in range(1, depth + 1)]
    df = C.execute(first.group_by(keys).aggregate(customers=first.count()))
    sql = df.attrs.get(C.SQL_ATTR)
    marker = "(end)" if direction == "after" else "(start)"
    paths = []
    for row in df[keys].itertuples(index=False):
        seen = [ids[int(x)] for x in row if x is not None and x == x]
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
                 before: str | None = None, depth: int = 3, top: int | None = 15, variants: int = 10,
                 collapse_repeats: bool = True, table: ir.Table | EventSource | None = None,
                 sessions: SessionSpec | None = None) -> dict[str, pd.DataFrame]:
    """The ``paths`` command's work: transitions (the ``top`` heaviest edges, every edge with ``top=None``) and
    the ``variants`` most frequent whole paths (none with 0), or the paths around one step."""
    from journeymap.engine.source import open_source

    journey = ws.journey(journey_id)
    if after and before:
        raise JourneymapError("use --after or --before, not both")
    if top is not None and top < 1:
        raise JourneymapError(f"--top must be at least 1 (got {top}); --all shows every edge")
    if variants < 0:
        raise JourneymapError(f"--variants must be 0 or more (got {variants})")
    source = EventSource.of(table) if table is not None else open_source(ws)
    try:
        if after or before:
            step = after or before
            direction: Literal["after", "before"] = "after" if after else "before"
            assert step is not None
            return {f"paths {direction} {step}": paths_around(journey, source, step, direction=direction,
                                                              depth=depth, top=top or 1_000_000)}
        out = {"transitions": transitions(journey, source, level=level, collapse_repeats=collapse_repeats, top=top)}
        if variants:
            out["variants"] = path_variants(journey, source, level=level, collapse_repeats=collapse_repeats,
                                            top=variants, sessions=sessions)
        for df in out.values():
            df.attrs["plan"] = list(source.plan)
        return out
    finally:
        if table is None:
            source.close()
