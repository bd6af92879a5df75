"""Diebold-Mariano, permutation test and paired bootstrap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from scoring import ScoringInputError, diebold_mariano, paired_bootstrap, permutation_test


def dm_reference(d: np.ndarray, h: int) -> tuple[float, float]:
    """Straight transcription of R forecast::dm.test (given the loss differentials)."""
    n = len(d)
    dbar = sum(d) / n
    acov = [sum((d[t] - dbar) * (d[t - k] - dbar) for t in range(k, n)) / n for k in range(h)]
    var = (acov[0] + 2 * sum(acov[1:])) / n
    stat = dbar / var**0.5 * ((n + 1 - 2 * h + (h / n) * (h - 1)) / n) ** 0.5
    return stat, 2 * stats.t.cdf(-abs(stat), df=n - 1)


@pytest.mark.parametrize("h", [1, 3])
def test_diebold_mariano_matches_r_formula(h: int) -> None:
    rng = np.random.default_rng(15)
    a = rng.gamma(2.0, size=120)
    b = a + rng.normal(0.2, 1.0, size=120)
    r = diebold_mariano(a, b, h=h)
    stat, p = dm_reference(a - b, h)
    assert r.statistic == pytest.approx(stat, rel=1e-10)
    assert r.pvalue == pytest.approx(p, rel=1e-10)
    assert r.h == h and r.n == 120
    assert r.mean_difference == pytest.approx(np.mean(a - b))


def test_diebold_mariano_detects_clear_difference() -> None:
    rng = np.random.default_rng(16)
    a = rng.random(200)
    assert diebold_mariano(a, a + 0.1 + rng.normal(0, 0.05, 200)).pvalue < 1e-6


def test_diebold_mariano_zero_variance_raises() -> None:
    with pytest.raises(ScoringInputError, match="variance"):
        diebold_mariano([1.0, 2.0, 3.0], [0.5, 1.5, 2.5])


def test_permutation_test_exact_matches_enumeration() -> None:
    a = np.array([0.2, 0.5, 0.1, 0.7, 0.3, 0.9, 0.4])
    b = np.array([0.3, 0.3, 0.4, 0.2, 0.6, 0.1, 0.5])
    d = a - b
    hits = sum(
        abs(np.dot(s, d)) >= abs(d.sum()) - 1e-12 for s in itertools.product([-1, 1], repeat=len(d))
    )
    r = permutation_test(a, b)
    assert r.exact and r.n_resamples == 2 ** len(d)
    assert r.pvalue == pytest.approx(hits / 2 ** len(d))
    assert r.statistic == pytest.approx(d.mean())


def test_permutation_test_monte_carlo_is_seeded_and_close_to_exact() -> None:
    rng = np.random.default_rng(17)
    a, b = rng.random(14), rng.random(14)
    exact = permutation_test(a, b).pvalue
    mc1 = permutation_test(a, b, n_resamples=4000, seed=3)
    mc2 = permutation_test(a, b, n_resamples=4000, seed=3)
    assert not mc1.exact and mc1.pvalue == mc2.pvalue
    assert mc1.pvalue == pytest.approx(exact, abs=0.03)


def test_permutation_test_large_n_detects_difference() -> None:
    rng = np.random.default_rng(18)
    a = rng.random(300)
    r = permutation_test(a, a + 0.05 + rng.normal(0, 0.1, 300), seed=0, n_resamples=999)
    assert r.pvalue == pytest.approx(1 / 1000)


def test_paired_bootstrap_interval() -> None:
    rng = np.random.default_rng(19)
    a = rng.random(400)
    b = a - 0.1 + rng.normal(0, 0.2, 400)
    r = paired_bootstrap(a, b, seed=1, n_resamples=2000)
    assert r.low < r.mean_difference < r.high
    assert r.low > 0.05 and r.high < 0.15
    se = np.std(a - b, ddof=1) / np.sqrt(400)
    assert r.high - r.low == pytest.approx(2 * 1.96 * se, rel=0.15)
    assert paired_bootstrap(a, b, seed=1, n_resamples=2000) == r


def test_comparisons_drop_nan_pairs_only_when_asked() -> None:
    a = [0.1, np.nan, 0.3, 0.2, 0.5]
    b = [0.2, 0.1, 0.1, 0.4, 0.1]
    with pytest.raises(ScoringInputError, match="NaN"):
        permutation_test(a, b)
    r = permutation_test(a, b, nan_policy="omit")
    assert r.n_resamples == 2**4
