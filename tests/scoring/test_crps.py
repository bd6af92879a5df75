"""CRPS: closed forms against quadrature, ensemble CRPS against the O(m^2) definition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from scoring import (
    crps_ensemble,
    crps_lognormal,
    crps_normal,
    crps_quantiles,
    weighted_interval_score,
)


def crps_by_quadrature(cdf, y: float, lo: float, hi: float) -> float:  # type: ignore[no-untyped-def]
    """CRPS = int (F(x) - 1{x >= y})^2 dx, split at y."""
    left, _ = integrate.quad(lambda x: cdf(x) ** 2, lo, y, limit=200)
    right, _ = integrate.quad(lambda x: (1.0 - cdf(x)) ** 2, y, hi, limit=200)
    return left + right


def test_crps_normal_standard_at_zero() -> None:
    assert crps_normal(0.0, 0.0, 1.0) == pytest.approx((math.sqrt(2) - 1) / math.sqrt(math.pi))


@pytest.mark.parametrize(("y", "mu", "sigma"), [(0.3, 0.0, 1.0), (-2.5, 1.0, 0.5), (7.0, 3.0, 4.0)])
def test_crps_normal_matches_quadrature(y: float, mu: float, sigma: float) -> None:
    dist = stats.norm(mu, sigma)
    expected = crps_by_quadrature(dist.cdf, y, mu - 40 * sigma, mu + 40 * sigma)
    assert crps_normal(y, mu, sigma) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize(
    ("y", "mulog", "sigmalog"),
    [(1.0, 0.0, 1.0), (0.2, 0.5, 0.3), (5.0, 0.0, 1.5), (0.0, 0.0, 1.0), (-2.0, 0.3, 0.8)],
)
def test_crps_lognormal_matches_quadrature(y: float, mulog: float, sigmalog: float) -> None:
    dist = stats.lognorm(s=sigmalog, scale=math.exp(mulog))
    cdf = lambda x: dist.cdf(x) if x > 0 else 0.0  # noqa: E731
    expected = crps_by_quadrature(cdf, y, min(y, 0.0), dist.ppf(1 - 1e-13))
    assert crps_lognormal(y, mulog, sigmalog) == pytest.approx(expected, rel=1e-7)


def test_crps_parametric_vectorised_with_scalar_parameters() -> None:
    y = np.array([0.0, 1.0, -1.0])
    np.testing.assert_allclose(crps_normal(y, 0.0, 1.0), [crps_normal(v, 0.0, 1.0) for v in y])


def test_crps_ensemble_known_values() -> None:
    assert crps_ensemble(2.5, [1.0, 2.0, 3.0]) == pytest.approx(0.388889, abs=1e-6)
    assert crps_ensemble(2.5, [1.0, 2.0, 3.0], fair=True) == pytest.approx(0.166667, abs=1e-6)


def pairwise_crps(y: np.ndarray, x: np.ndarray, fair: bool) -> np.ndarray:
    m = x.shape[-1]
    first = np.abs(x - y[:, None]).mean(axis=-1)
    pairs = np.abs(x[:, :, None] - x[:, None, :]).sum(axis=(1, 2))
    return first - pairs / (2 * m * (m - 1) if fair else 2 * m * m)


@pytest.mark.parametrize("fair", [False, True])
def test_crps_ensemble_matches_pairwise_definition(fair: bool) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 17))
    x[:5, :3] = 0.25  # ties
    y = rng.normal(size=200)
    np.testing.assert_allclose(
        crps_ensemble(y, x, fair=fair), pairwise_crps(y, x, fair), atol=1e-12
    )


def test_crps_ensemble_single_member_is_absolute_error() -> None:
    np.testing.assert_allclose(crps_ensemble([1.0, -2.0], [[3.0], [0.0]]), [2.0, 2.0])


def test_crps_ensemble_converges_to_normal() -> None:
    members = stats.norm.ppf((np.arange(2000) + 0.5) / 2000)
    assert crps_ensemble(0.4, members) == pytest.approx(crps_normal(0.4, 0.0, 1.0), abs=1e-3)


def test_crps_ensemble_does_not_modify_input() -> None:
    x = np.array([[3.0, 1.0, 2.0]])
    crps_ensemble([0.0], x)
    np.testing.assert_array_equal(x, [[3.0, 1.0, 2.0]])


def test_crps_ensemble_omit_ignores_nan_members() -> None:
    x = np.array([[1.0, np.nan, 2.0, 3.0], [np.nan, np.nan, np.nan, np.nan]])
    out = crps_ensemble([2.5, 1.0], x, nan_policy="omit")
    assert out[0] == pytest.approx(0.388889, abs=1e-6)
    assert np.isnan(out[1])
    fair = crps_ensemble([2.5, 1.0], x, fair=True, nan_policy="omit")
    assert fair[0] == pytest.approx(0.166667, abs=1e-6)


def test_crps_quantiles_converges_to_exact_crps() -> None:
    levels = np.arange(1, 1000) / 1000
    values = stats.norm.ppf(levels)
    approx = crps_quantiles(0.7, levels, values)
    assert approx == pytest.approx(crps_normal(0.7, 0.0, 1.0), rel=5e-3)


def test_crps_quantiles_equals_wis_for_symmetric_levels() -> None:
    rng = np.random.default_rng(5)
    alphas = np.array([0.02, 0.1, 0.2, 0.5, 0.8])
    levels = np.concatenate([alphas / 2, [0.5], (1 - alphas / 2)[::-1]])
    values = np.sort(rng.normal(size=(50, levels.size)), axis=-1)
    y = rng.normal(size=50)
    k = alphas.size
    wis = weighted_interval_score(y, alphas, values[:, k], values[:, :k], values[:, -1:k:-1])
    np.testing.assert_allclose(crps_quantiles(y, levels, values), wis.score, rtol=1e-12)


@pytest.mark.parametrize("nan", [False, True])
def test_crps_ensemble_peak_memory_below_twice_the_input(nan: bool) -> None:
    import tracemalloc

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 200))
    y = rng.normal(size=2000)
    if nan:  # before 0.2 the NaN path peaked at 5.1x the input
        x[::7, 3] = np.nan
    tracemalloc.start()
    try:
        crps_ensemble(y, x, nan_policy="omit")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * x.nbytes
