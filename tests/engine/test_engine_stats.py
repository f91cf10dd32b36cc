"""The statistics module against independent computations: hand formulas and scipy directly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from journeymap.engine import stats


def test_two_proportion_z_is_the_pooled_formula() -> None:
    x1, n1, x2, n2 = 30, 200, 55, 210
    pooled = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    got_z, got_p = stats.two_proportion_z(x1, n1, x2, n2)
    assert got_z == pytest.approx(z)
    assert got_p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert all(math.isnan(v) for v in stats.two_proportion_z(0, 0, 3, 10))
    assert all(math.isnan(v) for v in stats.two_proportion_z(0, 10, 0, 12))  # nothing varies: no test


def test_wilson_is_the_score_interval() -> None:
    x, n, z = 7, 40, 1.959963984540054
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert stats.wilson(x, n) == pytest.approx((centre - half, centre + half))


def test_difference_interval_is_newcombes() -> None:
    x1, n1, x2, n2 = 12, 80, 30, 90
    l1, u1 = stats.wilson(x1, n1)
    l2, u2 = stats.wilson(x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    d = p2 - p1
    lo = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    assert stats.diff_interval(x1, n1, x2, n2) == pytest.approx((lo, hi))


def test_benjamini_hochberg_by_hand() -> None:
    p = [0.01, 0.04, 0.03, 0.005, float("nan"), 0.5]
    ok = sorted((v, i) for i, v in enumerate(p) if v == v)
    m = len(ok)
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        v, _i = ok[rank - 1]
        running = min(running, v * m / rank)
        q[rank - 1] = running
    expected = {i: q[k] for k, (_v, i) in enumerate(ok)}
    got = stats.bh(p)
    assert math.isnan(got[4])
    for i, value in expected.items():
        assert got[i] == pytest.approx(value)


def test_cusum_holds_its_level_without_a_change_and_finds_one() -> None:
    rng = np.random.default_rng(7)
    rejected = 0
    runs = 400
    for _ in range(runs):
        n = rng.integers(20, 200, 120)
        x = rng.binomial(n, 0.3)
        rejected += stats.cusum_change(x, n) < 0.05
    assert rejected / runs <= 0.08  # asymptotically 5 %; the test is known to be a little conservative
    n = np.full(120, 100)
    x = rng.binomial(n, np.where(np.arange(120) >= 70, 0.2, 0.3))
    assert stats.cusum_change(x, n) < 1e-6


def test_windows_locate_a_planted_episode() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(80, 120, 200)
    x = rng.binomial(n, np.where((np.arange(200) >= 90) & (np.arange(200) < 104), 0.15, 0.35))
    w = stats.change_window(x, n)
    assert w is not None and (w.start, w.end) == (90, 104)
    assert w.observed == pytest.approx(x[90:104].sum() / n[90:104].sum())
    assert w.baseline == pytest.approx((x.sum() - x[90:104].sum()) / (n.sum() - n[90:104].sum()))
    p = stats.change_p(stats.cusum_change(x, n), w, 200)
    assert p <= 2 * w.p_window * 200 * 201 / 2 and p < 1e-10


def test_window_test_without_a_change_is_not_significant_after_the_union_bound() -> None:
    rng = np.random.default_rng(11)
    small = 0
    for _ in range(200):
        n = rng.integers(20, 100, 100)
        x = rng.binomial(n, 0.4)
        w = stats.change_window(x, n)
        small += w is not None and stats.change_p(stats.cusum_change(x, n), w, 100) < 0.05
    assert small / 200 <= 0.08


def test_spike_tail_is_scipys() -> None:
    assert stats.count_spike_p(30, 20.0, 1.0) == pytest.approx(sps.poisson.sf(29, 20.0))
    r = 20.0 / (2.0 - 1)
    assert stats.count_spike_p(30, 20.0, 2.0) == pytest.approx(sps.nbinom.sf(29, r, 0.5))
    assert stats.binomial_greater(12, 100, 0.05) == pytest.approx(sps.binomtest(12, 100, 0.05, "greater").pvalue)


def test_concentrated_change_by_breslow_day_agrees_with_a_logistic_interaction() -> None:
    """The Breslow-Day test (the engine's) against the Wald test of the interaction in a logistic model (the
    log odds ratios by hand): the same hypothesis, asymptotically the same p-value."""
    # group 1: 40/100 before, 10/100 in the window; group 0: 50/200 before, 45/200 in the window
    cells = [(1, 0, 40, 60), (1, 1, 10, 90), (0, 0, 50, 150), (0, 1, 45, 155)]
    ratio = math.log((10 / 90) / (40 / 60)) - math.log((45 / 155) / (50 / 150))
    se = math.sqrt(sum(1 / v for _g, _w, s, f in cells for v in (s, f)))
    wald = 2 * sps.norm.sf(abs(ratio) / se)
    assert stats.odds_ratio_change_p(cells) == pytest.approx(wald, rel=0.5)
    same = [(1, 0, 40, 60), (1, 1, 20, 30), (0, 0, 50, 150), (0, 1, 25, 75)]  # equal odds ratios
    assert stats.odds_ratio_change_p(same) > 0.9


def test_trend_tests() -> None:
    flat = stats.ordinal_trend([50, 52, 49, 51, 50], [200, 200, 200, 200, 200])
    assert flat > 0.5
    # the linear-by-linear statistic (N - 1) r², r the correlation of month number and outcome over customers
    success, total = [80, 70, 60, 50, 40], [200] * 5
    month = np.repeat(np.arange(5), total)
    outcome = np.concatenate([np.r_[np.ones(s), np.zeros(t - s)] for s, t in zip(success, total, strict=True)])
    r = np.corrcoef(month, outcome)[0, 1]
    expected = sps.chi2.sf((len(month) - 1) * r * r, 1)
    assert stats.ordinal_trend(success, total) == pytest.approx(expected) and expected < 1e-5
    slope, p = stats.slope_p(np.array([1.0, 2.1, 2.9, 4.2, 5.0, 5.9]), np.arange(6.0))
    assert slope == pytest.approx(sps.linregress(np.arange(6.0), [1.0, 2.1, 2.9, 4.2, 5.0, 5.9]).slope)
    assert p < 0.001
