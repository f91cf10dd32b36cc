"""Transitions, variants, conformance and bindings against the hand-made shop log."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from journeymap.engine.binding import check_bindings, glob_regex
from journeymap.engine.conformance import conformance, deviation_customers
from journeymap.engine.transitions import path_variants, paths_around, transitions
from journeymap.model.types import Journey

from .conftest import SHOP_JOURNEY

DAY = 86400


def edges(df):  # noqa: ANN001, ANN201
    return {(s, t): (c, u) for s, t, c, u in zip(df.source, df.target, df["count"], df.customers, strict=True)}


def test_step_transitions(shop, shop_log) -> None:  # noqa: ANN001
    tr = transitions(shop, shop_log)
    # a: ad→product→cart→pay; b: landing→product→cart; d: product→ad→cart→product→cart→pay
    assert edges(tr) == {
        ("ad", "product"): (1, 1), ("product", "cart"): (3, 3), ("cart", "pay"): (2, 2),
        ("landing", "product"): (1, 1), ("product", "ad"): (1, 1), ("ad", "cart"): (1, 1),
        ("cart", "product"): (1, 1),
    }
    pc = tr[(tr.source == "product") & (tr.target == "cart")].iloc[0]
    assert pc.probability == pytest.approx(3 / 4)  # product's out-edges: cart 3, ad 1
    assert pc.median_seconds == 840.0  # from leaving product: a 840 (10:06 → 10:20), b 18 days, d 60
    assert bool(pc.designed) and not bool(tr[(tr.source == "ad") & (tr.target == "cart")].iloc[0].designed)


def test_event_transitions_keep_repeats(shop, shop_log) -> None:  # noqa: ANN001
    tr = transitions(shop, shop_log, level="event", collapse_repeats=False)
    got = edges(tr)
    assert got[("product_view", "product_view")] == (1, 1)  # a's repeat
    assert got[("product_view", "add_to_cart")] == (3, 3)
    assert sum(c for c, _u in got.values()) == 15 - 4  # 15 events, 4 customers: n - 1 per customer


def test_stage_transitions(shop, shop_log) -> None:  # noqa: ANN001
    tr = transitions(shop, shop_log, level="stage")
    assert edges(tr) == {("aware", "consider"): (2, 2), ("consider", "buy"): (3, 3),
                         ("consider", "aware"): (1, 1), ("aware", "buy"): (1, 1), ("buy", "consider"): (1, 1)}


def test_prune_keeps_heaviest(shop, shop_log) -> None:  # noqa: ANN001
    tr = transitions(shop, shop_log, top=2)
    assert list(zip(tr.source, tr.target, strict=True)) == [("product", "cart"), ("cart", "pay")]


def test_variants_and_paths_around(shop, shop_log) -> None:  # noqa: ANN001
    v = path_variants(shop, shop_log)
    assert set(v.path) == {"ad → product → cart → pay", "landing → product → cart",
                           "product → ad → cart → product → cart → pay"}
    assert list(v.customers) == [1, 1, 1]
    after = paths_around(shop, shop_log, "product", depth=3)
    assert set(after.path) == {"product → cart → pay → (end)", "product → cart → (end)",
                               "product → ad → cart → product"}
    before = paths_around(shop, shop_log, "cart", direction="before", depth=1)
    # the visit before each customer's first cart visit: product (a, b), ad (d)
    assert dict(zip(before.path, before.customers, strict=True)) == {"product → cart": 2, "ad → cart": 1}


def test_conformance_by_hand(shop, shop_log) -> None:  # noqa: ANN001
    c = conformance(shop, shop_log)
    # designed transitions: ad→product 1 + landing→product 1 + product→cart 3 + cart→pay 2 = 7 of 10
    assert c.fitness == pytest.approx(0.7)
    # a and b follow the design; d enters at product and takes three undesigned transitions
    assert c.journeys_following_design == pytest.approx(2 / 3)
    assert {(f.source, f.target, f.customers) for f in c.undesigned} == {
        ("(start)", "product", 1), ("product", "ad", 1), ("ad", "cart", 1), ("cart", "product", 1)}
    assert c.never_seen_steps == ["chat"]
    # ad → cart jumps over product (the designed ad → product → cart); jumps back are loops
    assert c.skipped_steps == [("product", 1)]
    who = deviation_customers(shop, shop_log, "(start)", "product")
    assert list(who.customer_id) == ["d"]


def test_binding_report(backend) -> None:  # noqa: ANN001
    data = {**SHOP_JOURNEY, "steps": [*SHOP_JOURNEY["steps"], {
        "id": "browse", "name": "Browses", "stage": "consider", "channel": "web",
        "binding": {"events": ["*_view"]}, "next": []}]}
    journey = Journey.model_validate(data)
    from .conftest import SHOP_LOG

    t = backend.table(SHOP_LOG)
    ws = SimpleNamespace(journeys={"shop": journey}, journey_files={})
    r = check_bindings(ws, journey, t)
    assert r.no_match == ["chat"]
    assert r.overlaps == [("product", "browse", 5)]  # the five product_view events
    assert r.unmatched == [("newsletter_opened", 1)]
    assert r.step_events["product"] == 5 and r.step_events["browse"] == 0  # first match wins
    messages = [d.message for d in r.diagnostics(ws)]
    assert any("step 'chat': its binding matches no event" in m for m in messages)
    assert any("step 'browse': 5 event(s) also match the binding of step 'product'" in m for m in messages)
    assert any("newsletter_opened (1)" in m for m in messages)


def test_glob_regex() -> None:
    assert glob_regex("checkout_*") == "^checkout_.*$"
    assert glob_regex("a.b?") == "^a\\.b.$"


def test_counts_only_graph_equals_the_detailed_one(shop, shop_log) -> None:  # noqa: ANN001
    full = transitions(shop, shop_log, level="event", collapse_repeats=False)
    fast = transitions(shop, shop_log, level="event", collapse_repeats=False, detail=False)
    assert list(zip(fast.source, fast.target, fast["count"], fast.probability, strict=True)) == \
        list(zip(full.source, full.target, full["count"], full.probability, strict=True))
    assert fast.median_seconds.isna().all()
