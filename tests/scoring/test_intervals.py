"""Interval score, weighted interval score and pinball loss."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import interval_score, pinball_loss, quantile_score, weighted_interval_score

# scoringutils' wis() documentation example (quantile levels 0.1, 0.25, 0.5, 0.75, 0.9)
OBSERVED = np.array([1.0, -15.0, 22.0])
PREDICTED = np.array([[-1, 0, 1, 2, 3], [-2, 1, 2, 2, 4], [-2, 0, 3, 3, 4]], dtype=float)
ALPHAS = np.array([0.2, 0.5])


def wis_of_example():  # type: ignore[no-untyped-def]
    return weighted_interval_score(
        OBSERVED, ALPHAS, PREDICTED[:, 2], PREDICTED[:, :2], PREDICTED[:, [4, 3]]
    )


def test_interval_score_cases() -> None:
    # inside, above, below a 90 % interval [0, 1]
    np.testing.assert_allclose(interval_score([0.5, 3.0, -1.0], 0.1, 0.0, 1.0), [1.0, 41.0, 21.0])


def test_wis_reproduces_scoringutils_example() -> None:
    # the correct values; scoringrules' numpy backend gives [0.56, 12.34, 15.94] (bug)
    np.testing.assert_allclose(wis_of_example().score, [0.36, 15.34, 19.14], atol=1e-12)


def test_wis_parts_add_up_and_have_meaning() -> None:
    wis = wis_of_example()
    np.testing.assert_allclose(wis.dispersion + wis.overprediction + wis.underprediction, wis.score)
    # outcome -15 is far below every quantile: overprediction; 22 far above: underprediction
    assert wis.overprediction[1] > 0 and wis.underprediction[1] == 0
    assert wis.underprediction[2] > 0 and wis.overprediction[2] == 0
    assert wis.overprediction[0] == wis.underprediction[0] == 0


def test_wis_equals_sum_of_pinball_losses() -> None:
    rng = np.random.default_rng(6)
    alphas = np.array([0.05, 0.1, 0.3, 0.6])
    levels = np.concatenate([alphas / 2, [0.5], 1 - alphas / 2])
    q = np.sort(rng.normal(size=(100, levels.size)), axis=-1)
    order = np.argsort(np.argsort(levels))  # put each level's quantile in sorted position
    values = q[:, order]
    y = rng.normal(scale=2, size=100)
    k = alphas.size
    wis = weighted_interval_score(y, alphas, values[:, k], values[:, :k], values[:, k + 1 :])
    pinball = quantile_score(y, levels, values).sum(axis=-1) / (k + 0.5)
    np.testing.assert_allclose(wis.score, pinball, rtol=1e-12)


def test_wis_with_one_interval_relates_to_interval_score() -> None:
    y, m, lo, hi = np.array([3.0]), np.array([1.0]), np.array([[0.0]]), np.array([[2.0]])
    wis = weighted_interval_score(y, [0.2], m, lo, hi)
    expected = (0.5 * abs(3 - 1) + 0.1 * interval_score(3.0, 0.2, 0.0, 2.0)) / 1.5
    assert wis.score[0] == pytest.approx(expected)


def test_quantile_score_values_and_asymmetry() -> None:
    np.testing.assert_allclose(quantile_score([1.0, 3.0], 0.9, 2.0), [0.1, 0.9])
    np.testing.assert_allclose(quantile_score(2.0, 0.5, [1.0, 3.0]), [0.5, 0.5])


def test_pinball_loss_is_a_deprecated_alias_in_the_old_order() -> None:
    with pytest.deprecated_call(match="quantile_score"):
        got = pinball_loss([1.0, 3.0], 2.0, 0.9)
    np.testing.assert_allclose(got, quantile_score([1.0, 3.0], 0.9, 2.0))


def test_result_arrays_are_read_only() -> None:
    wis = wis_of_example()
    with pytest.raises(ValueError):
        wis.score[0] = 0.0


def wis_by_pinball(y: np.ndarray, alphas: np.ndarray, m, lo, hi) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Bracher et al.'s identity: the pinball losses of the 2K + 1 quantiles over K + 1/2."""
    levels = np.concatenate([alphas / 2, [0.5], 1 - alphas / 2])
    values = np.concatenate([lo, np.asarray(m)[..., None], hi], axis=-1)
    return quantile_score(y, levels, values).sum(axis=-1) / (alphas.size + 0.5)


def random_wis_inputs(n: int, offset: float = 0.0, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    alphas = np.array([0.02, 0.1, 0.2, 0.5, 0.8])
    z = np.array([2.326, 1.645, 1.2816, 0.674, 0.253])
    mu = rng.normal(size=n)
    scale = rng.uniform(0.5, 2.0, size=(n, 1))
    y = offset + mu + 2 * rng.normal(size=n)
    return (
        y,
        alphas,
        offset + mu,
        offset + mu[:, None] - scale * z,
        offset + mu[:, None] + scale * z,
    )


@pytest.mark.parametrize("n", [1, 7, 4096, 4097, 10_000])
def test_blocked_wis_kernel_matches_the_pinball_identity(n: int) -> None:
    y, alphas, m, lo, hi = random_wis_inputs(n)
    wis = weighted_interval_score(y, alphas, m, lo, hi)
    np.testing.assert_allclose(wis.score, wis_by_pinball(y, alphas, m, lo, hi), rtol=1e-12)
    np.testing.assert_allclose(wis.dispersion + wis.overprediction + wis.underprediction, wis.score)


def test_wis_keeps_precision_with_a_large_common_offset() -> None:
    y, alphas, m, lo, hi = random_wis_inputs(50)
    base = weighted_interval_score(y, alphas, m, lo, hi).score
    for offset in (1e6, 1e10):
        shifted = weighted_interval_score(y + offset, alphas, m + offset, lo + offset, hi + offset)
        # the shifted inputs themselves are rounded to offset * 2**-53
        np.testing.assert_allclose(shifted.score, base, rtol=1e-12, atol=offset * 2.0**-49)


def test_wis_nan_and_inf_and_crossing_found_in_any_block() -> None:
    y, alphas, m, lo, hi = random_wis_inputs(10_000)
    lo[5000, 2] = np.nan
    got = weighted_interval_score(y, alphas, m, lo, hi, nan_policy="omit").score
    assert np.isnan(got[5000]) and np.isfinite(np.delete(got, 5000)).all()
    with pytest.raises(ValueError, match="nan_policy"):
        weighted_interval_score(y, alphas, m, lo, hi)
    lo[5001, 0] = m[5001] + 1.0  # a crossing in the same block as the NaN
    with pytest.raises(ValueError, match="'lower' must not exceed") as info:
        weighted_interval_score(y, alphas, m, lo, hi, nan_policy="omit")
    assert info.value.index == (5001, 0)  # type: ignore[attr-defined]
    lo[5001, 0], lo[5000, 2], hi[9999, 4] = m[5001] - 1.0, m[5000] - 1.0, np.inf
    with pytest.raises(ValueError, match="'upper' must be finite"):
        weighted_interval_score(y, alphas, m, lo, hi)
