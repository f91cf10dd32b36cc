"""Retention, lifecycle, comparisons, attribution and personas, computed by hand."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest
from scipy.stats import fisher_exact

from journeymap.engine.attribution import attribution, conversion_probability, paths
from journeymap.engine.compare import compare_periods, compare_segments, two_proportion_z
from journeymap.engine.personas import check_persona_rules, persona_table
from journeymap.engine.retention import lifecycle, retention
from journeymap.errors import JourneymapError
from journeymap.model.types import Persona

from .conftest import SHOP_LOG


def test_weekly_retention(shop_log) -> None:  # noqa: ANN001
    r = retention(shop_log, period="week")
    # all four start in the week of Monday 2024-01-01; only b is back, two weeks later (01-20)
    assert list(zip(r.cohort, r.period, r.customers, r.share, strict=True)) == [
        ("2024-01-01", 0, 4, 1.0), ("2024-01-01", 2, 1, 0.25)]


def test_weekly_lifecycle(shop_log) -> None:  # noqa: ANN001
    lc = lifecycle(shop_log, period="week").set_index("period")
    assert lc.loc["2024-01-01"].tolist() == [4, 0, 0, 0, 4]  # new, returning, resurrecting, dormant, active
    assert lc.loc["2024-01-08"].tolist() == [0, 0, 0, 4, 0]  # everyone went quiet
    assert lc.loc["2024-01-15"].tolist() == [0, 0, 1, 0, 1]  # b came back after a gap


def test_two_proportion_z_by_hand() -> None:
    # 50/100 vs 70/100: pooled 0.6, se = sqrt(0.6 * 0.4 * (1/100 + 1/100)) = 0.0692820
    z, p = two_proportion_z(50, 100, 70, 100)
    assert z == pytest.approx(0.2 / math.sqrt(0.6 * 0.4 * 0.02))
    assert p == pytest.approx(0.0038924, abs=1e-6)  # two-sided normal tail at z = 2.8868
    assert all(math.isnan(v) for v in two_proportion_z(0, 0, 1, 2))


def test_compare_periods(shop, shop_log) -> None:  # noqa: ANN001
    # period a: a and the first half of b (b stops at product); period b: b's late cart, c, d
    cmp = compare_periods(shop, shop_log, (dt.date(2024, 1, 1), dt.date(2024, 1, 3)),
                          (dt.date(2024, 1, 3), dt.date(2024, 2, 1)))
    conv = cmp[(cmp.step == "product") & (cmp.metric == "conversion")].iloc[0]
    assert (conv.a, conv.b, conv.n_a, conv.n_b) == (0.5, 1.0, 2, 1)
    # pooled 2/3; se = sqrt(2/3 * 1/3 * (1/2 + 1)); z = 0.5 / se
    assert conv.z == pytest.approx(0.5 / math.sqrt(2 / 9 * 1.5))
    # three customers are far too few for the normal tail: the p-value is Fisher's exact test (1/2 vs 1/1)
    assert conv.p_value == pytest.approx(fisher_exact([[1, 1], [1, 0]]).pvalue)
    assert not conv.significant and "Fisher" in conv.test and conv.q_value >= conv.p_value


def test_compare_empty_period_is_refused(shop, shop_log) -> None:  # noqa: ANN001
    with pytest.raises(JourneymapError, match="has no events on the map's steps"):
        compare_periods(shop, shop_log, (dt.date(2023, 1, 1), dt.date(2023, 2, 1)),
                        (dt.date(2024, 1, 1), dt.date(2024, 2, 1)))


def test_compare_segments(shop, shop_log) -> None:  # noqa: ANN001
    cmp = compare_segments(shop, shop_log, "property:segment", "fan", "hunter")
    # only events carrying the segment: fan = a's ad and product views, hunter = b's landing and product
    reach = cmp[(cmp.step == "product") & (cmp.metric == "conversion")].iloc[0]
    assert (reach.n_a, reach.n_b) == (1, 1)


def test_attribution_rules_and_markov(shop, shop_log) -> None:  # noqa: ANN001
    # touches before the first payment, by channel, repeats collapsed:
    #   a: social, web (converts)   b: search, web, email (no)   d: web, social, web (converts)
    p = paths(shop, shop_log, "pay")
    got = {tuple(path): (int(c), int(n)) for path, c, n in zip(p.path, p.conversions, p.non_conversions,
                                                               strict=True)}
    assert got == {("social", "web"): (1, 0), ("search", "web", "email"): (0, 1), ("web", "social", "web"): (1, 0)}
    a = attribution(shop, shop_log, "pay").set_index("touch")
    assert a.loc["social", "first"] == 1 and a.loc["web", "first"] == 1
    assert a.loc["web", "last"] == 2
    assert a.loc["social", "linear"] == pytest.approx(1 / 2 + 1 / 3)
    assert a.loc["web", "linear"] == pytest.approx(1 / 2 + 2 / 3)
    assert a.loc["social", "position_based"] == pytest.approx(0.5 + 0.2)
    assert a.loc["web", "position_based"] == pytest.approx(0.5 + 0.8)
    # Markov, solved by hand: P(conv) = 2/3; removing web → 0, social → 1/3, search → 4/9, email → 2/3
    # removal effects 1, 1/2, 1/3, 0 → credit 2 × effect / (11/6)
    assert conversion_probability(p) == pytest.approx(2 / 3)
    assert a.loc["web", "removal_effect"] == pytest.approx(1.0)
    assert a.loc["social", "removal_effect"] == pytest.approx(0.5)
    assert a.loc["search", "removal_effect"] == pytest.approx(1 / 3)
    assert a.loc["email", "removal_effect"] == 0
    assert a.loc["web", "markov"] == pytest.approx(12 / 11)
    assert a.loc["social", "markov"] == pytest.approx(6 / 11)
    assert a.loc["search", "markov"] == pytest.approx(4 / 11)
    assert (a["markov"] >= 0).all()
    assert a["markov"].sum() == pytest.approx(2)


def test_markov_is_deterministic(shop, shop_log) -> None:  # noqa: ANN001
    first = attribution(shop, shop_log, "pay", by="step")
    second = attribution(shop, shop_log, "pay", by="step")
    assert first.equals(second)


def test_personas_from_segment_rules(shop_log) -> None:  # noqa: ANN001
    fan = Persona.model_validate({"id": "fan", "name": "Fan", "segment": {
        "all": [{"property": "segment", "op": "eq", "value": "fan"}]}})
    hunter = Persona.model_validate({"id": "hunter", "name": "Hunter", "segment": {
        "any": [{"property": "segment", "op": "eq", "value": "hunter"},
                {"property": "channel", "op": "eq", "value": "search"}]}})
    from journeymap.engine import compile as C

    got = C.execute(persona_table([fan, hunter], shop_log)).sort_values("customer_id")
    assert list(got.persona) == ["fan", "hunter", "unassigned", "unassigned"]  # a, b, c, d


def test_persona_rule_on_missing_attribute(duck) -> None:  # noqa: ANN001
    t = duck.table(SHOP_LOG)
    p = Persona.model_validate({"id": "vip", "name": "VIP", "segment": {
        "all": [{"property": "segmnt", "op": "eq", "value": "gold"}]}})
    warnings = check_persona_rules([p], t)
    assert len(warnings) == 1
    assert "persona 'vip'" in warnings[0] and "'segmnt', which no event has" in warnings[0]
    assert "did you mean 'segment'" in warnings[0]


def test_breakdown_by_persona(shop, duck) -> None:  # noqa: ANN001
    from journeymap.engine.funnel import funnel

    fan = Persona.model_validate({"id": "fan", "name": "Fan", "segment": {
        "all": [{"property": "segment", "op": "eq", "value": "fan"}]}})
    ws = SimpleNamespace(personas={"fan": fan})
    f = funnel(shop, duck.table(SHOP_LOG), ["product", "cart", "pay"], by="persona", ws=ws)
    got = {(g, s): n for g, s, n in zip(f["group"], f["step"], f["customers"], strict=True)}
    assert got[("fan", "pay")] == 1  # a
    assert got[("unassigned", "product")] == 2 and got[("unassigned", "pay")] == 1  # b, d
