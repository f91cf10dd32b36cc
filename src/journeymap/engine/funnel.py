"""Funnels over any list of steps, in one pass whatever the number of steps.

How it stays linear in the events (not one self-join per step): each customer's (or each
attempt's) matched events are collected, in journey order, into a short string with one
letter per funnel step. A single nested regular expression then finds the furthest funnel
step reached, e.g. for steps A, B, C::

    A(?:[^B!]*B(?:[^C!]*C)?)?

The match starts at the entry (the leftmost ``A``), takes each next step at its first
occurrence after the previous one (greedy sequential matching), and stops at an exclusion
(``!``). Its last letter is the furthest step reached and its length locates that event's
timestamp in the collected time array. Both RE2 (DuckDB) and Java (Spark) evaluate it the
same way, in time linear in the string.

Modes: ``sequential`` (in order, other events allowed in between), ``strict`` (each step is
the very next visit), ``any`` (all steps within the window, in any order). Attempts:
``first`` (from a customer's first entry) or ``every`` (each entry-step event starts a new
attempt that runs until the next one). The conversion window runs from the entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine import relations as R
from journeymap.engine.binding import match_steps
from journeymap.engine.breakdown import with_group
from journeymap.engine.relations import STEP_CHARS
from journeymap.engine.sessions import SessionSpec, session_key, session_relations
from journeymap.engine.source import EventSource
from journeymap.engine.steps import window_seconds
from journeymap.errors import JourneymapError, suggest
from journeymap.model.types import Journey

Mode = Literal["sequential", "strict", "any"]
Attempts = Literal["first", "every"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
EXCLUDED = "!"
OTHER = "_"


def _check(journey: Journey, steps: list[str], exclude: list[str], mode: str, attempts: str) -> None:
    valid = [s.id for s in journey.steps]
    for s in [*steps, *exclude]:
        if s not in valid:
            raise JourneymapError(f"unknown step {s!r} in the funnel of journey {journey.id!r}; {suggest(s, valid)}")
    if len(steps) < 2:
        raise JourneymapError(f"a funnel needs at least two steps (got {len(steps)}: {', '.join(steps) or 'none'})")
    if set(exclude) & set(steps):
        raise JourneymapError("a step cannot be both in the funnel and excluded: "
                              + ", ".join(sorted(set(exclude) & set(steps))))
    if mode not in ("sequential", "strict", "any"):
        raise JourneymapError(f"unknown funnel mode {mode!r}; expected one of: sequential, strict, any")
    if attempts not in ("first", "every"):
        raise JourneymapError(f"unknown attempts {attempts!r}; expected one of: first, every")
    if mode == "any" and attempts == "every":
        raise JourneymapError("an any-order funnel counts each customer once: use attempts 'first'")
    if len(set(steps)) > len(LETTERS):
        raise JourneymapError(f"a funnel can have at most {len(LETTERS)} distinct steps (got {len(set(steps))})")


def pattern(codes: list[str], *, strict: bool, blocked: str = EXCLUDED) -> str:
    """The nested regex for codes ``[A, B, C]``: ``A(?:[^B!]*B(?:[^C!]*C)?)?`` (strict: no gaps)."""
    out = codes[-1]
    for j in range(len(codes) - 2, -1, -1):
        gap = "" if strict else f"[^{codes[j + 1]}{blocked}]*"
        out = f"{codes[j]}(?:{gap}{out})?"
    return out


def prefix_pattern(codes: list[str], *, strict: bool, blocked: str = EXCLUDED) -> str:
    """A regex that matches only when all of ``codes`` are reached in order: ``A[^B!]*B[^C!]*C``."""
    out = codes[0]
    for j in range(1, len(codes)):
        out += ("" if strict else f"[^{codes[j]}{blocked}]*") + codes[j]
    return out


def levels(journey: Journey, events: ir.Table | EventSource, steps: list[str], *, mode: Mode = "sequential",
           window: dt.timedelta | float | None = None, exclude: list[str] | None = None,
           attempts: Attempts = "first", by: str | None = None, ws: Any = None,
           sessions: SessionSpec | None = None) -> ir.Table:
    """One row per attempt: ``customer_id, attempt, level`` (funnel steps reached, 1..k),
    ``entered_at``, ``reached_at`` (time of the furthest step), ``seconds``, ``_group``. With ``sessions``
    each session is a customer of its own (:mod:`.sessions`): attempts start over in every session."""
    exclude = list(exclude or [])
    _check(journey, steps, exclude, mode, attempts)
    seconds = window_seconds(window)
    source = EventSource.of(events)
    position = {s.id: i for i, s in enumerate(journey.steps)}
    if (by is None and sessions is None and attempts == "first" and mode == "sequential"
            and len(journey.steps) <= len(STEP_CHARS)):
        seqs = source.journey(journey).sequences()
        return _first_attempt(seqs.mutate(_group=ibis.null("string")), [STEP_CHARS[position[s]] for s in steps],
                              "".join(STEP_CHARS[position[s]] for s in exclude), seconds, strict=False)
    distinct = list(dict.fromkeys(steps))
    code_of = {s: LETTERS[i] for i, s in enumerate(distinct)}
    codes = [code_of[s] for s in steps]
    mapping = {**{position[s]: EXCLUDED for s in exclude}, **{position[s]: c for s, c in code_of.items()}}
    if by is None and sessions is not None:
        base = session_relations(source, journey, sessions).matched.mutate(_group=ibis.null("string"))
    elif by is None:
        base = source.journey(journey).matched.mutate(_group=ibis.null("string"))
    else:  # a breakdown reads the events' properties: the events themselves, matched by the one matcher
        keys = {by.split(":", 1)[1]} if by.startswith("property:") else set()
        if by == "persona" and ws is not None:  # rules judged per event or session read the events' properties
            from journeymap.engine.personas import journey_personas, rule_keys

            keys |= rule_keys(journey_personas(ws, journey))
        if sessions is not None and sessions.key:
            keys.add(sessions.key)
        m = with_group(match_steps(journey, source.events_with(keys)), by, ws=ws, journey=journey, source=source)
        base = m.select(cust=m.customer_id, customer_id=m.customer_id, ts=m.ts, seq=m.seq,
                        si=m.step_idx.cast("int16"), _group=m._group)
        if sessions is not None:
            sid = None
            if sessions.key:
                col = f"property:{sessions.key}"
                base = base.mutate(_sid=m[col] if col in m.columns else m.properties.get(sessions.key))
                sid = "_sid"
            cut = R.sessions(base, sessions.gap_seconds, sid)
            base = cut.mutate(cust=session_key(cut)).drop("sess")
    entry = position[steps[0]]
    if mode == "strict":  # each step the very next visit: runs of one step are one visit
        base = R.visits(R.neighbours(base.select("cust", "customer_id", "ts", "seq", "si", "_group"), "si"))
    keep = sorted({position[s] for s in [*steps, *exclude]})
    if mode != "strict":
        base = base.filter(base.si.isin(keep))
    ev = base.select("cust", "customer_id", "ts", "seq", "_group",
                     code=base.si.substitute(mapping, else_=OTHER),
                     is_entry=(base.si == entry) if mode != "any" else base.si.isin([position[s] for s in distinct]))
    if attempts == "first" and mode != "any":  # each customer's funnel events as a string, then as above
        arrays = C.ordered_arrays({"letters": ev.code, "tss": ev.ts}, [ev.ts, ev.seq])
        per = ev.group_by("cust").aggregate(customer_id=ev.customer_id.min(), **arrays,
                                            _group=ev._group.argmin(ev.ts, where=ev.is_entry))
        per = per.select("customer_id", "tss", "_group", s=per.letters.join(""))
        return _first_attempt(per, codes, EXCLUDED, seconds, strict=mode == "strict")
    if attempts == "every":
        # a new attempt starts where a run of entry-step events starts (repeats are one visit)
        ordered = ibis.window(group_by="cust", order_by=[ev.ts, ev.seq])
        ev = ev.mutate(is_entry=ev.is_entry & (ev.code.lag().over(ordered) != ev.code).fill_null(True))
        w = ibis.window(group_by="cust", order_by=[ev.ts, ev.seq], preceding=None, following=0)
        ev = ev.mutate(attempt=ev.is_entry.cast("int32").sum().over(w))
        ev = ev.filter(ev.attempt > 0)
    else:
        ev = ev.mutate(attempt=ibis.literal(1, "int64"))
    part = ibis.window(group_by=["cust", "attempt"])
    ev = ev.mutate(entered_at=ev.ts.min(where=ev.is_entry).over(part))
    limit = ev.entered_at + ibis.interval(seconds=int(seconds))
    ev = ev.filter(ev.entered_at.notnull() & (ev.ts >= ev.entered_at) & (ev.ts <= limit))
    if mode == "any":
        return _any_levels(ev, code_of, exclude)
    arrays = C.ordered_arrays({"letters": ev.code, "tss": ev.ts}, [ev.ts, ev.seq])
    grouped = ev.group_by(["cust", "attempt"]).aggregate(
        customer_id=ev.customer_id.min(),
        **arrays,
        entered_at=ev.entered_at.min(),
        _group=ev._group.min(where=ev.is_entry & (ev.ts == ev.entered_at)),
    )
    strict = mode == "strict"
    grouped = grouped.mutate(s=grouped.letters.join(""))
    grouped = grouped.mutate(m=grouped.s.re_extract(pattern(codes, strict=strict), 0))
    m = grouped.m
    level = _level(grouped.s, m.right(1), codes, strict=strict)
    end = grouped.s.find(m) + m.length() - 1
    out = grouped.mutate(level=level.cast("int64"), reached_at=grouped.tss[end])
    return out.select("customer_id", "attempt", "level", "entered_at", "reached_at",
                      seconds=C.seconds_between(out.entered_at, out.reached_at), _group=out._group)


def _first_attempt(per: ir.Table, codes: list[str], blocked: str, seconds: float, *, strict: bool) -> ir.Table:
    """First attempts from each customer's funnel letters in journey order (``s``, one letter per event or
    visit), their times (``tss``, sorted) and ``_group``: the one first-attempt funnel, for the sequences
    relation (the steps as ``STEP_CHARS``) and for strict or broken-down funnels alike.

    The attempt starts at the first entry letter; the events up to the last one inside the window follow
    (the times are sorted, so that is a prefix). The regex of :func:`pattern` finds the furthest step reached
    (``blocked`` letters, the excluded steps, block each gap), its last letter names the step and its length
    locates the time reached.
    """
    g = per.select("customer_id", "tss", "s", "_group", e=per.s.find(codes[0]))
    g = g.filter(g.e >= 0)
    g = g.mutate(entered_at=g.tss[g.e])
    limit = g.entered_at + ibis.interval(seconds=int(seconds))
    # most journeys end inside the window: the list is filtered only where one does not (no index -1 on Spark)
    cut = ibis.ifelse(g.tss[g.tss.length() - 1] <= limit, g.tss.length(), g.tss.filter(lambda x: x <= limit).length())
    g = g.mutate(s=g.s.substr(g.e, cut - g.e))
    g = g.mutate(m=g.s.re_extract(pattern(codes, strict=strict, blocked=blocked), 0))
    level = _level(g.m, g.m.right(1), codes, strict=strict, blocked=blocked, anchor="^")
    end = g.s.find(g.m) + g.m.length() - 1
    out = g.mutate(level=level.cast("int64"), reached_at=g.tss[g.e + end], attempt=ibis.literal(1, "int64"))
    return out.select("customer_id", "attempt", "level", "entered_at", "reached_at",
                      seconds=C.seconds_between(out.entered_at, out.reached_at), _group=out._group)


def _level(s: ir.StringValue, last: ir.StringValue, codes: list[str], *, strict: bool,
           blocked: str = EXCLUDED, anchor: str | None = None) -> ir.IntegerValue:
    """The furthest funnel position reached, from the last letter of the greedy match.

    With distinct steps the letter names the position. When a step repeats (positions
    ``p1 < … < pr`` share a letter) the position is the largest ``p`` whose prefix pattern
    matches, so at most ``r - 1`` extra regexes run per row, however long the funnel. ``s`` may
    be the greedy match itself (short, and starting at the entry: ``anchor="^"``).
    """
    anchor = f"^[^{codes[0]}]*" if anchor is None else anchor
    positions: dict[str, list[int]] = {}
    for j, c in enumerate(codes, start=1):
        positions.setdefault(c, []).append(j)
    branches = []
    for c, ps in positions.items():
        value: ir.IntegerValue = ibis.literal(ps[0], "int64")
        if len(ps) > 1:
            checks = [(s.re_search(anchor + prefix_pattern(codes[:p], strict=strict, blocked=blocked)), ibis.literal(p, "int64"))
                      for p in reversed(ps[1:])]
            value = ibis.cases(*checks, else_=value)
        branches.append((last == c, value))
    return ibis.cases(*branches, else_=ibis.literal(0, "int64"))


def _any_levels(ev: ir.Table, code_of: dict[str, str], exclude: list[str]) -> ir.Table:
    if exclude:
        part = ibis.window(group_by=["customer_id", "attempt"])
        ev = ev.mutate(_excl=ev.ts.min(where=ev.code == EXCLUDED).over(part))
        ev = ev.filter(ev._excl.isnull() | (ev.ts < ev._excl))
    ev = ev.filter(ev.code != EXCLUDED)
    per_step = ev.group_by(["customer_id", "attempt", "code"]).aggregate(
        first_ts=ev.ts.min(), entered_at=ev.entered_at.min(),
        _group=ev._group.min(where=ev.is_entry & (ev.ts == ev.entered_at)),
    )
    out = per_step.group_by(["customer_id", "attempt"]).aggregate(
        level=per_step.count(), entered_at=per_step.entered_at.min(), reached_at=per_step.first_ts.max(),
        _group=per_step._group.min(),
    )
    return out.select("customer_id", "attempt", "level", "entered_at", "reached_at",
                      seconds=C.seconds_between(out.entered_at, out.reached_at), _group=out._group)


def funnel(journey: Journey, events: ir.Table | EventSource, steps: list[str], *, mode: Mode = "sequential",
           window: dt.timedelta | float | None = None, exclude: list[str] | None = None,
           attempts: Attempts = "first", by: str | None = None, ws: Any = None,
           sessions: SessionSpec | None = None) -> pd.DataFrame:
    """Per funnel step (and breakdown group): customers, attempts, conversion from start and
    from the previous step, and drop-off; the last row also has the time to convert
    (median, p90 seconds from entry to the last step). With ``sessions`` the attempts are per session
    (each session starts over) and ``customers`` counts the people behind them."""
    source = EventSource.of(events)
    k = len(steps)
    distinct_customers = attempts == "every" or sessions is not None

    def build() -> ir.Table:
        lv = levels(journey, source, steps, mode=mode, window=window, exclude=exclude, attempts=attempts, by=by,
                    ws=ws, sessions=sessions)
        aggs: dict[str, ir.Scalar] = {}
        for j in range(1, k + 1):
            aggs[f"a{j}"] = (lv.level >= j).cast("int32").sum()  # PostgreSQL casts boolean to int, not bigint
            if distinct_customers:  # else one attempt per customer: customers are the attempts
                aggs[f"c{j}"] = lv.customer_id.nunique(where=lv.level >= j)
        aggs["_q"] = C.quantiles(lv.seconds, [0.5, 0.9], where=lv.level == k)
        wide_expr = lv.group_by("_group").aggregate(**aggs)
        return wide_expr.mutate(median_s=wide_expr._q[0], p90_s=wide_expr._q[1]).drop("_q")

    spec = repr((steps, mode, window_seconds(window), sorted(exclude or []), attempts, by))
    if sessions is not None:
        spec += "sessions-" + sessions.tag
    if by == "persona" and ws is not None:
        from journeymap.engine.personas import journey_personas
        spec += repr([(p.id, p.segment.model_dump() if p.segment else None) for p in journey_personas(ws, journey)])
    wide = C.execute(source.kept("funnel-" + hashlib.sha1(spec.encode()).hexdigest()[:16], build, journey=journey))
    names = {s.id: s.name for s in journey.steps}
    rows = []
    for r in wide.rename(columns={"_group": "grp"}).sort_values("grp").itertuples():
        first = int(r.a1 or 0)
        for j, sid in enumerate(steps, start=1):
            a = int(getattr(r, f"a{j}") or 0)
            prev = int(getattr(r, f"a{j - 1}") or 0) if j > 1 else a
            nxt = int(getattr(r, f"a{j + 1}") or 0) if j < k else None
            rows.append({
                "group": r.grp, "position": j, "step": sid, "name": names[sid],
                "customers": int(getattr(r, f"c{j}") or 0) if distinct_customers else a, "attempts": a,
                "conversion_from_start": a / first if first else float("nan"),
                "conversion_from_previous": a / prev if prev else float("nan"),
                "dropped": a - nxt if nxt is not None else 0,
                "median_seconds_to_convert": float(r.median_s) if j == k and pd.notna(r.median_s) else float("nan"),
                "p90_seconds_to_convert": float(r.p90_s) if j == k and pd.notna(r.p90_s) else float("nan"),
            })
    out = pd.DataFrame(rows, columns=["group", "position", "step", "name", "customers", "attempts",
                                      "conversion_from_start", "conversion_from_previous", "dropped",
                                      "median_seconds_to_convert", "p90_seconds_to_convert"])
    if by is None:
        out = out.drop(columns="group")
    else:
        out = breakdown_significance(out)
    out.attrs[C.SQL_ATTR] = wide.attrs.get(C.SQL_ATTR)
    return out


def breakdown_significance(out: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Each group's conversion from the start at each funnel step against all other groups together
    (two-proportion z-test, or Fisher's exact test for small counts): ``p_value``, ``q_value`` (Benjamini–
    Hochberg over the table) and ``significant`` (q < ``alpha``); empty on the first step."""
    from journeymap.engine import stats

    attempts = out.pivot_table(index="group", columns="position", values="attempts", aggfunc="sum").fillna(0)
    first = attempts[1] if 1 in attempts.columns else pd.Series(0, index=attempts.index)
    p_values = []
    for r in out.itertuples():
        if r.position == 1:
            p_values.append(float("nan"))
            continue
        x2, n2 = int(attempts.loc[r.group, r.position]), int(first.loc[r.group])
        x1, n1 = int(attempts[r.position].sum()) - x2, int(first.sum()) - n2
        p_values.append(stats.compare_proportions(x1, n1, x2, n2)[1])
    out = out.assign(p_value=p_values)
    out["q_value"] = stats.bh(p_values, alpha)
    out["significant"] = out["q_value"].lt(alpha)
    return out


