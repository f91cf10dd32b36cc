"""Funnels against hand-computed figures from the shop log (see conftest for the visits)."""

from __future__ import annotations

import pytest

from journeymap.engine.funnel import funnel, funnel_customers, pattern
from journeymap.errors import JourneymapError

DAY = 86400
MAIN = ["product", "cart", "pay"]


def counts(df, col="customers"):  # noqa: ANN001, ANN201
    return list(df[col])


def test_sequential_first_attempt(shop, shop_log) -> None:  # noqa: ANN001
    f = funnel(shop, shop_log, MAIN)
    # a: product → cart → pay;  b: product, cart only after 18 days (outside 14);  d: product … cart … pay
    assert counts(f) == [3, 2, 2]
    assert list(f["conversion_from_start"]) == pytest.approx([1, 2 / 3, 2 / 3])
    assert list(f["conversion_from_previous"]) == pytest.approx([1, 2 / 3, 1])
    assert list(f["dropped"]) == [1, 0, 0]
    # time to convert from entry: a 10:05 → 11:00 = 3300 s; d 01-03 09:00 → 01-04 09:04 = 86640 s
    last = f.iloc[-1]
    assert last.median_seconds_to_convert == (3300 + 86640) / 2
    assert last.p90_seconds_to_convert == pytest.approx(3300 + 0.9 * (86640 - 3300))


def test_strict_needs_consecutive_visits(shop, shop_log) -> None:  # noqa: ANN001
    # d's product visit is followed by the ad, not the cart: d stops at product
    assert counts(funnel(shop, shop_log, MAIN, mode="strict")) == [3, 1, 1]


def test_exclusion_step_stops_an_attempt(shop, shop_log) -> None:  # noqa: ANN001
    # d clicks the ad between product and cart: excluded from there on
    assert counts(funnel(shop, shop_log, MAIN, exclude=["ad"])) == [3, 1, 1]


def test_any_order_vs_sequential(shop, shop_log) -> None:  # noqa: ANN001
    # cart before product: in order only d does it (cart 01-03, product 01-04);
    # in any order a (product then cart) and d do, b's cart is outside the window
    assert counts(funnel(shop, shop_log, ["cart", "product"])) == [3, 1]
    assert counts(funnel(shop, shop_log, ["cart", "product"], mode="any")) == [3, 2]


def test_every_attempt(shop, shop_log) -> None:  # noqa: ANN001
    f = funnel(shop, shop_log, MAIN, attempts="every")
    # attempts start at each new product visit: a 1 (the repeat is one visit), b 1, d 2
    # levels: a 3, b 1, d 2 then 3
    assert counts(f, "attempts") == [4, 3, 2]
    assert counts(f) == [3, 2, 2]
    people = funnel_customers(shop, shop_log, MAIN, attempts="every")
    assert list(zip(people.customer_id, people.attempt, people.level, strict=True)) == [
        ("a", 1, 3), ("b", 1, 1), ("d", 1, 2), ("d", 2, 3)]
    assert list(people.dropped_after.fillna("-")) == ["-", "product", "cart", "-"]


def test_repeated_step_in_funnel(shop, shop_log) -> None:  # noqa: ANN001
    # product, cart, product, cart: a reaches 2 (never back at product), b 1, d all 4
    assert counts(funnel(shop, shop_log, ["product", "cart", "product", "cart"])) == [3, 2, 1, 1]


def test_breakdown_by_entry_property(shop, shop_log) -> None:  # noqa: ANN001
    f = funnel(shop, shop_log, MAIN, by="property:segment")
    got = {(g, s): n for g, s, n in zip(f["group"], f["step"], f["customers"], strict=True)}
    # a's product_view is a fan, b's a hunter, d's has no segment
    assert got == {("(none)", "product"): 1, ("(none)", "cart"): 1, ("(none)", "pay"): 1,
                   ("fan", "product"): 1, ("fan", "cart"): 1, ("fan", "pay"): 1,
                   ("hunter", "product"): 1, ("hunter", "cart"): 0, ("hunter", "pay"): 0}


def test_window_from_entry(shop, shop_log) -> None:  # noqa: ANN001
    # one hour from entry: a (55 min) converts, d (1 day 4 min) stops at cart (2 min)
    assert counts(funnel(shop, shop_log, MAIN, window=3600)) == [3, 2, 1]


def test_pattern_is_nested_and_linear() -> None:
    assert pattern(["A", "B", "C"], strict=False) == "A(?:[^B!]*B(?:[^C!]*C)?)?"
    assert pattern(["A", "B"], strict=True) == "A(?:B)?"


def test_thirty_step_funnel_builds_one_regex(shop, shop_log) -> None:  # noqa: ANN001
    steps = (["product", "cart"] * 15)
    f = funnel(shop, shop_log, steps)
    assert len(f) == 30
    assert counts(f)[:4] == [3, 2, 1, 1] and counts(f)[4:] == [0] * 26


@pytest.mark.parametrize(("steps", "kwargs", "message"), [
    (["product"], {}, "a funnel needs at least two steps"),
    (["product", "basket"], {}, "unknown step 'basket'.*did you mean 'cart'|unknown step 'basket'"),
    (MAIN, {"window": 0}, "conversion window must be positive"),
    (MAIN, {"mode": "loose"}, "unknown funnel mode 'loose'"),
    (MAIN, {"exclude": ["cart"]}, "both in the funnel and excluded"),
    (MAIN, {"by": "colour"}, "unknown breakdown 'colour'"),
])
def test_bad_funnels_have_clear_messages(shop, shop_log, steps, kwargs, message) -> None:  # noqa: ANN001
    with pytest.raises(JourneymapError, match=message):
        funnel(shop, shop_log, steps, **kwargs)
