"""The statistics behind comparisons and findings, taken from well-kept libraries (scipy, statsmodels,
ruptures), never written out by hand. Each function states the test it runs, so a finding can name it.

* proportions: the two-proportion z-test (:func:`statsmodels.stats.proportion.proportions_ztest`), the
  Wilson interval of one proportion and the Newcombe interval of a difference
  (:func:`~statsmodels.stats.proportion.proportion_confint`,
  :func:`~statsmodels.stats.proportion.confint_proportions_2indep`);
* a change over time: the OLS-CUSUM test of Ploberger and Krämer on the residuals of a bucketed series
  (:func:`statsmodels.stats.diagnostic.breaks_cusumolsresid`: the scaled running sum of the residuals is
  a Brownian bridge under "no change"), and the change points located by PELT (:mod:`ruptures`);
* counts: the Poisson or negative-binomial upper tail (:mod:`scipy.stats`), the binomial test;
* several groups: Pearson's chi-square, the linear-by-linear (ordinal) association test of a 2 × K table
  (:class:`statsmodels.stats.contingency_tables.Table`), the interaction of a logistic model
  (:class:`statsmodels.api.GLM`);
* many tests at once: Benjamini–Hochberg (:func:`statsmodels.stats.multitest.multipletests`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Z_TEST = "two-proportion z-test (pooled, two-sided)"
CUSUM_TEST = ("OLS-CUSUM test (Ploberger-Kraemer) and the window's own test times the number of windows, "
              "the window by PELT (ruptures)")


def _nan2() -> tuple[float, float]:
    return float("nan"), float("nan")


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) for proportions x2/n2 vs x1/n1 (positive z: the second is larger); (nan, nan) when a
    group is empty or both proportions are 0 or 1."""
    if n1 <= 0 or n2 <= 0:
        return _nan2()
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return _nan2()
    from statsmodels.stats.proportion import proportions_ztest

    z, p = proportions_ztest([x2, x1], [n2, n1])
    return float(z), float(p)


