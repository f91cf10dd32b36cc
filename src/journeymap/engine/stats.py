"""The statistics behind comparisons and findings, taken from well-kept libraries (scipy, statsmodels,
ruptures), never written out by hand. Each function states the test it runs, so a finding can name it.

* proportions: the two-proportion z-test (:func:`statsmodels.stats.proportion.proportions_ztest`), or
  Fisher's exact test where a cell expects fewer than 10 (:func:`scipy.stats.fisher_exact`), the Wilson interval of one proportion and the Newcombe interval of a difference
  (:func:`~statsmodels.stats.proportion.proportion_confint`,
  :func:`~statsmodels.stats.proportion.confint_proportions_2indep`);
* a change over time: the OLS-CUSUM test of Ploberger and Krämer on the residuals of a bucketed series
  (:func:`statsmodels.stats.diagnostic.breaks_cusumolsresid`: the scaled running sum of the residuals is
  a Brownian bridge under "no change"), and the change points located by PELT (:mod:`ruptures`);
* counts: the Poisson or negative-binomial upper tail (:mod:`scipy.stats`), the binomial test;
* several groups: Pearson's chi-square, the linear-by-linear (ordinal) association test of a 2 × K table
  (:class:`statsmodels.stats.contingency_tables.Table`), the Breslow-Day test of equal odds ratios
  (:class:`~statsmodels.stats.contingency_tables.StratifiedTable`);
* many tests at once: Benjamini–Hochberg (:func:`statsmodels.stats.multitest.multipletests`).
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Every test a comparison or a finding can name, by key. The English name is what JSON and CSV carry (``test``);
#: people's tables show the message catalogue's ``tests.<key>`` in their language (:func:`test_key`).
TESTS = {
    "z": "two-proportion z-test (pooled, two-sided)",
    "fisher": "Fisher's exact test (small counts)",
    "cusum": "OLS-CUSUM test (Ploberger-Kraemer) and the window's own test times the number of windows, "
             "the window by PELT (ruptures)",
    "breslow_day": "Breslow-Day test of equal odds ratios (segment vs the others, in vs out of the window) "
                   "times the number of windows, and the CUSUM test of the segment's excess",
    "linear_by_linear": "linear-by-linear association (months in order)",
    "ols_trend": "OLS trend over the months (HC1 errors)",
    "window": "occurrences confined to a window, against the traffic (binomial tail with a union bound over windows)",
    "loop": "binomial test, one-sided, against the loop tolerance",
    "spike": "count above its rolling median (Poisson or negative-binomial tail)",
    "none": "not tested",
}
Z_TEST = TESTS["z"]
FISHER = TESTS["fisher"]
CUSUM_TEST = TESTS["cusum"]


def test_key(name: str) -> str | None:
    """The key of a test by its English name (``TESTS``), or None for a name that is not one of ours."""
    return next((k for k, v in TESTS.items() if v == name), None)


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


def small_expected(x1: int, n1: int, x2: int, n2: int, least: float = 10.0) -> bool:
    """Whether a cell of the 2 × 2 table expects fewer than ``least`` counts (the normal approximation fails)."""
    if n1 <= 0 or n2 <= 0:
        return False
    pooled = (x1 + x2) / (n1 + n2)
    return min(n1, n2) * min(pooled, 1 - pooled) < least


def fisher_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Fisher's exact test (two-sided) of x1/n1 against x2/n2."""
    from scipy.stats import fisher_exact

    return float(fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue)


