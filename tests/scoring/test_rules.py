"""Binary and categorical scoring rules: known values and scikit-learn cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss

from scoring import brier_score, log_score, ranked_probability_score, spherical_score

P = [0.7, 0.2, 0.9]
Y = [1, 0, 0]


def test_known_means() -> None:
    assert brier_score(Y, P).mean() == pytest.approx(0.313333, abs=1e-6)
    assert log_score(Y, P).mean() == pytest.approx(0.960801, abs=1e-6)
    assert spherical_score(Y, P).mean() == pytest.approx(0.666573, abs=1e-6)


def test_one_score_per_forecast_shaped_like_outcome() -> None:
    y = np.array([[1, 0], [0, 1]])
    p = np.array([[0.5, 0.5], [0.1, 0.9]])
    for rule in (brier_score, log_score, spherical_score):
        assert rule(y, p).shape == (2, 2)


def test_constant_forecast_broadcasts() -> None:
    np.testing.assert_allclose(brier_score(Y, 0.5), [0.25, 0.25, 0.25])


def test_brier_matches_sklearn_binary() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(500)
    y = (rng.random(500) < p).astype(int)
    assert brier_score(y, p).mean() == pytest.approx(brier_score_loss(y, p), rel=1e-12)


def test_log_score_matches_sklearn_binary() -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(0.01, 0.99, 500)
    y = (rng.random(500) < p).astype(int)
    assert log_score(y, p).mean() == pytest.approx(log_loss(y, p), rel=1e-12)


def test_categorical_matches_sklearn() -> None:
    rng = np.random.default_rng(3)
    f = rng.dirichlet([1.0, 2.0, 3.0, 1.0], size=400)
    y = rng.integers(0, 4, 400)
    y[:4] = [0, 1, 2, 3]
    expected = brier_score_loss(y, f, labels=[0, 1, 2, 3], scale_by_half=False)
    assert brier_score(y, f).mean() == pytest.approx(expected, rel=1e-12)
    assert log_score(y, f).mean() == pytest.approx(log_loss(y, f, labels=[0, 1, 2, 3]), rel=1e-12)


def test_categorical_brier_is_on_0_to_2_scale() -> None:
    # a binary event written as two categories scores twice the binary Brier score
    p = np.array(P)
    two = np.stack([1 - p, p], axis=-1)
    np.testing.assert_allclose(brier_score(Y, two), 2 * brier_score(Y, P))
    assert brier_score(0, [0.0, 1.0]) == pytest.approx(2.0)


def test_log_score_is_inf_when_truth_got_zero_not_clipped() -> None:
    out = log_score([1, 0], [0.0, 1.0])
    assert np.all(np.isinf(out))
    assert log_score(2, [0.5, 0.5, 0.0]) == math.inf
    assert log_score(1, 1.0) == 0.0


def test_spherical_is_positively_oriented() -> None:
    assert spherical_score(1, 1.0) == pytest.approx(1.0)
    assert spherical_score(1, 0.0) == pytest.approx(0.0)
    assert spherical_score(1, 0.9) > spherical_score(1, 0.6)
    # categorical: q / ||f||
    assert spherical_score(0, [0.6, 0.3, 0.1]) == pytest.approx(0.6 / math.sqrt(0.46))


def test_ranked_probability_score_known_and_binary() -> None:
    np.testing.assert_allclose(
        ranked_probability_score([2, 0, 1], [[0.2, 0.3, 0.5]] * 3), [0.29, 0.89, 0.29]
    )
    np.testing.assert_allclose(
        ranked_probability_score([2], [[0.2, 0.3, 0.5]], normalize=True), [0.145]
    )
    np.testing.assert_allclose(ranked_probability_score(Y, P), brier_score(Y, P))


def test_ranked_probability_score_rewards_near_misses() -> None:
    # outcome 0: mass on the adjacent category beats mass on the far one
    near = ranked_probability_score(0, [0.5, 0.5, 0.0])
    far = ranked_probability_score(0, [0.5, 0.0, 0.5])
    assert near < far
    # the (unranked) Brier score cannot tell them apart
    assert brier_score(0, [0.5, 0.5, 0.0]) == brier_score(0, [0.5, 0.0, 0.5])


def test_nan_policy_omit_keeps_alignment() -> None:
    y = np.array([1.0, np.nan, 0.0])
    p = np.array([0.7, 0.2, np.nan])
    for rule in (brier_score, log_score, spherical_score):
        out = rule(y, p, nan_policy="omit")
        assert out.shape == (3,)
        assert np.isnan(out[1:]).all() and np.isfinite(out[0])
    out = brier_score([0.0, np.nan], [[1.0, 0.0], [0.5, 0.5]], nan_policy="omit")
    assert out[0] == 0.0 and np.isnan(out[1])


def test_bool_and_float_outcomes_agree_with_int() -> None:
    y = np.array(Y)
    for rule in (brier_score, log_score, spherical_score):
        np.testing.assert_allclose(rule(y.astype(bool), P), rule(y, P))
        np.testing.assert_allclose(rule(y.astype(float), P), rule(y, P))
