"""Demo data for the webshop template: a realistic, multi-channel event log, generated with numpy.

Each simulated person walks the template's designed flow as a Markov chain whose
probabilities are the constants below (so tests can check the output statistically):
entry by a social ad or a search, browsing with loops back from reviews, the big
drop between cart and checkout, reminder e-mails, payment, delivery, service calls,
repeat orders that loop back to the product page, reviews and referrals. Around that:
events that are on no step (newsletter, wishlist, login, store visits), a seasonal
peak in November and December, and an incident (:data:`INCIDENT_START` to
:data:`INCIDENT_END`) when payments fail far more often. People start during one year and
the log ends with it (:data:`EXPORT_END`), like an export taken on New Year's Day.

Besides the incident, a few realistic problems are planted for the findings to find (``journeymap
findings``, the report's "What needs attention"): people going back from checkout to their cart
(:data:`CHECKOUT_BACK_TO_CART`), a TikTok campaign whose visitors bounce from the product page
(:data:`TIKTOK_PRODUCT_PAGE`), an influencer's one-day spike of such visitors (:data:`SPIKE_DAY`), and a
new address check that starts rejecting addresses at checkout (:data:`ADDRESS_CHECK_START`).

Identities are realistic too: web events before login carry only a cookie
(anonymous id); logging in or checking out links the cookie to the customer id; people
who start on a second device get a cookie there that an app hand-off (``cart_synced``)
links to the first device's cookie, so stitching has to follow chains.

Generation is vectorised per chunk of people (one numpy step per step of the walk, not
per row) and written to Parquet chunk by chunk, so millions of customers fit in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from journeymap.errors import JourneymapError

if TYPE_CHECKING:
    from journeymap.events.ingest import IngestReport

#: Step id, event name, channel — in the template's map order; the walk's states.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("social-ad", "ad_click", "social"),
    ("search-landing", "landing_page_view", "web"),
    ("product-page", "product_view", "web"),
    ("reviews", "reviews_read", "web"),
    ("chat-question", "chat_started", "chat"),
    ("add-to-cart", "add_to_cart", "web"),
    ("cart-reminder", "cart_reminder_opened", "email"),
    ("checkout", "checkout_started", "web"),
    ("payment", "payment_completed", "web"),
    ("order-confirmation", "order_confirmation_opened", "email"),
    ("delivery", "parcel_delivered", "post"),
    ("customer-service", "support_call", "phone"),
    ("repeat-purchase", "repeat_order", "app"),
    ("review-request", "review_submitted", "email"),
    ("referral", "referral_sent", "social"),
)
STEP_IDS = tuple(s[0] for s in STEPS)
END = "end"

PERSONAS: dict[str, float] = {"bargain-hunter": 0.45, "busy-parent": 0.35, "loyal-fan": 0.20}

#: Where a person goes after each step (probabilities per row sum to 1; ``end`` = leaves).
TRANSITIONS: dict[str, dict[str, float]] = {
    "social-ad": {"product-page": 0.70, END: 0.30},
    "search-landing": {"product-page": 0.80, END: 0.20},
    "product-page": {"reviews": 0.30, "add-to-cart": 0.35, "chat-question": 0.08, END: 0.27},
    "reviews": {"add-to-cart": 0.40, "product-page": 0.35, END: 0.25},
    "chat-question": {"add-to-cart": 0.55, END: 0.45},
    "add-to-cart": {"checkout": 0.40, "cart-reminder": 0.35, END: 0.25},
    "cart-reminder": {"checkout": 0.30, END: 0.70},
    "checkout": {"payment": 0.85, END: 0.15},
    "payment": {"order-confirmation": 0.95, END: 0.05},
    "order-confirmation": {"delivery": 0.97, END: 0.03},
    "delivery": {"review-request": 0.45, "customer-service": 0.15, END: 0.40},
    "customer-service": {"repeat-purchase": 0.30, "review-request": 0.20, END: 0.50},
    "review-request": {"referral": 0.25, "repeat-purchase": 0.30, END: 0.45},
    "repeat-purchase": {"product-page": 0.85, END: 0.15},
    "referral": {END: 1.0},
}

#: Persona-specific rows that replace the base rows above.
PERSONA_TRANSITIONS: dict[str, dict[str, dict[str, float]]] = {
    "bargain-hunter": {"product-page": {"reviews": 0.40, "add-to-cart": 0.27, "chat-question": 0.05, END: 0.28}},
    "busy-parent": {"add-to-cart": {"checkout": 0.40, "cart-reminder": 0.45, END: 0.15}},
    "loyal-fan": {"review-request": {"referral": 0.35, "repeat-purchase": 0.45, END: 0.20}},
}

#: The incident: payment fails far more often between these dates (UTC).
INCIDENT_START = dt.datetime(2025, 10, 6)
INCIDENT_END = dt.datetime(2025, 10, 20)
INCIDENT_CHECKOUT: dict[str, float] = {"payment": 0.55, END: 0.45}
#: Share of checkout drop-outs that leave a ``payment_failed`` event (normal, incident).
PAYMENT_FAILED_SHARE = (0.5, 0.9)

#: Planted problem: at checkout some people go back to their cart to change it (shipping costs show only now):
#: a loop the design does not have, within minutes.
CHECKOUT_BACK_TO_CART = 0.08
#: Planted problem: people who come by a TikTok ad leave the product page far more often (the campaign
#: reaches the wrong audience). Their product-page row replaces the persona's.
TIKTOK_PRODUCT_PAGE: dict[str, float] = {"reviews": 0.15, "add-to-cart": 0.12, "chat-question": 0.03, END: 0.70}
#: The ad platforms (``utm_source`` of an ad click) and search engines (of a landing), with their shares.
AD_SOURCES: dict[str, float] = {"facebook": 0.4, "instagram": 0.35, "tiktok": 0.25}
SEARCH_SOURCES: dict[str, float] = {"google": 0.8, "bing": 0.2}
#: Planted problem: an influencer's post brings a one-day spike of TikTok visitors (this share of all people,
#: on this day), who bounce like the other TikTok visitors.
SPIKE_DAY = dt.datetime(2025, 3, 14)
SPIKE_SHARE = 0.012
#: Planted problem: a new address check at checkout from this day on rejects some addresses
#: (``address_check_failed``, an event on no step), for this share of checkouts.
ADDRESS_CHECK_START = dt.datetime(2025, 8, 1)
ADDRESS_CHECK_SHARE = 0.15

#: Where journeys start: share entering by a social ad (the rest by a search) per persona.
SOCIAL_ENTRY: dict[str, float] = {"bargain-hunter": 0.55, "busy-parent": 0.45, "loyal-fan": 0.35}
#: Share of people who log in early (linking their cookie to their customer id).
EARLY_LOGIN = 0.55
#: Share of people who start on a second device (a chain: cookie B → cookie A → customer).
SECOND_DEVICE = 0.35
#: Mean extra product views when on the product page (people browse several products).
EXTRA_PRODUCT_VIEWS = 3.2
#: Share of people leaving before checkout who come back later (a revisit starts by a search).
RETURN_VISIT = 0.45
#: Mean minutes before such a revisit.
RETURN_GAP_MINUTES = 60 * 24 * 4
#: Mean number of events on no step, for people who logged in.
OFF_MAP_EVENTS: dict[str, float] = {"newsletter_opened": 9.6, "wishlist_added": 1.2, "account_login": 2.0,
                                    "store_visit": 0.6}
OFF_MAP_CHANNELS = {"newsletter_opened": "email", "wishlist_added": "web", "account_login": "web",
                    "store_visit": "store", "payment_failed": "web", "cart_synced": "app",
                    "address_check_failed": "web"}

#: Mean minutes before entering each step (exponential gaps).
GAP_MINUTES: dict[str, float] = {
    "social-ad": 0, "search-landing": 0, "product-page": 3, "reviews": 4, "chat-question": 5, "add-to-cart": 4,
    "cart-reminder": 60 * 20, "checkout": 6, "payment": 3, "order-confirmation": 15, "delivery": 60 * 40,
    "customer-service": 60 * 72, "repeat-purchase": 60 * 24 * 30, "review-request": 60 * 24 * 7,
    "referral": 60 * 24 * 2,
}

SOURCES = {"web": "webshop", "app": "app", "email": "email-tool", "social": "ads", "chat": "chat",
           "phone": "callcenter", "post": "carrier", "store": "pos"}
#: Relative traffic per month (Jan … Dec): the November/December peak.
MONTH_WEIGHTS = (0.8, 0.75, 0.85, 0.9, 0.9, 0.85, 0.8, 0.8, 0.95, 1.0, 1.8, 2.1)
YEAR = 2025
#: The log is an export taken at the end of the year: what people would do after it has not happened yet
#: (journeys that started in December are cut off, as in any real export).
EXPORT_END = dt.datetime(YEAR + 1, 1, 1)
MAX_WALK = 80
CHUNK_CUSTOMERS = 200_000

_EVENT_NAMES = tuple(s[1] for s in STEPS) + tuple(OFF_MAP_CHANNELS)
_STATE = {sid: i for i, sid in enumerate(STEP_IDS)}
_N = len(STEPS)
_BEFORE_LOGIN = {_STATE[s] for s in ("social-ad", "search-landing", "product-page", "reviews", "chat-question")}


def transition_matrix() -> np.ndarray:
    """Cumulative transition probabilities ``[persona, state, next]`` (next ``_N`` = end)."""
    m = np.zeros((len(PERSONAS), _N, _N + 1))
    for p, persona in enumerate(PERSONAS):
        for sid, row in TRANSITIONS.items():
            row = PERSONA_TRANSITIONS.get(persona, {}).get(sid, row)
            for nxt, prob in row.items():
                m[p, _STATE[sid], _N if nxt == END else _STATE[nxt]] = prob
    assert np.allclose(m.sum(-1), 1.0), "every transition row must sum to 1"
    return np.cumsum(m, axis=-1)


def _start_minutes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Start times (minutes since 1 Jan) with the seasonal month weights and evening peak."""
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    w = np.array(MONTH_WEIGHTS) * days
    month = rng.choice(12, size=n, p=w / w.sum())
    first = np.concatenate([[0], np.cumsum(days)[:-1]])
    day = first[month] + rng.integers(0, days[month])
    hour_w = np.array([1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 3.5, 4, 4.5, 4, 3.5, 3.5, 4, 4.5, 5, 6, 6.5, 6, 4, 2])
    hour = rng.choice(24, size=n, p=hour_w / hour_w.sum())
    return (day * 24 + hour) * 60 + rng.uniform(0, 60, n)


