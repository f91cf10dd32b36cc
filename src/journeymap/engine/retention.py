"""Retention and lifecycle: do customers come back, and who is new, returning or gone quiet.

Periods are calendar days, ISO weeks (starting Monday) or months, numbered so that
consecutive periods differ by one. A customer is *active* in a period with at least one
event (optionally only events on the journey's steps).

* **retention**: per cohort (the period of a customer's first activity), the customers
  active ``k`` periods later, and their share of the cohort.
* **lifecycle** per period: *new* (first activity), *returning* (active in the previous
  period too), *resurrecting* (active again after a gap), *dormant* (active in the previous
  period but not in this one).
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeymap.engine import compile as C
from journeymap.engine.source import EventSource
from journeymap.errors import JourneymapError
from journeymap.model.types import Journey

Period = Literal["day", "week", "month"]
MONDAY_EPOCH_OFFSET_DAYS = 3  # 1970-01-01 was a Thursday: shift so weeks start on Monday


def period_index(ts: ir.TimestampValue, period: Period) -> ir.IntegerValue:
    """A number per period such that consecutive periods differ by exactly one."""
    days = (ts.epoch_seconds() / 86400).floor().cast("int64")
    if period == "day":
        return days
    if period == "week":
        return ((days + MONDAY_EPOCH_OFFSET_DAYS) / 7).floor().cast("int64")
    if period == "month":
        return (ts.year() * 12 + ts.month() - 1).cast("int64")
    raise JourneymapError(f"unknown period {period!r}; expected one of: day, week, month")


def period_label(index: int, period: Period) -> str:
    """The first day of period ``index`` as an ISO date."""
    epoch = pd.Timestamp("1970-01-01")
    if period == "day":
        return (epoch + pd.Timedelta(days=index)).date().isoformat()
    if period == "week":
        return (epoch + pd.Timedelta(days=index * 7 - MONDAY_EPOCH_OFFSET_DAYS)).date().isoformat()
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def activity(events: ir.Table | EventSource, period: Period, journey: Journey | None = None) -> ir.Table:
    """``cust, p``: each customer's active periods (period index), once each (all events, or only those on the
    journey's steps). Kept in the journey index where it applies: a pass over every event, once."""
    source = EventSource.of(events)

    def build() -> ir.Table:
        if journey is not None:
            t = source.journey(journey).matched
        else:
            t, _names, _ordered = source.event_units()
        return t.select("cust", p=period_index(t.ts, period)).distinct()

    name = f"activity-{period}" + ("-journey" if journey is not None else "")
    return source.kept(name, build, journey=journey)


def retention(table: ir.Table | EventSource, *, period: Period = "week", journey: Journey | None = None,
              max_periods: int = 12) -> pd.DataFrame:
    """``cohort, period, customers, cohort_size, share`` (``period`` 0 is the cohort's own)."""
    source = EventSource.of(table)

    def build() -> ir.Table:
        act = activity(source, period, journey)
        first = act.group_by("cust").aggregate(cohort=act.p.min())
        j = act.join(first, "cust")
        j = j.mutate(k=j.p - j.cohort)
        j = j.filter(j.k <= max_periods)
        return j.group_by(["cohort", "k"]).aggregate(customers=j.count())

    name = f"retention-{period}-{max_periods}" + ("-journey" if journey is not None else "")
    df = C.execute(source.kept(name, build, journey=journey))
    sql = df.attrs.get(C.SQL_ATTR)
    size = df[df["k"] == 0].set_index("cohort")["customers"]
    df["cohort_size"] = df["cohort"].map(size).astype("int64")
    df["share"] = df["customers"] / df["cohort_size"]
    df = df.sort_values(["cohort", "k"]).reset_index(drop=True)
    df["cohort"] = [period_label(int(c), period) for c in df["cohort"]]
    df = df.rename(columns={"k": "period"})[["cohort", "period", "customers", "cohort_size", "share"]]
    df.attrs[C.SQL_ATTR] = sql
    return df


def lifecycle(table: ir.Table | EventSource, *, period: Period = "week",
              journey: Journey | None = None) -> pd.DataFrame:
    """``period, new, returning, resurrecting, dormant, active`` per period with activity."""
    source = EventSource.of(table)

    def marked() -> ir.Table:
        act = activity(source, period, journey)
        w = ibis.window(group_by="cust", order_by=act.p)
        a = act.mutate(prev=act.p.lag().over(w), nxt=act.p.lead().over(w))
        status = ibis.cases(
            (a.prev.isnull(), "new"), (a.prev == a.p - 1, "returning"), else_="resurrecting",
        )
        return a.mutate(status=status)

    def counts_expr() -> ir.Table:
        a = marked()
        # per period and status, and the dormant: active in p, not active in p+1
        by_status = a.group_by(["p", "status"]).aggregate(n=a.count())
        gone = a.filter(a.nxt.isnull() | (a.nxt != a.p + 1))
        dormant = gone.group_by("p").aggregate(n=gone.count()).mutate(status=ibis.literal("_dormant"))
        return by_status.union(dormant.select("p", "status", "n"))

    name = f"lifecycle-{period}" + ("-journey" if journey is not None else "")
    both = C.execute(source.kept(name, counts_expr, journey=journey))
    counts = both[both["status"] != "_dormant"]
    dormant = both[both["status"] == "_dormant"][["p", "n"]]
    counts.attrs[C.SQL_ATTR] = both.attrs.get(C.SQL_ATTR)
    sql = counts.attrs.get(C.SQL_ATTR)
    if counts.empty:
        out = pd.DataFrame(columns=["period", "new", "returning", "resurrecting", "dormant", "active"])
        out.attrs[C.SQL_ATTR] = sql
        return out
    wide = counts.pivot_table(index="p", columns="status", values="n", aggfunc="sum", fill_value=0)
    last = int(wide.index.max())
    index = range(int(wide.index.min()), last + 1)
    wide = wide.reindex(index, fill_value=0)
    for col in ("new", "returning", "resurrecting"):
        if col not in wide:
            wide[col] = 0
    dormant_next = dormant.assign(p=dormant["p"] + 1).set_index("p")["n"]
    wide["dormant"] = dormant_next.reindex(index, fill_value=0)
    wide["active"] = wide["new"] + wide["returning"] + wide["resurrecting"]
    out = wide.reset_index().rename(columns={"p": "period"})
    out["period"] = [period_label(int(p), period) for p in out["period"]]
    out = out[["period", "new", "returning", "resurrecting", "dormant", "active"]].astype(
        {c: "int64" for c in ("new", "returning", "resurrecting", "dormant", "active")})
    out.columns.name = None
    out.attrs[C.SQL_ATTR] = sql
    return out
