"""Designed vs observed: how far the journey customers take is the journey the map designs.

The design is the map's flow: each step's ``next`` edges (or the following step), and the
entry steps (``entry: true``; the first step when none is marked). Observed transitions are
consecutive step visits (repeats collapsed), as in :mod:`journeymap.engine.transitions`.

* **fitness**: share of observed transitions the design allows.
* **journeys following the design**: share of customers (with any event on the map) who
  start at an entry step and take only designed transitions.
* **undesigned transitions**: the most frequent transitions the design does not have, with
  the customers taking them; entering at a non-entry step shows as ``(start) → step``.
* **skipped steps**: for an undesigned jump forward ``a → b`` (``b`` later on the map) the
  steps on the shortest designed path from ``a`` to ``b`` were skipped (counted once per
  transition). Jumps back are loops, not skips.
* **never seen**: steps on the map no event matched (assumed, not real).
"""

from __future__ import annotations

from collections import deque

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.source import EventSource, JourneyRelations
from journeymap.engine.transitions import transitions
from journeymap.errors import JourneymapError, suggest
from journeymap.model.types import Journey
from journeymap.results import Conformance, Flow

START = "(start)"


def entry_steps(journey: Journey) -> list[str]:
    """Steps where the design lets a journey start."""
    marked = [s.id for s in journey.steps if s.entry]
    if marked or not journey.steps:
        return marked
    return [journey.steps[0].id]


