"""Step and stage metrics against figures computed by hand from the shop log (see conftest)."""

from __future__ import annotations

import math

import pytest

from journeymap.engine.steps import stage_metrics, step_metrics
from journeymap.errors import JourneymapError

DAY = 86400


def interp(values: list[float], q: float) -> float:
    """Linear-interpolation quantile, written out (the definition both backends use)."""
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (pos - lo) * (xs[hi] - xs[lo])


def row(df, key, value):  # noqa: ANN001, ANN201 - tiny test helper
    return df[df[key] == value].iloc[0]


def test_step_metrics_by_hand(shop, shop_log) -> None:  # noqa: ANN001
    m = step_metrics(shop, shop_log)
    assert list(m["step"]) == ["ad", "landing", "product", "chat", "cart", "pay"]  # map order

    ad = row(m, "step", "ad")
    # a and d saw the ad; 4 customers in the data (c included)
    assert (ad.reach, ad.events, ad.share) == (2, 2, 0.5)
    # a: ad → product (designed), d: ad → cart (not designed)
    assert ad.conversion == 0.5
    assert ad.dropoff == 0.0
    # gaps to the next visit: a 5 min, d 1 min
    assert ad.median_seconds == 180.0
    assert ad.p90_seconds == pytest.approx(60 + 0.9 * 240)
    assert (ad.entries, ad.exits, ad.revisits) == (1, 0, 0)  # only a starts at the ad

    product = row(m, "step", "product")
    assert (product.reach, product.events, product.visits) == (3, 5, 4)
    # a converts in 15 min; b's cart is 18 days later (outside 14 days); d converts on its second visit
    assert product.conversion == pytest.approx(2 / 3)
    assert product.dropoff == pytest.approx(1 / 3)  # b stalls here
    # from leaving each visit to the next: a 10:06 → 10:20, b 18 days, d (→ ad), d (→ cart)
    gaps = [840, 18 * DAY, 60, 60]
    assert product.median_seconds == interp(gaps, 0.5) == 450.0
    assert product.p90_seconds == pytest.approx(interp(gaps, 0.9))
    assert (product.revisits, product.revisit_share) == (1, pytest.approx(1 / 3))  # d came back
    assert (product.entries, product.exits) == (1, 0)  # d entered here

    cart = row(m, "step", "cart")
    assert (cart.reach, cart.events, cart.converted, cart.dropped) == (3, 4, 2, 1)
    assert cart.median_seconds == 2400.0  # gaps: a 40 min, d 1 day, d 1 min
    assert cart.p90_seconds == pytest.approx(interp([2400, DAY, 60], 0.9))
    assert cart.exits == 1  # b

    pay = row(m, "step", "pay")
    assert (pay.reach, pay.dropoff, pay.exits) == (2, 1.0, 2)
    assert math.isnan(pay.conversion)  # the end of the journey: no designed next step
    assert math.isnan(pay.median_seconds)

    chat = row(m, "step", "chat")  # assumed, not real
    assert (chat.reach, chat.events) == (0, 0)
    assert math.isnan(chat.conversion) and math.isnan(chat.dropoff)


def test_stage_metrics_by_hand(shop, shop_log) -> None:  # noqa: ANN001
    m = stage_metrics(shop, shop_log)
    aware = row(m, "stage", "aware")
    # stage visits: a aware→consider, b aware→consider, d aware→buy (not designed)
    assert (aware.reach, aware.events) == (3, 3)
    assert aware.conversion == pytest.approx(2 / 3)
    assert aware.median_seconds == 300.0  # gaps 300, 600, 60
    assert aware.entries == 2
    buy = row(m, "stage", "buy")
    # every buy visit but d's first ends a journey: a, b and d all drop off here
    assert (buy.reach, buy.events, buy.visits, buy.dropoff) == (3, 6, 4, 1.0)
    assert math.isnan(buy.conversion)
    assert buy.median_seconds == DAY  # d: buy → consider the next day


def test_window_changes_conversion(shop, shop_log) -> None:  # noqa: ANN001
    # with a 30-day window b's cart (18 days later) counts: product converts for all three
    m = step_metrics(shop, shop_log, window=30 * DAY)
    assert row(m, "step", "product").conversion == 1.0


@pytest.mark.parametrize("window", [0, -5])
def test_window_must_be_positive(shop, shop_log, window) -> None:  # noqa: ANN001
    with pytest.raises(JourneymapError, match="conversion window must be positive"):
        step_metrics(shop, shop_log, window=window)
