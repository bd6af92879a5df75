"""Property tests: propriety, finiteness and orientation of the binary rules."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import brier_score, crps_ensemble, crps_normal, log_score, spherical_score

probability = st.floats(min_value=0.0, max_value=1.0)
inner = st.floats(min_value=0.001, max_value=0.999)
GRID = np.linspace(0.0, 1.0, 201)


def expected_loss(rule: Callable[..., np.ndarray], q: float, p: np.ndarray) -> np.ndarray:
    """E_q[S(p, Y)] for Y ~ Bernoulli(q), as a loss."""
    ones, zeros = rule(np.ones(p.size), p), rule(np.zeros(p.size), p)
    with np.errstate(invalid="ignore"):
        out = q * ones + (1 - q) * zeros
    return np.where(np.isnan(out), np.inf, out)


@settings(max_examples=60, deadline=None)
@given(q=inner)
def test_binary_rules_are_proper(q: float) -> None:
    p = np.append(GRID, q)
    for rule, sign in ((brier_score, 1), (log_score, 1), (spherical_score, -1)):

        def loss(y: np.ndarray, f: np.ndarray, rule=rule, sign=sign) -> np.ndarray:  # type: ignore[no-untyped-def]
            return sign * rule(y, f)

        risk = expected_loss(loss, q, p)
        # the truth (last entry) is at least as good as every other forecast
        assert risk[-1] <= risk.min() + 1e-12


@settings(max_examples=60, deadline=None)
@given(q=inner, p=probability)
def test_brier_strictly_proper_margin(q: float, p: float) -> None:
    # E_q[(p - Y)^2] - E_q[(q - Y)^2] = (p - q)^2 exactly
    at = expected_loss(brier_score, q, np.array([p, q]))
    assert np.isclose(at[0] - at[1], (p - q) ** 2, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(p=probability, y=st.integers(0, 1))
def test_scores_finite_and_oriented(p: float, y: int) -> None:
    b = brier_score(y, p)
    s = spherical_score(y, p)
    assert 0.0 <= b <= 1.0 and 0.0 <= s <= 1.0
    l_ = log_score(y, p)
    assert l_ >= 0.0
    q = p if y == 1 else 1 - p
    assert np.isfinite(l_) == (q > 0)
    # moving the forecast toward what happened never worsens any score
    closer = (p + y) / 2
    assert brier_score(y, closer) <= b + 1e-15
    assert log_score(y, closer) <= l_ + 1e-12
    assert spherical_score(y, closer) >= s - 1e-12


@settings(max_examples=40, deadline=None)
@given(
    y=st.floats(-50, 50),
    mu=st.floats(-50, 50),
    sigma=st.floats(0.01, 20),
)
def test_crps_normal_nonnegative_and_finite(y: float, mu: float, sigma: float) -> None:
    c = float(crps_normal(y, mu, sigma))
    assert np.isfinite(c) and c >= 0.0
    # bounded by the absolute error plus the spread term
    assert c <= abs(y - mu) + sigma


@settings(max_examples=40, deadline=None)
@given(
    members=st.lists(st.floats(-100, 100), min_size=2, max_size=12),
    y=st.floats(-100, 100),
)
def test_crps_ensemble_nonnegative_and_fair_is_lower(members: list[float], y: float) -> None:
    x = np.array([members])
    plain = float(crps_ensemble([y], x)[0])
    fair = float(crps_ensemble([y], x, fair=True)[0])
    assert plain >= -1e-9 and np.isfinite(plain)
    assert fair <= plain + 1e-9