def _walk(rng: np.random.Generator, persona: np.ndarray, t0: np.ndarray, social: np.ndarray | None = None,
          bounce: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The Markov walk for all people at once: (person, state, minute, payment_failed flag) per visit.

    ``social``: who enters by a social ad (else drawn from :data:`SOCIAL_ENTRY`); ``bounce``: who leaves the
    product page as :data:`TIKTOK_PRODUCT_PAGE` says."""
    cum = transition_matrix()
    inc = np.cumsum([INCIDENT_CHECKOUT.get("payment", 0.0), INCIDENT_CHECKOUT.get(END, 0.0)])
    inc_lo = (INCIDENT_START - dt.datetime(YEAR, 1, 1)).total_seconds() / 60
    inc_hi = (INCIDENT_END - dt.datetime(YEAR, 1, 1)).total_seconds() / 60
    gaps = np.array([GAP_MINUTES[s] for s in STEP_IDS])
    n = len(persona)
    if social is None:
        social = rng.random(n) < np.array([SOCIAL_ENTRY[p] for p in PERSONAS])[persona]
    bounce = np.zeros(n, dtype=bool) if bounce is None else bounce
    tiktok_row = np.zeros(_N + 1)
    for nxt_id, prob in TIKTOK_PRODUCT_PAGE.items():
        tiktok_row[_N if nxt_id == END else _STATE[nxt_id]] = prob
    tiktok_cum = np.cumsum(tiktok_row)
    who = np.arange(n)
    cur = np.where(social, _STATE["social-ad"], _STATE["search-landing"])
    t = t0.copy()
    out_p, out_s, out_t, out_f = [], [], [], []
    checkout, payment = _STATE["checkout"], _STATE["payment"]
    for _ in range(MAX_WALK):
        if not len(who):
            break
        out_p.append(who)
        out_s.append(cur)
        out_t.append(t)
        u = rng.random(len(who))
        rows = cum[persona[who], cur]
        bouncing = bounce[who] & (cur == _STATE["product-page"])
        rows[bouncing] = tiktok_cum
        nxt = (u[:, None] > rows).sum(axis=1)
        nxt = np.minimum(nxt, _N)
        at_checkout = cur == checkout
        in_incident = at_checkout & (t >= inc_lo) & (t < inc_hi)
        if in_incident.any():
            nxt[in_incident] = np.where(u[in_incident] < inc[0], payment, _N)
        comeback = (nxt == _N) & (cur < checkout) & (rng.random(len(who)) < RETURN_VISIT)
        nxt[comeback] = _STATE["search-landing"]
        failed = at_checkout & (nxt == _N)
        share = np.where(in_incident, PAYMENT_FAILED_SHARE[1], PAYMENT_FAILED_SHARE[0])
        out_f.append(failed & (rng.random(len(who)) < share))
        back = at_checkout & ~failed & (rng.random(len(who)) < CHECKOUT_BACK_TO_CART)
        nxt[back] = _STATE["add-to-cart"]
        keep = nxt < _N
        who, cur, t = who[keep], nxt[keep], t[keep]
        gap = np.where(comeback[keep], RETURN_GAP_MINUTES, np.where(back[keep], 2.0, gaps[cur]))
        t = t + rng.exponential(np.maximum(gap, 0.05)) + 0.05
    return np.concatenate(out_p), np.concatenate(out_s), np.concatenate(out_t), np.concatenate(out_f)


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def generate_chunk(rng: np.random.Generator, first: int, n: int, event_offset: int) -> pa.Table:
    """Events of people ``first … first + n - 1`` as an Arrow table, sorted by time (as an export would be)."""
    persona = rng.choice(len(PERSONAS), size=n, p=np.array(list(PERSONAS.values())))
    t0 = _start_minutes(rng, n)
    early_login = rng.random(n) < EARLY_LOGIN
    second = rng.random(n) < SECOND_DEVICE
    social = rng.random(n) < np.array([SOCIAL_ENTRY[p] for p in PERSONAS])[persona]
    ad_utm = rng.choice(len(AD_SOURCES), size=n, p=np.array(list(AD_SOURCES.values())))
    search_utm = rng.choice(len(SEARCH_SOURCES), size=n, p=np.array(list(SEARCH_SOURCES.values())))
    # the influencer's spike: a share of people start that day, by a TikTok ad
    spike = rng.random(n) < SPIKE_SHARE
    spike_day = (SPIKE_DAY - dt.datetime(YEAR, 1, 1)).total_seconds() / 60
    t0[spike] = spike_day + rng.uniform(8 * 60, 23 * 60, int(spike.sum()))
    social[spike] = True
    tiktok = list(AD_SOURCES).index("tiktok")
    ad_utm[spike] = tiktok
    person, state, minute, failed = _walk(rng, persona, t0, social, social & (ad_utm == tiktok))

    # Browsing several products: repeat product-page views, before the person's next step.
    extra = np.where(state == _STATE["product-page"], rng.poisson(EXTRA_PRODUCT_VIEWS, len(state)), 0)
    order = np.lexsort((minute, person))
    following = np.full(len(state), np.inf)
    same = person[order][1:] == person[order][:-1]
    following[order[:-1][same]] = (minute[order][1:] - minute[order][:-1])[same]
    reps = extra + 1
    idx = np.repeat(np.arange(len(state)), reps)
    within = np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps)
    span = np.minimum(following, 1.5 * reps)[idx]  # the views fit before the next step
    person, state, failed = person[idx], state[idx], failed[idx] & (within == 0)
    minute = minute[idx] + span * within / reps[idx]
    names = state.astype(np.int16)

    # Events on no step.
    extra_p, extra_n, extra_t = [person[failed]], [np.full(failed.sum(), _EVENT_NAMES.index("payment_failed"))], \
        [minute[failed] + rng.exponential(1.0, failed.sum())]
    logged = np.flatnonzero(early_login)
    for name, mean in OFF_MAP_EVENTS.items():
        k = rng.poisson(mean, len(logged))
        ps = np.repeat(logged, k)
        extra_p.append(ps)
        extra_n.append(np.full(len(ps), _EVENT_NAMES.index(name)))
        extra_t.append(np.abs(t0[ps] + rng.uniform(-60 * 24 * 10, 60 * 24 * 120, len(ps))))
    # The first login of early loggers sits right at the start of their journey.
    extra_p.append(logged)
    extra_n.append(np.full(len(logged), _EVENT_NAMES.index("account_login")))
    extra_t.append(t0[logged] + 0.5)
    # The address check at checkout, from its start on: rejected addresses leave an event on no step.
    check_lo = (ADDRESS_CHECK_START - dt.datetime(YEAR, 1, 1)).total_seconds() / 60
    checked = np.flatnonzero((state == _STATE["checkout"]) & (minute >= check_lo))
    checked = checked[rng.random(len(checked)) < ADDRESS_CHECK_SHARE]
    extra_p.append(person[checked])
    extra_n.append(np.full(len(checked), _EVENT_NAMES.index("address_check_failed")))
    extra_t.append(minute[checked] + 0.3)
    # Second-device people: an app hand-off links cookie B to cookie A once they reach the cart.
    at_cart = np.flatnonzero((state == _STATE["add-to-cart"]) & second[person])
    at_cart = at_cart[np.unique(person[at_cart], return_index=True)[1]]
    extra_p.append(person[at_cart])
    extra_n.append(np.full(len(at_cart), _EVENT_NAMES.index("cart_synced")))
    extra_t.append(minute[at_cart] - 0.02)

    person = np.concatenate([person, *extra_p])
    names = np.concatenate([names, *[x.astype(np.int16) for x in extra_n]])
    minute = np.concatenate([minute, *extra_t])
    order = np.argsort(minute, kind="stable")
    order = order[minute[order] < (EXPORT_END - dt.datetime(YEAR, 1, 1)).total_seconds() / 60]
    person, names, minute = person[order], names[order], minute[order]
    rows = len(person)

    ev = {name: i for i, name in enumerate(_EVENT_NAMES)}
    chan_list = sorted(SOURCES)
    chan_code = np.array([chan_list.index(c) for c in [s[2] for s in STEPS] + list(OFF_MAP_CHANNELS.values())])
    chan = chan_code[names]
    web, app, chat = (chan_list.index(c) for c in ("web", "app", "chat"))
    on_map = names < _N
    before_login = np.isin(names, [*_BEFORE_LOGIN, _STATE["add-to-cart"], ev["wishlist_added"]])
    # Before the cart, second-device people browse on device B; everything later is device A.
    on_b = second[person] & on_map & (names <= _STATE["chat-question"])
    synced = names == ev["cart_synced"]
    has_cookie = (chan == web) | (chan == chat) | (names == ev["ad_click"]) | synced
    # Before the cart only early loggers on their own device are known; checkout and later always are.
    known = (~before_login | (early_login[person] & ~on_b)) & ~synced

    people = first + np.arange(n)
    # String ids are built once per person and picked by index (a null index gives a null id).
    customer = _ids("C", people).take(pa.array(person, mask=~known))
    # cart_synced: the app only knows the web cookie it was opened from, and reports it as the user.
    customer = pc.if_else(pa.array(synced), _ids("ck-", 2 * people).take(pa.array(person)), customer)
    cookies = _ids("ck-", np.stack([2 * people, 2 * people + 1], axis=1).ravel())
    anon = cookies.take(pa.array(2 * person + (on_b | synced), mask=~has_cookie))

    device = np.where(chan == web, np.where(on_b, 1, 0), np.where(chan == app, 2, -1))
    utm = np.where(names == ev["ad_click"], ad_utm[person],
                   np.where(names == ev["landing_page_view"], len(AD_SOURCES) + search_utm[person], -1))
    paid = (names == _STATE["payment"]) | (names == _STATE["repeat-purchase"])
    value = np.full(rows, np.nan)
    value[paid] = np.round(rng.gamma(2.0, 30.0, paid.sum()) * np.array([0.7, 1.0, 1.4])[persona[person[paid]]], 2)

    start = np.datetime64(f"{YEAR}-01-01T00:00:00", "us")
    micros = (minute * 60_000_000).astype(np.int64)
    ts = pa.array(start + micros.astype("timedelta64[us]"), pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    return pa.table({
        "event_id": _ids("e", event_offset + np.arange(rows)),
        "customer_id": customer,
        "anonymous_id": anon,
        "ts": ts,
        "event": _dict(names, _EVENT_NAMES),
        "channel": _dict(chan, chan_list),
        "source": _dict(chan, [SOURCES[c] for c in chan_list]),
        "segment": _dict(persona[person], list(PERSONAS)),
        "device": _dict(device, ["desktop", "mobile", "ios"]),
        "utm_source": _dict(utm, [*AD_SOURCES, *SEARCH_SOURCES]),
        "order_value": pc.cast(pa.array(value, mask=~paid), pa.string()),
    })


def _dict(codes: np.ndarray, values: list[str] | tuple[str, ...]) -> pa.DictionaryArray:
    """Codes into a list of names as an Arrow dictionary column (``-1`` = missing), without building strings."""
    codes = codes.astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), pa.array(list(values), pa.string()))


def generate(customers: int, seed: int = 42, chunk: int = CHUNK_CUSTOMERS) -> Iterator[pa.Table]:
    """The demo event log in chunks of ``chunk`` people (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    offset = 0
    for first in range(0, customers, chunk):
        table = generate_chunk(rng, first, min(chunk, customers - first), offset)
        offset += table.num_rows
        yield table


def write_parquet(path: Path, customers: int, seed: int = 42, chunk: int = CHUNK_CUSTOMERS,
                  on_chunk: Callable[[int, int], None] | None = None) -> int:
    """Write the demo log to one Parquet file, chunk by chunk; returns the number of events."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    total = done = 0
    writer: pq.ParquetWriter | None = None
    try:
        for table in generate(customers, seed, chunk):
            if writer is None:
                writer = pq.ParquetWriter(str(tmp), table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
            total += table.num_rows
            people = min(chunk, customers - done)
            done += people
            if on_chunk:
                on_chunk(people, total)
        if writer is not None:
            writer.close()
            writer = None
        tmp.replace(path)
    finally:
        if writer is not None:
            writer.close()
        if tmp.exists():
            tmp.unlink()
    return total


DEMO_FILE = "demo-events.parquet"


@dataclass
class DemoResult:
    """The events part of the demo: the workspace, the data file and the ingest."""

    root: Path
    data_file: Path
    events_written: int
    ingest: IngestReport


def create_demo(target: Path, customers: int = 100_000, seed: int = 42, lang: str = "en",
                quiet: bool = False) -> DemoResult:
    """A webshop workspace from the template with generated events ingested into its store.

    ``journeymap.demo.run_demo`` adds feedback and renders the living map on top of this.
    """
    from journeymap.events.ingest import ingest_events
    from journeymap.model.workspace import display_path, load_workspace
    from journeymap.progress import progress
    from journeymap.templates import init_workspace

    if customers < 1:
        raise JourneymapError(f"--customers must be at least 1 (got {customers})")
    if (Path(target) / "journeymap.yaml").exists():
        raise JourneymapError(f"{display_path(Path(target))} already holds a workspace; "
                              "give the demo a new folder: journeymap demo DIR")
    root = init_workspace(Path(target), "webshop", lang)
    ws = load_workspace(root)
    data_file = ws.data_dir / DEMO_FILE
    with progress(quiet) as bar:
        task = bar.add_task(f"generating {customers:,} customers", total=customers)
        written = write_parquet(data_file, customers, seed,
                                on_chunk=lambda people, _rows: bar.update(task, advance=people))
    report = ingest_events(ws, [data_file], quiet=quiet)
    return DemoResult(root, data_file, written, report)