def wilson(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """The Wilson score interval of x/n."""
    if n <= 0:
        return _nan2()
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(x, n, alpha=alpha, method="wilson")
    return float(lo), float(hi)


def diff_interval(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's interval of the difference x2/n2 - x1/n1."""
    if n1 <= 0 or n2 <= 0:
        return _nan2()
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = confint_proportions_2indep(x2, n2, x1, n1, method="newcomb", compare="diff", alpha=alpha)
    return float(lo), float(hi)


def bh(pvalues: Sequence[float], alpha: float = 0.05) -> np.ndarray:
    """Benjamini–Hochberg q-values (NaN p-values stay NaN and take no part)."""
    p = np.asarray(pvalues, dtype="float64")
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        from statsmodels.stats.multitest import multipletests

        q[ok] = multipletests(p[ok], alpha=alpha, method="fdr_bh")[1]
    return q


def cusum_change(x: np.ndarray, n: np.ndarray) -> float:
    """p-value of "the rate x/n changes over the buckets" (the OLS-CUSUM test on x - n·p̂, which weighs each
    bucket by its volume; its variance is estimated from the residuals, so overdispersion makes it
    conservative, not wrong). NaN with fewer than 4 buckets or no variation."""
    x, n = np.asarray(x, dtype="float64"), np.asarray(n, dtype="float64")
    keep = n > 0
    x, n = x[keep], n[keep]
    if len(x) < 4 or n.sum() <= 0:
        return float("nan")
    resid = x - n * (x.sum() / n.sum())
    if not np.any(resid):
        return float("nan")
    from statsmodels.stats.diagnostic import breaks_cusumolsresid

    return float(breaks_cusumolsresid(resid, ddof=1)[1])


@dataclass
class Window:
    """A run of buckets ``[start, end)`` where a rate (or mean) differs from the rest: the sums inside and
    outside, and the test of that one window."""

    start: int
    end: int
    x_in: float
    n_in: float
    x_out: float
    n_out: float
    p_window: float = float("nan")  # two-sided, the spread inflated by the series' dispersion
    dispersion: float = 1.0

    @property
    def observed(self) -> float:
        return self.x_in / self.n_in if self.n_in else float("nan")

    @property
    def baseline(self) -> float:
        return self.x_out / self.n_out if self.n_out else float("nan")


def _segments(z: np.ndarray, min_size: int) -> list[int]:
    """Change points of ``z`` by PELT with a linear kernel (the L2 cost; ruptures' C implementation), penalty
    2·log(T) times the variance of ``z`` (BIC-like); the single best split when PELT finds none."""
    import ruptures as rpt

    signal = z.reshape(-1, 1)
    T = len(z)
    scale = float(np.var(z)) or 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bkps = rpt.KernelCPD(kernel="linear", min_size=min_size).fit(signal).predict(pen=2 * math.log(T) * scale)
        if len(bkps) <= 1:
            bkps = rpt.KernelCPD(kernel="linear", min_size=min_size).fit(signal).predict(n_bkps=1)
    return [0, *[int(b) for b in bkps]]


def _best(edges: list[int], inside: Callable[[int, int], tuple[float, float, float, float, float]],
          min_size: int, total: int) -> tuple[int, int, float, float, float, float, float] | None:
    best = None
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b - a < min_size or total - (b - a) < min_size:
            continue
        xi, ni, xo, no, z = inside(a, b)
        if ni <= 0 or no <= 0 or z != z:
            continue
        if best is None or abs(z) > abs(best[6]):
            best = (a, b, xi, ni, xo, no, z)
    return best


def change_window(x: np.ndarray, n: np.ndarray, *, min_size: int = 2) -> Window | None:
    """Where the rate x/n differs most: the segments PELT finds on the standardised bucket rates, then the one
    whose pooled rate stands furthest from the rest (two-proportion z, divided by the square root of the
    series' dispersion: Pearson's chi-square per bucket, at least 1). None when no segment qualifies."""
    x, n = np.asarray(x, dtype="float64"), np.asarray(n, dtype="float64")
    T = len(x)
    if 2 * min_size > T or n.sum() <= 0:
        return None
    p = x.sum() / n.sum()
    var = p * (1 - p)
    if var <= 0:
        return None
    rate = np.where(n > 0, x / np.maximum(n, 1), p)
    z = (rate - p) * np.sqrt(np.maximum(n, 0) / var)
    used = n > 0
    dispersion = max(1.0, float((z[used] ** 2).sum() / max(1, used.sum() - 1)))

    def inside(a: int, b: int) -> tuple[float, float, float, float, float]:
        xi, ni = x[a:b].sum(), n[a:b].sum()
        xo, no = x.sum() - xi, n.sum() - ni
        zz, _p = two_proportion_z(int(round(xo)), int(round(no)), int(round(xi)), int(round(ni)))
        return xi, ni, xo, no, zz / math.sqrt(dispersion)

    best = _best(_segments(z, min_size), inside, min_size, T)
    if best is None:
        return None
    a, b, xi, ni, xo, no, zz = best
    from scipy.stats import norm

    return Window(a, b, xi, ni, xo, no, float(2 * norm.sf(abs(zz))), dispersion)


def mean_change_window(s: np.ndarray, ss: np.ndarray, n: np.ndarray, *,
                       min_size: int = 2) -> tuple[Window, float, float] | None:
    """:func:`change_window` for a mean (sums ``s`` and sums of squares ``ss`` of ``n`` values per bucket): the
    window (a Window of sums) and the mean inside and outside it; its test is Welch-like on the pooled
    variance, inflated by the dispersion of the bucket means."""
    s, ss, n = (np.asarray(a, dtype="float64") for a in (s, ss, n))
    T = len(s)
    if 2 * min_size > T or n.sum() <= 1:
        return None
    mean = s.sum() / n.sum()
    var = ss.sum() / n.sum() - mean**2
    if var <= 0:
        return None
    m = np.where(n > 0, s / np.maximum(n, 1), mean)
    z = (m - mean) * np.sqrt(np.maximum(n, 0) / var)
    used = n > 0
    dispersion = max(1.0, float((z[used] ** 2).sum() / max(1, used.sum() - 1)))

    def inside(a: int, b: int) -> tuple[float, float, float, float, float]:
        si, ni = s[a:b].sum(), n[a:b].sum()
        so, no = s.sum() - si, n.sum() - ni
        if ni <= 0 or no <= 0:
            return si, ni, so, no, float("nan")
        zz = (si / ni - so / no) / math.sqrt(var * dispersion * (1 / ni + 1 / no))
        return si, ni, so, no, zz

    best = _best(_segments(z, min_size), inside, min_size, T)
    if best is None:
        return None
    a, b, si, ni, so, no, zz = best
    from scipy.stats import norm

    w = Window(a, b, si, ni, so, no, float(2 * norm.sf(abs(zz))), dispersion)
    return w, si / ni, so / no


def change_p(p_cusum: float, window: Window | None, buckets: int) -> float:
    """One p-value for "this series changes": the smaller of the CUSUM test's and the window test's, the
    latter multiplied by the number of windows there are (T(T+1)/2: whichever window the data picked, the
    chance that some window looks this extreme is at most that many times one window's), the minimum then
    doubled (a union bound over the two tests). Valid whatever the window; the CUSUM test has the power for
    long shifts, the window test for short, strong episodes."""
    candidates = [p_cusum] if p_cusum == p_cusum else []
    if window is not None and window.p_window == window.p_window:
        candidates.append(window.p_window * buckets * (buckets + 1) / 2)
    if not candidates:
        return float("nan")
    return min(1.0, 2 * min(candidates))


def count_spike_p(count: float, baseline: float, dispersion: float) -> float:
    """P(X >= count) for a day's count X with mean ``baseline``: Poisson, or negative binomial with variance
    ``dispersion`` × mean when the series is overdispersed."""
    from scipy import stats

    if baseline <= 0:
        return float("nan")
    if dispersion <= 1.05:
        return float(stats.poisson.sf(count - 1, baseline))
    r = baseline / (dispersion - 1)
    return float(stats.nbinom.sf(count - 1, r, 1 / dispersion))


def binomial_greater(x: int, n: int, p0: float) -> float:
    """One-sided binomial test p-value of x/n > p0."""
    if n <= 0:
        return float("nan")
    from scipy import stats

    return float(stats.binomtest(int(x), int(n), p0, alternative="greater").pvalue)


def ordinal_trend(success: Sequence[int], total: Sequence[int]) -> float:
    """p-value of a linear trend of success/total over ordered groups (linear-by-linear association)."""
    s = np.asarray(success, dtype="float64")
    t = np.asarray(total, dtype="float64")
    if len(s) < 3 or (t - s).sum() <= 0 or s.sum() <= 0:
        return float("nan")
    from statsmodels.stats.contingency_tables import Table

    table = Table(np.vstack([s, t - s]).T + 0.0)
    return float(table.test_ordinal_association().pvalue)


def slope_p(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """(slope, p-value) of an OLS regression of y on x with heteroscedasticity-robust (HC1) errors."""
    if len(y) < 3 or np.ptp(x) == 0:
        return _nan2()
    import statsmodels.api as sm

    fit = sm.OLS(np.asarray(y, dtype="float64"), sm.add_constant(np.asarray(x, dtype="float64"))).fit(cov_type="HC1")
    return float(fit.params[1]), float(fit.pvalues[1])


def interaction_p(cells: Sequence[tuple[int, int, int, int]]) -> float:
    """p-value of the interaction in a logistic model of success ~ group × period on the 2 × 2 cells
    ``(group, period, successes, failures)`` (is the change concentrated in one group?)."""
    rows: list[tuple[int, int, int, int]] = []
    for g, w, s, f in cells:
        rows += [(g, w, 1, s)] if s > 0 else []
        rows += [(g, w, 0, f)] if f > 0 else []
    if len({(g, w) for g, w, _y, _k in rows}) < 4 or len(rows) < 5:
        return float("nan")
    import statsmodels.api as sm

    arr = np.asarray(rows, dtype="float64")
    g, w, y, k = arr.T
    exog = np.column_stack([np.ones_like(g), g, w, g * w])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.GLM(y, exog, family=sm.families.Binomial(), freq_weights=k).fit()
        except Exception:  # perfect separation and the like: no test
            return float("nan")
    p = float(fit.pvalues[3])
    return p if math.isfinite(p) else float("nan")


def chi_square(table: np.ndarray) -> float:
    """Pearson's chi-square test of independence of a contingency table (p-value)."""
    from scipy import stats

    t = np.asarray(table, dtype="float64")
    t = t[:, t.sum(axis=0) > 0]
    t = t[t.sum(axis=1) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return float("nan")
    return float(stats.chi2_contingency(t)[1])
