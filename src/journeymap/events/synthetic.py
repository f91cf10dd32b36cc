"""Synthetic event logs with problems planted on purpose: the ground truth the findings engine is measured on.

A clean log is a time-homogeneous Markov chain over a small shop journey (:data:`JOURNEY`): every customer
starts on a uniformly random day, walks the chain with the same probabilities whenever and whoever they are
(whichever entry step they come by), and carries properties (``device``, ``utm_source``) drawn independently
of what they do; the log ends on the last day, cutting off journeys under way as an export does. In a clean log nothing
changes over time and no segment differs, so every finding on it is a false discovery.

:class:`Plants` adds effects, each with a known step, segment and window: a change in a step's moves
during a window (an incident), a segment that behaves differently, the two together (an interaction), an
undesigned loop back, an event name that appears or vanishes, a step that only exists from some day, a
spike of new customers who convert badly, and a drift of conversion by start month. Generation is
vectorised per step of the walk (numpy), so 100,000 customers take about a second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from journeymap.results import Finding

#: The journey the log walks (YAML-ready): a goal (``pay``), a failure (``payerr``) and a recovery (``support``).
JOURNEY: dict = {
    "id": "plant", "title": "Planted shop",
    "stages": [{"id": "find", "name": "Find"}, {"id": "buy", "name": "Buy"}, {"id": "after", "name": "After"}],
    "steps": [
        {"id": "ad", "name": "Ad", "stage": "find", "channel": "social", "entry": True,
         "binding": {"events": ["ad_click"]}, "next": ["product"]},
        {"id": "search", "name": "Search", "stage": "find", "channel": "web", "entry": True,
         "binding": {"events": ["search_landing"]}, "next": ["product"]},
        {"id": "product", "name": "Product", "stage": "find", "channel": "web",
         "binding": {"events": ["product_view"]}, "next": ["cart", "help"]},
        {"id": "help", "name": "Help page", "stage": "find", "channel": "web",
         "binding": {"events": ["help_view"]}, "next": ["cart"]},
        {"id": "cart", "name": "Cart", "stage": "buy", "channel": "web",
         "binding": {"events": ["add_to_cart"]}, "next": ["checkout"]},
        {"id": "checkout", "name": "Checkout", "stage": "buy", "channel": "web",
         "binding": {"events": ["checkout_started"]}, "next": ["pay", "payerr"]},
        {"id": "payerr", "name": "Payment refused", "stage": "buy", "channel": "web", "outcome": "failure",
         "binding": {"events": ["payment_failed"]}, "next": ["pay", "support"],
         "edge_outcomes": {"support": "recovery", "pay": "recovery"}},
        {"id": "support", "name": "Support call", "stage": "buy", "channel": "phone", "outcome": "recovery",
         "binding": {"events": ["support_call"]}, "next": ["pay"]},
        {"id": "pay", "name": "Pays", "stage": "buy", "channel": "web", "goal": True,
         "binding": {"events": ["payment"]}, "next": ["confirm"]},
        {"id": "confirm", "name": "Confirmation", "stage": "after", "channel": "email",
         "binding": {"events": ["confirmation_opened"]}, "next": []},
    ],
}
STATES = [s["id"] for s in JOURNEY["steps"]]
EVENTS = [s["binding"]["events"][0] for s in JOURNEY["steps"]]
CHANNELS = [s["channel"] for s in JOURNEY["steps"]]
END = "end"
#: Where a customer goes after each step (each row sums to 1).
BASE: dict[str, dict[str, float]] = {
    "ad": {"product": 0.75, END: 0.25},
    "search": {"product": 0.75, END: 0.25},
    "product": {"cart": 0.4, "help": 0.1, END: 0.5},
    "help": {"cart": 0.5, END: 0.5},
    "cart": {"checkout": 0.6, END: 0.4},
    "checkout": {"pay": 0.8, "payerr": 0.1, END: 0.1},
    "payerr": {"pay": 0.4, "support": 0.3, END: 0.3},
    "support": {"pay": 0.5, END: 0.5},
    "pay": {"confirm": 0.95, END: 0.05},
    "confirm": {END: 1.0},
}
#: Mean minutes to the next step.
GAP_MINUTES = {"ad": 0, "search": 0, "product": 3, "help": 5, "cart": 4, "checkout": 5, "payerr": 1, "support": 90,
               "pay": 3, "confirm": 30}
DEVICES = {"desktop": 0.5, "mobile": 0.35, "tablet": 0.15}
SOURCES = {"google": 0.4, "facebook": 0.3, "newsletter": 0.2, "tiktok": 0.1}
START = dt.datetime(2025, 1, 6)  # a Monday


@dataclass
class RowChange:
    """A step's moves replaced (``probs``: next step → probability, ``end`` for leaving; rows sum to 1)."""

    step: str
    probs: dict[str, float]


