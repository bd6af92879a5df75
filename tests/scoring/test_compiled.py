"""The compiled WIS kernel (numba, optional) gives what the numpy kernel gives, errors included.

numba comes with the dev dependencies, so this runs in CI; without numba the module skips,
and FORECASTS_REQUIRE_ALL turns that skip into a failure.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import scoring
from scoring import ScoringInputError, WeightedIntervalScore
from scoring._compiled import COMPILED_MIN_ELEMENTS, wis_kernel

pytest.importorskip("numba")

ALPHA = np.array([0.02, 0.1, 0.2, 0.5, 0.8])
Z = np.array([2.326, 1.645, 1.282, 0.674, 0.253])

Wis = Callable[..., WeightedIntervalScore]


def _sample(
    n: int, seed: int, offset: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    scale = rng.uniform(0.1, 3.0, size=(n, 1))
    y = mu + rng.standard_t(3, size=n)
    lo, hi = mu[:, None] - scale * Z, mu[:, None] + scale * Z
    return y + offset, mu + offset, lo + offset, hi + offset


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Wis:
    """WIS forced through the compiled kernel, whatever the input size."""
    monkeypatch.setattr("scoring._intervals.COMPILED_MIN_ELEMENTS", 0)
    return scoring.weighted_interval_score


@pytest.fixture
def numpy_only(monkeypatch: pytest.MonkeyPatch) -> Wis:
    """WIS forced through the numpy kernel."""
    monkeypatch.setattr("scoring._intervals.wis_kernel", lambda: None)
    return scoring.weighted_interval_score


def test_compiled_and_numpy_kernels_agree_on_every_part(compiled: Wis) -> None:
    y, m, lo, hi = _sample(5000, seed=1)
    # a median equal to the outcome and outcomes on the bounds are edge cases of both kernels
    y[:10], y[10:20] = m[:10], lo[10:20, 2]
    fast = compiled(y, ALPHA, m, lo, hi)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scoring._intervals.wis_kernel", lambda: None)
        slow = scoring.weighted_interval_score(y, ALPHA, m, lo, hi)
    for part in ("score", "dispersion", "overprediction", "underprediction"):
        np.testing.assert_allclose(getattr(fast, part), getattr(slow, part), rtol=1e-12, atol=1e-12)


def test_compiled_kernel_keeps_precision_under_a_large_offset(compiled: Wis) -> None:
    y, m, lo, hi = _sample(1000, seed=2)
    near = compiled(y, ALPHA, m, lo, hi).score
    fy, fm, flo, fhi = _sample(1000, seed=2, offset=1e9)
    far = compiled(fy, ALPHA, fm, flo, fhi).score
    np.testing.assert_allclose(far, near, rtol=1e-6, atol=1e-6)


def test_the_large_path_is_the_compiled_one_and_matches_pinball_losses() -> None:
    y, m, lo, hi = _sample(300_000, seed=3)
    assert lo.size >= COMPILED_MIN_ELEMENTS and wis_kernel() is not None
    wis = scoring.weighted_interval_score(y, ALPHA, m, lo, hi)
    levels = np.concatenate([ALPHA / 2, [0.5], 1 - ALPHA / 2])
    values = np.concatenate([lo, m[:, None], hi], axis=1)
    pinball = scoring.quantile_score(y, levels, values).sum(axis=-1) / (ALPHA.size + 0.5)
    np.testing.assert_allclose(wis.score, pinball, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("field", "row", "value"),
    [("lower", 7, "cross"), ("upper", 3, "cross"), ("outcome", 5, np.inf), ("median", 2, np.nan)],
)
def test_compiled_kernel_reports_the_same_error(
    compiled: Wis, field: str, row: int, value: float | str
) -> None:
    y, m, lo, hi = _sample(50, seed=4)
    if field == "lower":
        lo[row, 1] = m[row] + 1.0
    elif field == "upper":
        hi[row, 4] = m[row] - 1.0
    elif field == "outcome":
        y[row] = float(value)
    else:
        m[row] = float(value)
    with pytest.raises(ScoringInputError) as fast:
        compiled(y, ALPHA, m, lo, hi)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scoring._intervals.wis_kernel", lambda: None)
        with pytest.raises(ScoringInputError) as slow:
            scoring.weighted_interval_score(y, ALPHA, m, lo, hi)
    assert str(fast.value) == str(slow.value)
    assert field in str(fast.value)


@pytest.mark.parametrize("field", ["outcome", "median", "lower", "upper"])
def test_nan_rows_under_omit_match_the_numpy_kernel(compiled: Wis, field: str) -> None:
    y, m, lo, hi = _sample(40, seed=5)
    {"outcome": y, "median": m}.get(field, np.empty(0))[3:4] = np.nan
    if field == "lower":
        lo[3, 2] = np.nan
    if field == "upper":
        hi[3, 0] = np.nan
    fast = compiled(y, ALPHA, m, lo, hi, nan_policy="omit")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scoring._intervals.wis_kernel", lambda: None)
        slow = scoring.weighted_interval_score(y, ALPHA, m, lo, hi, nan_policy="omit")
    assert np.isnan(fast.score[3]) and np.isfinite(np.delete(fast.score, 3)).all()
    for part in ("score", "dispersion", "overprediction", "underprediction"):
        np.testing.assert_allclose(getattr(fast, part), getattr(slow, part), rtol=1e-12)


def test_numpy_kernel_alone_still_scores_large_inputs(numpy_only: Wis) -> None:
    y, m, lo, hi = _sample(300_000, seed=6)
    wis = numpy_only(y, ALPHA, m, lo, hi)
    assert wis.score.shape == (300_000,) and np.isfinite(wis.score).all()