def compare_proportions(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, p): the two-proportion z-test, or Fisher's exact p-value where a cell expects fewer than 10 (rare
    events, small groups: there the normal tail is far too thin)."""
    z, p = two_proportion_z(x1, n1, x2, n2)
    if p == p and small_expected(x1, n1, x2, n2):
        p = fisher_p(x1, n1, x2, n2)
    return z, p


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


#: The modules the tests below import when first used (about a second together).
MODULES = ("scipy.stats", "statsmodels.stats.proportion", "statsmodels.stats.multitest",
           "statsmodels.stats.diagnostic", "statsmodels.stats.contingency_tables",
           "statsmodels.regression.linear_model", "ruptures")


def preload() -> threading.Thread:
    """Import :data:`MODULES` in a background thread (join it before testing); an import that fails there fails
    again, with its message, where the test imports it."""
    import importlib

    def run() -> None:
        for name in MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported where the module is used
                return

    thread = threading.Thread(target=run, name="journeymap-preload", daemon=True)
    thread.start()
    return thread


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


def robust_dispersion(z: np.ndarray) -> float:
    """How much more than their standard errors bucket values spread: (1.4826 × MAD of the standardised values)²,
    at least 1. Robust, so an episode's own buckets do not inflate it (the episode is what is tested)."""
    if len(z) < 3:
        return 1.0
    mad = float(np.median(np.abs(z - np.median(z)))) * 1.4826
    return max(1.0, mad * mad)


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


def _ranked(edges: list[int], inside: Callable[[int, int], tuple[float, float, float, float, float]],
            min_size: int, total: int) -> list[tuple[int, int, float, float, float, float, float]]:
    """Every segment between consecutive change points with its sums and z, the most extreme first."""
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b - a < min_size or total - (b - a) < min_size:
            continue
        xi, ni, xo, no, z = inside(a, b)
        if ni <= 0 or no <= 0 or z != z:
            continue
        out.append((a, b, xi, ni, xo, no, z))
    return sorted(out, key=lambda r: -abs(r[6]))


def change_windows(x: np.ndarray, n: np.ndarray, *, min_size: int = 2) -> list[Window]:
    """Where the rate x/n differs: the segments PELT finds on the standardised bucket rates, each with its
    pooled rate against the rest (two-proportion z, divided by the square root of the series' dispersion,
    :func:`robust_dispersion`), the one furthest from the rest first."""
    x, n = np.asarray(x, dtype="float64"), np.asarray(n, dtype="float64")
    T = len(x)
    if 2 * min_size > T or n.sum() <= 0:
        return []
    p = x.sum() / n.sum()
    var = p * (1 - p)
    if var <= 0:
        return []
    rate = np.where(n > 0, x / np.maximum(n, 1), p)
    z = (rate - p) * np.sqrt(np.maximum(n, 0) / var)
    dispersion = robust_dispersion(z[n > 0])

    def inside(a: int, b: int) -> tuple[float, float, float, float, float]:
        xi, ni = x[a:b].sum(), n[a:b].sum()
        xo, no = x.sum() - xi, n.sum() - ni
        zz, _p = two_proportion_z(int(round(xo)), int(round(no)), int(round(xi)), int(round(ni)))
        return xi, ni, xo, no, zz / math.sqrt(dispersion)

    from scipy.stats import norm

    out = []
    for a, b, xi, ni, xo, no, zz in _ranked(_segments(z, min_size), inside, min_size, T):
        p_window = float(2 * norm.sf(abs(zz)))
        counts = (int(round(xo)), int(round(no)), int(round(xi)), int(round(ni)))
        if small_expected(*counts):  # rare events: the exact test, never less conservative than the z-test
            p_window = max(p_window, fisher_p(*counts))
        out.append(Window(a, b, xi, ni, xo, no, p_window, dispersion))
    return out


def change_window(x: np.ndarray, n: np.ndarray, *, min_size: int = 2) -> Window | None:
    """The segment of :func:`change_windows` furthest from the rest (None when none qualifies)."""
    found = change_windows(x, n, min_size=min_size)
    return found[0] if found else None