@dataclass
class Plants:
    """Effects to plant (days count from :data:`START`; windows are ``[start, end)``)."""

    incident: tuple[RowChange, int, int] | None = None          # a step's moves during a window
    segment: tuple[str, str, RowChange] | None = None           # (property, value, moves) all the time
    interaction: tuple[str, str, RowChange, int, int] | None = None  # a segment's moves during a window
    loop: tuple[str, str, float] | None = None                  # (from step, back to step, probability)
    appear_event: tuple[str, int] | None = None                 # an event name emitted from a day on
    vanish_event: tuple[str, int] | None = None                 # an event name no longer emitted from a day on
    appear_step: tuple[str, int] | None = None                  # a step nobody reaches before a day
    spike: tuple[int, int, RowChange | None] | None = None      # (day, extra customers, their moves)
    drift: tuple[RowChange, RowChange] | None = None            # moves at the first → at the last start day
    extra: dict[str, float] = field(default_factory=dict)


def _matrix(rows: dict[str, dict[str, float]]) -> np.ndarray:
    n = len(STATES)
    m = np.zeros((n, n + 1))
    for s, row in rows.items():
        for t, p in row.items():
            m[STATES.index(s), n if t == END else STATES.index(t)] = p
    assert np.allclose(m.sum(axis=1), 1.0), "every row of moves must sum to 1"
    return m


def _row(change: RowChange) -> tuple[int, np.ndarray]:
    base = dict(BASE)
    base[change.step] = change.probs
    return STATES.index(change.step), _matrix(base)[STATES.index(change.step)]


