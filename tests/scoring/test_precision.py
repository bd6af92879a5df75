"""High-precision references (mpmath at 50 digits) for the numerically delicate functions.

Each test reproduces a defect measured in issue 10 ("scoring 0.2"): they failed before the
fix. mpmath is a test-only dependency (the ``dev`` extra).
"""

from __future__ import annotations

import numpy as np
import pytest

import scoring

mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp


def lognormal_crps_reference(y: float, mulog: float, sigmalog: float) -> float:
    """Baran-Lerch closed form with 50 significant digits.

    ``Phi(s/sqrt2) - 1`` would round to 0 even at 50 digits once it drops below 1e-50
    (sigmalog >= ~21), so the reference uses the exact upper tail ``erfc(x/sqrt2)/2``.
    """
    with mp.workdps(50):
        y_, mu, s = mp.mpf(y), mp.mpf(mulog), mp.mpf(sigmalog)
        mean = mp.exp(mu + s * s / 2)
        w = (mp.log(y_) - mu) / s if y_ > 0 else mp.ninf
        phi_w = mp.ncdf(w) if y_ > 0 else mp.mpf(0)
        phi_ws = mp.ncdf(w - s) if y_ > 0 else mp.mpf(0)
        upper_tail = mp.erfc(s / 2) / 2  # 1 - Phi(s / sqrt 2)
        value = y_ * (2 * phi_w - 1) - 2 * mean * (phi_ws - upper_tail)
        return float(value)


@pytest.mark.parametrize(("y", "sigmalog"), [(1.0, 0.5), (0.3, 2.0), (4.0, 3.0), (-1.0, 1.0)])
def test_lognormal_reference_matches_the_crps_integral(y: float, sigmalog: float) -> None:
    """The closed-form reference itself against the definition int (F - 1{x >= y})^2 dx."""
    with mp.workdps(30):
        cdf = lambda x: mp.ncdf(mp.log(x) / sigmalog) if x > 0 else mp.mpf(0)  # noqa: E731
        lo = min(mp.mpf(y), mp.mpf(0))
        left = mp.quad(lambda x: cdf(x) ** 2, [lo, 0, y] if y > 0 else [lo, y])
        right = mp.quad(
            lambda x: (1 - cdf(x)) ** 2,
            [y, 0, 1, 10, 100, mp.inf] if y < 0 else [y, 1, 10, 100, mp.inf],
        )
        assert float(left + right) == pytest.approx(lognormal_crps_reference(y, 0, sigmalog))


@pytest.mark.parametrize("sigmalog", [0.5, 2.0, 6.0, 8.0, 10.0, 15.0, 20.0, 25.0, 30.0, 38.0, 50.0])
@pytest.mark.parametrize("y", [1.0, 0.3, 25.0, 0.0, -2.0])
def test_crps_lognormal_large_sigmalog_against_mpmath(y: float, sigmalog: float) -> None:
    # Before 0.2: 1.5e-5 relative error at sigmalog=10, 0.0 at 15..30 and NaN at 38.
    expected = lognormal_crps_reference(y, 0.0, sigmalog)
    got = float(scoring.crps_lognormal(y, 0.0, sigmalog))
    assert got == pytest.approx(expected, rel=1e-12)


def test_crps_lognormal_large_sigmalog_quoted_values() -> None:
    # the values quoted in the issue ("about 2.0e23, 1.5e42, 2.0e96"); the last is 1.9527e96
    got = scoring.crps_lognormal([1.0, 1.0, 1.0], 0.0, [15.0, 20.0, 30.0])
    np.testing.assert_allclose(got, [2.002858e23, 1.509136e42, 2.0e96], rtol=3e-2)


def test_crps_lognormal_overflow_is_inf_not_nan() -> None:
    assert float(scoring.crps_lognormal(1.0, 0.0, 60.0)) == np.inf


def ensemble_crps_reference(y: float, x: np.ndarray, fair: bool = False) -> float:
    """O(m^2) definition, exact to 50 digits (the inputs are exact binary fractions)."""
    with mp.workdps(50):
        xs = [mp.mpf(float(v)) for v in x]
        y_ = mp.mpf(float(y))
        m = len(xs)
        first = mp.fsum(abs(v - y_) for v in xs) / m
        pairs = mp.fsum(abs(a - b) for a in xs for b in xs)
        second = pairs / (2 * m * (m - 1) if fair else 2 * m * m)
        return float(first - second)


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e6, 1e8, 1e10, 1e12])
@pytest.mark.parametrize("fair", [False, True])
def test_crps_ensemble_large_common_offset_against_mpmath(offset: float, fair: bool) -> None:
    # Before 0.2: relative error 1.8e-8 at an offset of 1e8 and 2.2e-6 at 1e10.
    rng = np.random.default_rng(0)
    y = offset + rng.normal(size=20)
    x = offset + rng.normal(size=(20, 30))
    got = scoring.crps_ensemble(y, x, fair=fair)
    expected = [ensemble_crps_reference(y[i], x[i], fair) for i in range(20)]
    # the inputs themselves carry an absolute rounding error of offset * 2**-53
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=offset * 2.0**-50)


@pytest.mark.parametrize("offset", [0.0, 1e8, 1e12])
def test_crps_ensemble_nan_members_large_offset_against_mpmath(offset: float) -> None:
    rng = np.random.default_rng(1)
    y = offset + rng.normal(size=10)
    x = offset + rng.normal(size=(10, 12))
    x[::2, ::3] = np.nan
    got = scoring.crps_ensemble(y, x, nan_policy="omit")
    expected = [ensemble_crps_reference(y[i], x[i][~np.isnan(x[i])]) for i in range(10)]
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=offset * 2.0**-50)


Y2 = [[0, 1], [1, 0]]
P2 = [[0.2, 0.7], [0.6, 0.4]]


def test_calibration_functions_accept_2d_inputs() -> None:
    # Before 0.2 every calibration function raised a raw numpy error on 2-D input.
    flat_y, flat_p = np.ravel(Y2), np.ravel(P2)
    assert scoring.corp_decomposition(Y2, P2) == scoring.corp_decomposition(flat_y, flat_p)
    assert scoring.murphy_decomposition(Y2, P2) == scoring.murphy_decomposition(flat_y, flat_p)
    assert scoring.calibration_table(Y2, P2) == scoring.calibration_table(flat_y, flat_p)
    a = scoring.reliability_diagram(Y2, P2, seed=0)
    b = scoring.reliability_diagram(flat_y, flat_p, seed=0)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.cep, b.cep)
    np.testing.assert_array_equal(a.band_low, b.band_low)


def test_calibration_functions_broadcast_a_scalar_forecast_over_2d_outcomes() -> None:
    d = scoring.corp_decomposition(Y2, 0.5)
    assert d == scoring.corp_decomposition(np.ravel(Y2), np.full(4, 0.5))