def _entries_and_following(rel: JourneyRelations, journey: Journey) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries per step, and the customers following the design: a customer follows it when its first step is
    an entry step and none of its visits is followed by a step the design does not lead to."""
    ids = [s.id for s in journey.steps]
    source = rel.source

    def firsts() -> ir.Table:
        f = rel.firsts("step")
        return f.select("cust", first=f.u)

    def entries_expr() -> ir.Table:
        f = firsts()
        return f.group_by("first").aggregate(customers=f.count())

    entries = C.execute(source.kept("entries", entries_expr, journey=journey) if source else entries_expr())
    sql = entries.attrs.get(C.SQL_ATTR)
    entries = pd.DataFrame({"step": [ids[int(i)] for i in entries["first"]],
                            "customers": entries["customers"].astype("int64")})
    entries.attrs[C.SQL_ATTR] = sql
    entry_idx = [i for i, s in enumerate(ids) if s in set(entry_steps(journey))] or [-1]

    def following_expr() -> ir.Table:
        st = rel.summary("step")
        undesigned = st.group_by("cust").aggregate(n=st.n_undesigned.sum())
        j = firsts().join(undesigned, "cust", how="left")
        ok = (j.n.fill_null(0) == 0) & j["first"].isin(entry_idx)
        return j.aggregate(customers=j.count(), following=ok.cast("int32").sum())

    name = "following-" + "-".join(map(str, entry_idx))
    summary = C.execute(source.kept(name, following_expr, journey=journey) if source else following_expr())
    return entries, summary


def _shortest(edges: list[tuple[str, str]], a: str, b: str) -> list[str] | None:
    nxt: dict[str, list[str]] = {}
    for x, y in edges:
        nxt.setdefault(x, []).append(y)
    prev: dict[str, str] = {}
    queue, seen = deque([a]), {a}
    while queue:
        x = queue.popleft()
        for y in nxt.get(x, []):
            if y in seen:
                continue
            prev[y] = x
            if y == b:
                path = [b]
                while path[-1] != a:
                    path.append(prev[path[-1]])
                return path[::-1]
            seen.add(y)
            queue.append(y)
    return None


def conformance_tables(journey: Journey, events: ir.Table | EventSource) -> dict[str, pd.DataFrame]:
    """The figures behind :func:`conformance` as DataFrames: ``transitions`` (with ``designed``),
    ``entries`` (first step per customer), ``summary`` (one row) and ``skipped``."""
    source = EventSource.of(events)
    rel = source.journey(journey)
    tr = transitions(journey, source, level="step")
    entries, summary = _entries_and_following(rel, journey)
    entries["designed"] = entries["step"].isin(entry_steps(journey)).astype(bool)
    total_tr = int(tr["count"].sum()) if len(tr) else 0
    ok_tr = int(tr.loc[tr["designed"], "count"].sum()) if len(tr) else 0
    customers = int(summary["customers"].iloc[0] or 0)
    following = int(summary["following"].iloc[0] or 0)
    skipped: dict[str, int] = {}
    order = {s.id: i for i, s in enumerate(journey.steps)}
    for r in tr[~tr["designed"]].itertuples():
        if order[str(r.target)] <= order[str(r.source)]:
            continue  # a jump back is a loop, not a skip
        path = _shortest(journey.designed_edges(), str(r.source), str(r.target))
        for sid in (path or [])[1:-1]:
            skipped[sid] = skipped.get(sid, 0) + int(r.count)
    st = rel.summary("step")
    seen_idx = set(C.execute(st.select("u").distinct())["u"].astype(int))
    seen = {journey.steps[i].id for i in seen_idx}
    summary_df = pd.DataFrame([{
        "customers": customers, "following_design": following,
        "share_following_design": following / customers if customers else float("nan"),
        "transitions": total_tr, "designed_transitions": ok_tr,
        "fitness": ok_tr / total_tr if total_tr else float("nan"),
        "never_seen": ", ".join(s.id for s in journey.steps if s.id not in seen),
    }])
    skipped_df = pd.DataFrame(sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0])), columns=["step", "skipped"])
    for df in (summary_df, skipped_df, entries):
        df.attrs[C.SQL_ATTR] = summary.attrs.get(C.SQL_ATTR)
    return {"transitions": tr, "entries": entries, "summary": summary_df, "skipped": skipped_df}


def conformance(journey: Journey, events: ir.Table | EventSource, *, top: int = 10) -> Conformance:
    """The designed-vs-observed summary the map shows (see the module docstring)."""
    tabs = conformance_tables(journey, events)
    s = tabs["summary"].iloc[0]
    tr, entries = tabs["transitions"], tabs["entries"]
    flows = [Flow(str(r.source), str(r.target), int(r.customers), designed=False)
             for r in tr[~tr["designed"]].itertuples()]
    flows += [Flow(START, str(r.step), int(r.customers), designed=False)
              for r in entries[~entries["designed"]].itertuples()]
    flows.sort(key=lambda f: (-f.customers, f.source, f.target))
    never = [x for x in str(s["never_seen"]).split(", ") if x]
    return Conformance(
        journeys_following_design=float(s["share_following_design"]) if s["customers"] else 0.0,
        fitness=float(s["fitness"]) if s["transitions"] else 1.0,
        undesigned=flows[:top],
        never_seen_steps=never,
        skipped_steps=[(str(r.step), int(r.skipped)) for r in tabs["skipped"].itertuples()],
    )


def deviation_customers(journey: Journey, events: ir.Table | EventSource, source: str, target: str) -> pd.DataFrame:
    """The customers who took transition ``source → target`` (``(start)`` for an entry), with
    how often and when first: for follow-up on a deviation."""
    valid = [s.id for s in journey.steps]
    for sid in (source, target):
        if sid != START and sid not in valid:
            raise JourneymapError(f"unknown step {sid!r} in journey {journey.id!r}; {suggest(sid, valid)}")
    rel = EventSource.of(events).journey(journey)
    ids = {s.id: i for i, s in enumerate(journey.steps)}
    if source == START:
        seqs = rel.sequences()
        hit = seqs.filter(seqs.sis[0] == ids[target])
        df = C.execute(hit.select("customer_id", times=ibis.literal(1, "int64"), first_at=hit.tss[0]))
        # (the sequences: the customer id and the time come with them)
    else:
        v = rel.visits("step")
        hit = v.filter((v.u == ids[source]) & (v.nu == ids[target]))
        m = rel.matched.select("cust", "customer_id").distinct()
        per = hit.group_by("cust").aggregate(times=hit.count(), first_at=hit.ts.min())
        j = per.join(m, "cust")
        df = C.execute(j.select("customer_id", "times", "first_at"))
    return df.sort_values("customer_id").reset_index(drop=True)
