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
from journeymap.engine.binding import match_steps
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


def activity(table: ir.Table, period: Period, journey: Journey | None = None) -> ir.Table:
    """Distinct ``customer_id, p`` (period index) pairs of activity."""
    t = match_steps(journey, table) if journey is not None else table
    return t.select("customer_id", p=period_index(t.ts, period)).distinct()


def retention(table: ir.Table, *, period: Period = "week", journey: Journey | None = None,
              max_periods: int = 12) -> pd.DataFrame:
    """``cohort, period, customers, cohort_size, share`` (``period`` 0 is the cohort's own)."""
    act = activity(table, period, journey)
    first = act.group_by("customer_id").aggregate(cohort=act.p.min())
    j = act.join(first, "customer_id")
    j = j.mutate(k=j.p - j.cohort)
    j = j.filter(j.k <= max_periods)
    df = C.execute(j.group_by(["cohort", "k"]).aggregate(customers=j.count()))
    sql = df.attrs.get(C.SQL_ATTR)
    size = df[df["k"] == 0].set_index("cohort")["customers"]
    df["cohort_size"] = df["cohort"].map(size).astype("int64")
    df["share"] = df["customers"] / df["cohort_size"]
    df = df.sort_values(["cohort", "k"]).reset_index(drop=True)
    df["cohort"] = [period_label(int(c), period) for c in df["cohort"]]
    df = df.rename(columns={"k": "period"})[["cohort", "period", "customers", "cohort_size", "share"]]
    df.attrs[C.SQL_ATTR] = sql
    return df


def lifecycle(table: ir.Table, *, period: Period = "week", journey: Journey | None = None) -> pd.DataFrame:
    """``period, new, returning, resurrecting, dormant, active`` per period with activity."""
    act = activity(table, period, journey)
    w = ibis.window(group_by="customer_id", order_by=act.p)
    a = act.mutate(prev=act.p.lag().over(w), nxt=act.p.lead().over(w))
    status = ibis.cases(
        (a.prev.isnull(), "new"), (a.prev == a.p - 1, "returning"), else_="resurrecting",
    )
    a = a.mutate(status=status)
    counts = C.execute(a.group_by(["p", "status"]).aggregate(n=a.count()))
    # dormant in p+1: active in p, not active in p+1
    gone = a.filter(a.nxt.isnull() | (a.nxt != a.p + 1))
    dormant = C.execute(gone.group_by("p").aggregate(n=gone.count()))
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
