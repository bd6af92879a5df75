"""Bootstrap weights keyed by item, the weighted bootstrap, and PAV over many rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import scoring._isotonic as isotonic
from scoring import ScoringInputError, keyed_poisson_weights, paired_bootstrap, weighted_bootstrap
from scoring._isotonic import cep_per_group, cep_per_group_rows


def test_a_keys_weights_depend_on_the_key_and_seed_alone() -> None:
    alone = keyed_poisson_weights(["q-7"], n_resamples=500, seed=3)[0]
    among = keyed_poisson_weights(["q-1", "q-7", "q-2"], n_resamples=500, seed=3)
    assert np.array_equal(among[1], alone)
    assert not np.array_equal(among[0], among[1])
    assert not np.array_equal(keyed_poisson_weights(["q-7"], n_resamples=500, seed=4)[0], alone)


def test_keyed_weights_are_poisson_one() -> None:
    w = keyed_poisson_weights([f"q{i}" for i in range(300)], n_resamples=2000, seed=0)
    counts = np.bincount(w.astype(np.int64).ravel(), minlength=6)[:6]
    expected = np.array([math.exp(-1) / math.factorial(k) for k in range(6)]) * w.size
    chi2 = float((((counts - expected) ** 2) / expected).sum())
    assert chi2 < stats.chi2.ppf(0.999, df=5)
    assert w.mean() == pytest.approx(1.0, abs=0.01)


def test_weighted_bootstrap_agrees_with_the_classic_bootstrap() -> None:
    rng = np.random.default_rng(8)
    scores = rng.beta(2, 5, size=400)
    ids = [f"question-{i}" for i in range(scores.size)]
    keyed = weighted_bootstrap(scores, keyed_poisson_weights(ids, n_resamples=4000, seed=0))
    classic = paired_bootstrap(scores, np.zeros_like(scores), n_resamples=4000, seed=0)
    assert keyed.mean_difference == pytest.approx(scores.mean())
    assert keyed.low == pytest.approx(classic.low, abs=0.003)
    assert keyed.high == pytest.approx(classic.high, abs=0.003)


def test_weighted_bootstrap_ignores_the_order_of_items() -> None:
    rng = np.random.default_rng(9)
    scores = rng.uniform(size=50)
    ids = [f"q{i}" for i in range(50)]
    order = rng.permutation(50)
    a = weighted_bootstrap(scores, keyed_poisson_weights(ids, seed=1))
    b = weighted_bootstrap(scores[order], keyed_poisson_weights([ids[i] for i in order], seed=1))
    assert (a.low, a.high) == pytest.approx((b.low, b.high), abs=1e-6)


def test_weighted_bootstrap_skips_resamples_with_no_weight() -> None:
    weights = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 0.0]])
    r = weighted_bootstrap([0.2, 0.6], weights, level=0.5)
    assert (r.low, r.high) == pytest.approx((0.25, 0.35))


@pytest.mark.parametrize(
    ("scores", "weights", "level", "argument"),
    [
        ([0.1, np.nan], np.ones((2, 3)), 0.95, "scores"),
        ([], np.ones((0, 3)), 0.95, "scores"),
        ([0.1, 0.2], np.ones((3, 3)), 0.95, "weights"),
        ([0.1, 0.2], -np.ones((2, 3)), 0.95, "weights"),
        ([0.1, 0.2], np.zeros((2, 3)), 0.95, "weights"),
        ([0.1, 0.2], np.ones((2, 3)), 1.0, "level"),
    ],
)
def test_weighted_bootstrap_names_the_bad_argument(
    scores: list[float], weights: np.ndarray, level: float, argument: str
) -> None:
    with pytest.raises(ScoringInputError, match=argument):
        weighted_bootstrap(scores, weights, level=level)


def test_keyed_weights_refuse_bad_arguments() -> None:
    with pytest.raises(ScoringInputError, match="n_resamples"):
        keyed_poisson_weights(["a"], n_resamples=0)
    with pytest.raises(ScoringInputError, match="seed"):
        keyed_poisson_weights(["a"], seed=-1)
    with pytest.raises(ScoringInputError, match="keys"):
        keyed_poisson_weights([3])  # type: ignore[list-item]


@pytest.mark.parametrize("passes", [64, 1])
def test_pav_over_rows_matches_pav_row_by_row(monkeypatch: pytest.MonkeyPatch, passes: int) -> None:
    # One pass forces the row-by-row finish that adversarial rows fall back to.
    monkeypatch.setattr(isotonic, "_ROW_PASSES", passes)
    rng = np.random.default_rng(4)
    counts = rng.integers(1, 6, size=40).astype(np.float64)
    sums = rng.binomial(counts.astype(np.int64), np.linspace(0.05, 0.95, 40), size=(30, 40))
    sums = sums.astype(np.float64)
    sums[0] = counts[::-1] * np.linspace(1, 0, 40) // 1  # non-increasing: one block
    got = cep_per_group_rows(counts, sums)
    for r in range(sums.shape[0]):
        assert got[r] == pytest.approx(cep_per_group(counts, sums[r]), abs=1e-12)