def mean_change_windows(s: np.ndarray, ss: np.ndarray, n: np.ndarray, *,
                        min_size: int = 2) -> list[tuple[Window, float, float]]:
    """:func:`change_windows` for a mean (sums ``s`` and sums of squares ``ss`` of ``n`` values per bucket): each
    window (a Window of sums) with the mean inside and outside it; the test is a z-test on the pooled
    variance, inflated by the dispersion of the bucket means."""
    s, ss, n = (np.asarray(a, dtype="float64") for a in (s, ss, n))
    T = len(s)
    if 2 * min_size > T or n.sum() <= 1:
        return []
    mean = s.sum() / n.sum()
    var = ss.sum() / n.sum() - mean**2
    if var <= 0:
        return []
    m = np.where(n > 0, s / np.maximum(n, 1), mean)
    z = (m - mean) * np.sqrt(np.maximum(n, 0) / var)
    dispersion = robust_dispersion(z[n > 0])

    def inside(a: int, b: int) -> tuple[float, float, float, float, float]:
        si, ni = s[a:b].sum(), n[a:b].sum()
        so, no = s.sum() - si, n.sum() - ni
        if ni <= 0 or no <= 0:
            return si, ni, so, no, float("nan")
        zz = (si / ni - so / no) / math.sqrt(var * dispersion * (1 / ni + 1 / no))
        return si, ni, so, no, zz

    from scipy.stats import t as student

    # Student's t with the smaller group's degrees of freedom: a conservative stand-in for Welch's test
    return [(Window(a, b, si, ni, so, no, float(2 * student.sf(abs(zz), max(1.0, min(ni, no) - 1))), dispersion),
             si / ni, so / no)
            for a, b, si, ni, so, no, zz in _ranked(_segments(z, min_size), inside, min_size, T)]


def mean_change_window(s: np.ndarray, ss: np.ndarray, n: np.ndarray, *,
                       min_size: int = 2) -> tuple[Window, float, float] | None:
    """The window of :func:`mean_change_windows` furthest from the rest (None when none qualifies)."""
    found = mean_change_windows(s, ss, n, min_size=min_size)
    return found[0] if found else None


def change_p(p_cusum: float, window: Window | None, buckets: int, *, first: bool = True) -> float:
    """A p-value for "the rate changes in this window": for the window furthest from the rest (``first``) the
    smaller of the CUSUM test's p-value and the window test's multiplied by the number of windows there are
    (T(T+1)/2: whichever window the data picked, the chance that some window looks this extreme is at most
    that many times one window's), doubled (a union bound over the two tests); for another window found in
    the same series, its own test times the number of windows. Valid whatever the windows; the CUSUM test
    has the power for long shifts, the window test for short, strong episodes."""
    ok = window is not None and window.p_window == window.p_window
    scan = window.p_window * buckets * (buckets + 1) / 2 if ok and window is not None else float("nan")
    if not first:
        return min(1.0, scan) if scan == scan else float("nan")
    candidates = [v for v in (p_cusum, scan) if v == v]
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
    from statsmodels.regression.linear_model import OLS

    xs = np.asarray(x, dtype="float64")
    fit = OLS(np.asarray(y, dtype="float64"), np.column_stack([np.ones_like(xs), xs])).fit(cov_type="HC1")
    return float(fit.params[1]), float(fit.pvalues[1])


def odds_ratio_change_p(cells: Sequence[tuple[int, int, int, int]]) -> float:
    """p-value of "the odds ratio of group vs the rest differs between two periods" (Breslow-Day test of
    homogeneity over the two periods' 2 × 2 tables; statsmodels' StratifiedTable) for the cells
    ``(group, period, successes, failures)``: is a change concentrated in one group?"""
    table = {(g, w): (s, f) for g, w, s, f in cells}
    if len(table) < 4 or any(s + f == 0 for s, f in table.values()):
        return float("nan")
    from statsmodels.stats.contingency_tables import StratifiedTable

    strata = [np.array([list(table[(1, w)]), list(table[(0, w)])], dtype="float64") for w in (1, 0)]
    if any((t.sum(axis=0) == 0).any() for t in strata):
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = float(StratifiedTable(strata).test_equal_odds().pvalue)
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