def funnel_customers(journey: Journey, events: ir.Table | EventSource, steps: list[str], **kwargs: Any) -> pd.DataFrame:
    """Every attempt with the furthest step reached and whether it dropped: for follow-up.

    Columns: ``customer_id, attempt, level, last_step, dropped_after, converted, entered_at,
    reached_at, seconds`` (+ ``group`` with a breakdown).
    """
    lv = levels(journey, events, steps, **kwargs)
    df = C.execute(lv.order_by(["customer_id", "attempt"]))
    df["last_step"] = [steps[int(x) - 1] for x in df["level"]]
    df["converted"] = df["level"] == len(steps)
    df["dropped_after"] = df["last_step"].where(~df["converted"])
    df = df.rename(columns={"_group": "group"})
    if kwargs.get("by") is None:
        df = df.drop(columns="group")
    return df


def funnel_report(ws: Any, journey_id: str, steps: list[str], *, customers_csv: Path | None = None,
                  table: ir.Table | EventSource | None = None, **kwargs: Any) -> dict[str, pd.DataFrame]:
    """The ``funnel`` command's work: the funnel table, and optionally every attempt written to CSV."""
    from journeymap.engine.source import open_source

    journey = ws.journey(journey_id)
    if customers_csv is not None:
        from journeymap.outfile import check_writable

        check_writable(Path(customers_csv), "funnel customers")
    source = EventSource.of(table) if table is not None else open_source(ws)
    try:
        frames = {"funnel": funnel(journey, source, steps, ws=ws, **kwargs)}
        frames["funnel"].attrs["plan"] = list(source.plan)
        if customers_csv is not None:
            from journeymap.csvsafe import safe_frame
            from journeymap.outfile import write_output

            people = funnel_customers(journey, source, steps, ws=ws, **kwargs)
            write_output(Path(customers_csv), safe_frame(people).to_csv(index=False, lineterminator="\n"),
                         "funnel customers")
        return frames
    finally:
        if table is None:
            source.close()