def generate(customers: int = 20_000, days: int = 182, seed: int = 1, plants: Plants | None = None) -> pd.DataFrame:
    """The log as a DataFrame: ``customer_id, ts, event, channel, source, properties`` (a dict per row),
    sorted by time."""
    plants = plants or Plants()
    rng = np.random.default_rng(seed)
    n = customers
    day0 = rng.integers(0, days, n).astype("float64")
    device = rng.choice(list(DEVICES), n, p=list(DEVICES.values()))
    source = rng.choice(list(SOURCES), n, p=list(SOURCES.values()))
    spike_row = None
    if plants.spike is not None:
        sday, extra, spike_row_change = plants.spike
        day0 = np.concatenate([day0, np.full(extra, float(sday))])
        device = np.concatenate([device, rng.choice(list(DEVICES), extra, p=list(DEVICES.values()))])
        source = np.concatenate([source, rng.choice(list(SOURCES), extra, p=list(SOURCES.values()))])
        spike_row = spike_row_change
        n += extra
    is_spike = np.zeros(n, dtype=bool)
    if plants.spike is not None:
        is_spike[customers:] = True
    t0 = (day0 + rng.uniform(0, 1, n)) * 1440.0  # minutes since START
    base = _matrix(BASE)
    N = len(STATES)
    who = np.arange(n)
    state = np.where(rng.random(n) < 0.5, STATES.index("ad"), STATES.index("search"))
    t = t0.copy()
    out_who, out_state, out_t = [], [], []
    gaps = np.array([GAP_MINUTES[s] for s in STATES], dtype="float64")
    for _ in range(60):
        if not len(who):
            break
        out_who.append(who)
        out_state.append(state)
        out_t.append(t)
        probs = base[state].copy()
        day = t / 1440.0
        if plants.incident is not None:
            change, a, b = plants.incident
            i, row = _row(change)
            mask = (state == i) & (day >= a) & (day < b)
            probs[mask] = row
        if plants.segment is not None:
            prop, value, change = plants.segment
            i, row = _row(change)
            seg = (device if prop == "device" else source)[who] == value
            probs[(state == i) & seg] = row
        if plants.interaction is not None:
            prop, value, change, a, b = plants.interaction
            i, row = _row(change)
            seg = (device if prop == "device" else source)[who] == value
            probs[(state == i) & seg & (day >= a) & (day < b)] = row
        if plants.drift is not None:
            first, last = plants.drift
            i, row_a = _row(first)
            _i, row_b = _row(last)
            share = np.clip(day0[who] / max(1, days - 1), 0, 1)[:, None]
            mask = state == i
            probs[mask] = (1 - share[mask]) * row_a + share[mask] * row_b
        if spike_row is not None:
            i, row = _row(spike_row)
            probs[(state == i) & is_spike[who]] = row
        if plants.appear_step is not None:
            step, a = plants.appear_step
            j = STATES.index(step)
            before = day < a
            moved = probs[before, j].copy()
            probs[before, j] = 0.0
            probs[before, N] += moved
        if plants.loop is not None:
            frm, to, p = plants.loop
            i, j = STATES.index(frm), STATES.index(to)
            mask = state == i
            probs[mask] *= 1 - p
            probs[mask, j] += p
        u = rng.random(len(who))
        nxt = (u[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
        nxt = np.minimum(nxt, N)
        keep = nxt < N
        back = np.zeros(len(who), dtype=bool)
        if plants.loop is not None:
            back = (state == STATES.index(plants.loop[0])) & (nxt == STATES.index(plants.loop[1]))
        who, state, t, back = who[keep], nxt[keep], t[keep], back[keep]
        gap = np.where(back, 1.0, gaps[state])
        t = t + rng.exponential(np.maximum(gap, 0.05)) + 0.05
    person = np.concatenate(out_who)
    st = np.concatenate(out_state)
    minute = np.concatenate(out_t)
    names = np.array(EVENTS, dtype=object)[st]
    chans = np.array(CHANNELS, dtype=object)[st]
    # events on no step: a newsletter now and then, a login at the start
    k = rng.poisson(1.0, n)
    news_p = np.repeat(np.arange(n), k)
    news_t = t0[news_p] + rng.uniform(-5, 30, len(news_p)) * 1440.0
    extra_p = [news_p, np.arange(n)]
    extra_n = [np.full(len(news_p), "newsletter_opened", dtype=object), np.full(n, "login", dtype=object)]
    extra_c = [np.full(len(news_p), "email", dtype=object), np.full(n, "web", dtype=object)]
    extra_t = [news_t, t0 + 0.01]
    if plants.appear_event is not None:
        name, a = plants.appear_event
        who_a = np.flatnonzero((day0 >= a) & (rng.random(n) < 0.3))
        extra_p.append(who_a)
        extra_n.append(np.full(len(who_a), name, dtype=object))
        extra_c.append(np.full(len(who_a), "web", dtype=object))
        extra_t.append(t0[who_a] + 2.0)
    if plants.vanish_event is not None:
        name, b = plants.vanish_event
        who_b = np.flatnonzero((day0 < b) & (rng.random(n) < 0.3))
        extra_p.append(who_b)
        extra_n.append(np.full(len(who_b), name, dtype=object))
        extra_c.append(np.full(len(who_b), "web", dtype=object))
        extra_t.append(t0[who_b] + 2.0)
    person = np.concatenate([person, *extra_p])
    names = np.concatenate([names, *extra_n])
    chans = np.concatenate([chans, *extra_c])
    minute = np.concatenate([minute, *extra_t])
    end = days * 1440.0  # the export ends after the last start day: later steps are cut off, as in any export
    keep = (minute >= 0) & (minute < end)
    person, names, chans, minute = person[keep], names[keep], chans[keep], minute[keep]
    order = np.argsort(minute, kind="stable")
    person, names, chans, minute = person[order], names[order], chans[order], minute[order]
    ts = pd.Timestamp(START) + pd.to_timedelta(np.round(minute * 60.0), unit="s")
    return pd.DataFrame({
        "customer_id": [f"c{p}" for p in person],
        "ts": ts,
        "event": names,
        "channel": chans,
        "source": "synthetic",
        "device": device[person],
        "utm_source": source[person],
    })


def event_table(df: pd.DataFrame, con: Any = None) -> Any:
    """The log as an Ibis table in the event-store layout (DuckDB in memory unless ``con`` is given)."""
    import ibis
    import pyarrow as pa

    con = con or ibis.duckdb.connect()
    df = df.sort_values(["customer_id", "ts"], kind="stable").reset_index(drop=True)
    props = [[("device", d), ("utm_source", u)] for d, u in zip(df["device"], df["utm_source"], strict=True)]
    table = pa.table({
        "customer_id": pa.array(df["customer_id"], pa.string()),
        "ts": pa.array(df["ts"].astype("datetime64[us]"), pa.timestamp("us")),
        "event": pa.array(df["event"], pa.string()),
        "channel": pa.array(df["channel"], pa.string()),
        "source": pa.array(df["source"], pa.string()),
        "anonymous_id": pa.array([None] * len(df), pa.string()),
        "raw_customer_id": pa.array(df["customer_id"], pa.string()),
        "event_id": pa.array([f"e{i}" for i in range(len(df))], pa.string()),
        "seq": pa.array(np.arange(1, len(df) + 1), pa.int64()),
        "properties": pa.array(props, pa.map_(pa.string(), pa.string())),
    })
    name = f"synthetic_{abs(hash(id(df))) % 10**8}"
    return con.create_table(name, table)


def scenario() -> Plants:
    """One log with every kind of effect planted, each on its own step, segment or window (182 days)."""
    return Plants(
        incident=(RowChange("checkout", {"pay": 0.45, "payerr": 0.45, END: 0.10}), 100, 114),
        segment=("device", "tablet", RowChange("cart", {"checkout": 0.35, END: 0.65})),
        interaction=("utm_source", "facebook", RowChange("product", {"cart": 0.1, "help": 0.05, END: 0.85}), 56, 84),
        loop=("checkout", "cart", 0.12),
        appear_event=("captcha_shown", 120),
        vanish_event=("chat_widget_loaded", 50),
        appear_step=("help", 28),
        spike=(150, 1500, RowChange("cart", {"checkout": 0.1, END: 0.9})),
        drift=(RowChange("search", {"product": 0.85, END: 0.15}), RowChange("search", {"product": 0.55, END: 0.45})),
    )


def _day(value: str) -> int:
    return (dt.date.fromisoformat(value) - START.date()).days


def _overlaps(period: dict[str, str] | None, a: int, b: int, slack: int = 0) -> bool:
    if period is None:
        return False
    return _day(period["start"]) < b + slack and _day(period["end"]) > a - slack


def planted(plants: Plants) -> dict[str, Any]:
    """Each planted effect by name: what a finding must say to have found it (``found`` tests one)."""
    return {k: v for k, v in vars(plants).items() if v is not None and k != "extra"}


def found(name: str, plant: Any, f: Finding, window: int = 3) -> bool:
    """Whether finding ``f`` (a :class:`journeymap.results.Finding`) reports planted effect ``name`` with the right
    step, segment and window (``window`` days of slack on each end)."""
    kind, steps, seg, period = f.kind, f.steps, f.segment, f.period
    events = f.events
    if name == "incident":
        change, a, b = plant
        return (kind == "change" and bool(steps) and steps[0] == change.step and period is not None
                and abs(_day(period["start"]) - a) <= window and abs(_day(period["end"]) - b) <= window)
    if name == "segment":
        prop, value, change = plant
        return kind == "segment" and seg == {prop: value} and (steps == [change.step] or not steps)
    if name == "interaction":
        prop, value, change, a, b = plant
        return (kind == "interaction" and seg == {prop: value} and period is not None
                and abs(_day(period["start"]) - a) <= 7 + window and abs(_day(period["end"]) - b) <= 7 + window)
    if name == "loop":
        frm, to, _p = plant
        return kind == "loop" and steps == [frm, to]
    if name == "appear_event":
        ev, a = plant
        return kind == "appear" and events == [ev] and period is not None and abs(_day(period["start"]) - a) <= window
    if name == "vanish_event":
        ev, b = plant
        return kind == "vanish" and events == [ev] and period is not None and abs(_day(period["end"]) - b) <= window
    if name == "appear_step":
        step, a = plant
        return (kind == "appear" and steps[:1] == [step] and period is not None
                and abs(_day(period["start"]) - a) <= window)
    if name == "spike":
        day, _n, _row = plant
        return kind == "spike" and _overlaps(period, day, day + 1)
    if name == "drift":
        return kind == "cohort" and f.metric == "goal"
    return False


def explained(plants: Plants, f: Finding) -> bool:
    """Whether finding ``f`` follows from a planted effect (the effect itself or its consequences: a failing
    checkout lowers the goal of the customers then; a segment that converts worse makes the others look
    better), so that it is not a false discovery."""
    kind, steps, seg, period = f.kind, f.steps, f.segment, f.period
    events = f.events
    for name, plant in planted(plants).items():
        if found(name, plant, f, window=14):
            return True
        if name == "incident":
            _c, a, b = plant
            if kind in ("change", "interaction") and _overlaps(period, a, b, 14):
                return True
        elif name in ("segment", "interaction"):
            prop = plant[0]
            if seg is not None and prop in seg:
                return True
            if name == "interaction" and kind == "change" and _overlaps(period, plant[3], plant[4], 14):
                return True
        elif name == "loop":
            if kind == "loop" and steps[:1] == [plant[0]]:
                return True
        elif name in ("appear_event", "vanish_event"):
            if events == [plant[0]]:
                return True
        elif name == "appear_step":
            step, a = plant
            if step in steps or (kind in ("change", "cohort", "interaction") and period is not None
                                 and abs(_day(period["start"]) - a) <= 14 or period is not None
                                 and abs(_day(period["end"]) - a) <= 14):
                return True
            if kind in ("appear", "vanish") and "product" in steps:
                return True
        elif name == "spike":
            day = plant[0]
            if kind in ("change", "spike", "interaction") and _overlaps(period, day, day + 1, 14):
                return True
        elif name == "drift":
            step = plant[0].step
            if kind in ("cohort", "change") and (step in steps or not steps):
                return True
            # the drifting step is an entry step: the entry channel of its customers drifts with it
            if kind in ("interaction", "segment") and seg is not None and "channel" in seg:
                return True
    return False
