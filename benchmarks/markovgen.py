"""A second, independent event log for the benchmarks: a Markov chain over 30 event names.

Not the demo generator: customers are integer ids, their events interleave in time (the file is
sorted by time, not by customer), the 30 event names follow a random transition matrix with a
main path, loops and an end state, and journey lengths vary widely. It also writes a workspace
with a 12-step journey bound to 12 of the names (some by glob, some by channel), so the same
commands run on it as on the demo.

    python benchmarks/markovgen.py OUT_DIR --customers 1000000 [--seed 7]

writes ``OUT_DIR/markov.parquet`` and the workspace ``OUT_DIR/ws`` (ingest with
``journeymap ingest events OUT_DIR/markov.parquet -w OUT_DIR/ws``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

NAMES = [
    "ad_click", "landing_view", "search", "search_refine", "category_view", "product_view", "product_zoom",
    "review_read", "compare_open", "wishlist_add", "cart_add", "cart_remove", "cart_view", "coupon_try",
    "login", "register", "checkout_address", "checkout_shipping", "checkout_payment", "payment_error",
    "order_placed", "email_confirm_open", "shipment_sent", "delivery_done", "return_request", "chat_open",
    "faq_view", "review_write", "newsletter_open", "app_push_open",
]
CHANNEL = {n: ("email" if n.startswith(("email", "newsletter")) else "app" if n.startswith("app") else
               "chat" if n.startswith("chat") else "web") for n in NAMES}
#: The main path through the names (indices), which the chain prefers.
MAIN = [0, 1, 2, 5, 10, 12, 16, 17, 18, 20, 22, 23, 27]

JOURNEY = """\
id: shop
title: Markov shop
stages:
  - {id: find, name: Find}
  - {id: choose, name: Choose}
  - {id: buy, name: Buy}
  - {id: after, name: After}
steps:
  - {id: arrive, name: Arrives, stage: find, channel: web, entry: true, binding: {events: [ad_click, landing_view]},
     next: [look]}
  - {id: look, name: Looks around, stage: find, channel: web, binding: {events: ["search*", category_view]},
     next: [product]}
  - {id: product, name: Product page, stage: choose, channel: web, binding: {events: ["product_*", review_read]},
     next: [cart, look]}
  - {id: cart, name: Cart, stage: choose, channel: web, binding: {events: ["re:^cart_(add|view)$"]}, next: [login]}
  - {id: login, name: Logs in, stage: buy, channel: web, binding: {events: [login, register]}, next: [address]}
  - {id: address, name: Address, stage: buy, channel: web, binding: {events: [checkout_address]}, next: [shipping]}
  - {id: shipping, name: Shipping, stage: buy, channel: web, binding: {events: [checkout_shipping]}, next: [payment]}
  - {id: payment, name: Pays, stage: buy, channel: web, binding: {events: [checkout_payment]}, next: [order, error]}
  - {id: error, name: Payment fails, stage: buy, channel: web, binding: {events: [payment_error]}, next: [payment]}
  - {id: order, name: Order placed, stage: buy, channel: web, binding: {events: [order_placed]}, next: [delivery]}
  - {id: delivery, name: Delivery, stage: after, channel: web, binding: {events: [shipment_sent, delivery_done]},
     next: [support]}
  - {id: support, name: Support, stage: after, channel: chat, binding: {events: [chat_open], channel: chat}}
"""


def transition_matrix(rng: np.random.Generator) -> np.ndarray:
    """Row-stochastic (31 × 31): 30 names and the end state (30). The main path gets most weight."""
    n = len(NAMES)
    m = rng.gamma(0.3, 1.0, size=(n, n + 1))
    for a, b in zip(MAIN, MAIN[1:], strict=False):
        m[a, b] += 6.0
    m[:, n] += 0.35  # the end: about one in 17 steps
    m[MAIN[-1], n] += 4.0
    m[19, 18] += 5.0  # a payment error goes back to payment
    np.fill_diagonal(m[:, :n], m.diagonal()[:n] + 0.8)  # repeats
    return np.cumsum(m / m.sum(axis=1, keepdims=True), axis=1)


def generate(customers: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    cum = transition_matrix(rng)
    end = len(NAMES)
    start = np.datetime64("2025-01-01T00:00:00")
    year = 365 * 86_400
    ids = rng.permutation(customers).astype(np.int64) * 7 + 1_000_003  # integer ids, not in any order
    state = np.where(rng.random(customers) < 0.7, 0, rng.integers(0, len(NAMES), customers))
    clock = rng.integers(0, year - 40 * 86_400, customers).astype(np.int64)
    who = np.arange(customers)
    out_c, out_t, out_e = [], [], []
    for _ in range(400):
        out_c.append(who)
        out_t.append(clock)
        out_e.append(state)
        u = rng.random(len(who))
        nxt = (u[:, None] > cum[state]).sum(axis=1)
        alive = nxt < end
        gap = np.where(rng.random(len(who)) < 0.8, rng.exponential(90, len(who)), rng.exponential(3 * 86_400, len(who)))
        who, state, clock = who[alive], nxt[alive], (clock + 1 + gap.astype(np.int64))[alive]
        if not len(who):
            break
    c = np.concatenate(out_c)
    t = np.concatenate(out_t)
    e = np.concatenate(out_e)
    order = np.argsort(t, kind="stable")  # interleaved: the file is in time order, as a live export
    c, t, e = c[order], t[order], e[order]
    names = pa.array(NAMES)
    events = pa.DictionaryArray.from_arrays(pa.array(e.astype(np.int32)), names)
    channels = pa.DictionaryArray.from_arrays(
        pa.array(e.astype(np.int32)), pa.array([CHANNEL[n] for n in NAMES]))
    return pa.table({
        "user": pa.array(ids[c]),
        "timestamp": pa.array((start + t.astype("timedelta64[s]")).astype("datetime64[ms]")),
        "event": events,
        "channel": channels,
        "value": pa.array(rng.integers(0, 500, len(c))),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    table = generate(args.customers, args.seed)
    pq.write_table(table, args.out / "markov.parquet", row_group_size=1 << 20)
    ws = args.out / "ws"
    (ws / "journeys").mkdir(parents=True, exist_ok=True)
    (ws / "journeymap.yaml").write_text(
        "name: Markov benchmark\nlanguage: en\ntimezone: UTC\n"
        "events:\n  columns: {customer_id: user, ts: timestamp}\n", encoding="utf-8")
    (ws / "journeys" / "shop.yaml").write_text(JOURNEY, encoding="utf-8")
    print(f"wrote {table.num_rows:,} events of {args.customers:,} customers to {args.out / 'markov.parquet'} "
          f"and the workspace {ws} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
