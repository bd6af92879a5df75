"""Bootstrap weights and band draws keyed by item, the weighted bootstrap, the keyed
reliability band, and PAV over many rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import scoring._isotonic as isotonic
from scoring import (
    ScoringInputError,
    interval_from_sums,
    keyed_poisson_weights,
    keyed_uniforms,
    paired_bootstrap,
    reliability_diagram,
    resample_sums,
    weighted_bootstrap,
)
from scoring._isotonic import band_bounds, cep_per_group, cep_per_group_rows


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


def test_sums_kept_item_by_item_give_the_interval_of_the_items_now_held() -> None:
    rng = np.random.default_rng(10)
    scores = dict(zip([f"q{i}" for i in range(300)], rng.uniform(size=300), strict=True))

    def weights(ids: list[str]) -> np.ndarray:
        return keyed_poisson_weights(ids, n_resamples=1000, seed=2)

    held = list(scores)[:250]
    sums, totals = resample_sums([scores[q] for q in held], weights(held))
    # Fifty items arrive one by one, then the first ten leave and one is rescored.
    for q in list(scores)[250:]:
        part, weight = resample_sums([scores[q]], weights([q]))
        sums, totals, held = sums + part, totals + weight, [*held, q]
    gone, held = held[:10], held[10:]
    part, weight = resample_sums([scores[q] for q in gone], weights(gone))
    sums, totals = sums - part, totals - weight
    sums += (0.9 - scores[held[0]]) * weights([held[0]])[0]
    scores[held[0]] = 0.9
    values = np.array([scores[q] for q in held])
    kept = interval_from_sums(float(values.mean()), sums, totals)
    afresh = weighted_bootstrap(values, weights(held))
    assert (kept.low, kept.high) == pytest.approx((afresh.low, afresh.high), rel=1e-12)
    assert (kept.mean_difference, kept.n_resamples) == (afresh.mean_difference, 1000)


def test_weighted_bootstrap_sums_in_float64_whatever_the_weights_dtype() -> None:
    scores = np.full(3000, 0.1) + np.arange(3000) * 1e-9
    w = keyed_poisson_weights([f"q{i}" for i in range(3000)], n_resamples=50, seed=0)
    sums, totals = resample_sums(scores, w)
    exact = scores @ w.astype(np.float64)
    assert sums.dtype == np.float64 and np.allclose(sums, exact, rtol=1e-14, atol=0)
    assert np.array_equal(totals, w.astype(np.float64).sum(axis=0))


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: resample_sums([0.1, np.inf], np.ones((2, 3))), "scores"),
        (lambda: resample_sums([0.1, 0.2], np.ones((1, 3))), "weights"),
        (lambda: interval_from_sums(0.2, [0.2, 0.3], [1.0]), "totals"),
        (lambda: interval_from_sums(0.2, [], []), "sums"),
        (lambda: interval_from_sums(0.2, [0.2], [-1.0]), "totals"),
        (lambda: interval_from_sums(np.nan, [0.2], [1.0]), "mean"),
        (lambda: interval_from_sums(0.2, [0.2], [1.0], level=0.0), "level"),
        (lambda: interval_from_sums(0.2, [0.0, 0.0], [0.0, 0.0]), "totals.*zero total weight"),
    ],
)
def test_kept_sums_name_the_bad_argument(call: object, argument: str) -> None:
    assert callable(call)
    with pytest.raises(ScoringInputError, match=argument):
        call()


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


def test_keyed_uniforms_depend_on_the_key_and_seed_alone_and_are_uniform() -> None:
    alone = keyed_uniforms(["q-7"], n_resamples=300, seed=3)[0]
    among = keyed_uniforms(["q-1", "q-7", "q-2"], n_resamples=300, seed=3)
    assert np.array_equal(among[1], alone)
    assert not np.array_equal(keyed_uniforms(["q-7"], n_resamples=300, seed=4)[0], alone)
    u = keyed_uniforms([f"q{i}" for i in range(200)], n_resamples=500, seed=0)
    assert ((u >= 0) & (u < 1)).all()
    assert stats.kstest(u.ravel(), "uniform").pvalue > 0.001
    # A stream of their own: not a function of the same key's bootstrap weights.
    w = keyed_poisson_weights([f"q{i}" for i in range(200)], n_resamples=500, seed=0)
    assert abs(stats.spearmanr(u.ravel(), w.ravel()).statistic) < 0.02


def test_keyed_band_follows_the_items_not_their_order() -> None:
    rng = np.random.default_rng(4)
    p = np.round(rng.uniform(0.02, 0.98, 300), 2)
    y = (rng.uniform(size=p.size) < p).astype(np.int64)
    keys = [f"q{i}" for i in range(p.size)]
    u = keyed_uniforms(keys, n_resamples=100, seed=0)
    band = reliability_diagram(y, p, level=0.9, uniforms=u)
    order = rng.permutation(p.size)
    shuffled = reliability_diagram(y[order], p[order], level=0.9, uniforms=u[order])
    assert np.array_equal(band.band_low, shuffled.band_low)
    assert np.array_equal(band.band_high, shuffled.band_high)
    assert band.n_resamples == 100 and band.subsample == p.size
    # Resample b's curve is the isotonic fit to the outcomes redrawn as u[:, b] < p.
    b = 17
    redrawn = reliability_diagram((u[:, b] < p).astype(np.int64), p, n_resamples=1, seed=0)
    curves = [
        reliability_diagram((u[:, k] < p).astype(np.int64), p, n_resamples=1, seed=0).cep
        for k in range(100)
    ]
    assert np.array_equal(curves[b], redrawn.cep)
    low, high = np.quantile(np.asarray(curves), [0.05, 0.95], axis=0)
    assert np.allclose(band.band_low, low) and np.allclose(band.band_high, high)


def test_keyed_band_holds_a_calibrated_forecasters_curve_about_level_of_the_time() -> None:
    rng = np.random.default_rng(11)
    p = np.round(rng.uniform(0.02, 0.98, 600), 2)
    keys = [f"question-{i}" for i in range(p.size)]
    u = keyed_uniforms(keys, n_resamples=100, seed=0)
    inside = []
    for _ in range(100):
        y = (rng.uniform(size=p.size) < p).astype(np.int64)
        d = reliability_diagram(y, p, level=0.9, uniforms=u)
        inside.append(np.mean((d.cep >= d.band_low) & (d.cep <= d.band_high)))
    assert 0.85 <= float(np.mean(inside)) <= 0.95
    seeded = reliability_diagram(y, p, level=0.9, seed=0)
    width = np.mean(d.band_high - d.band_low)
    assert width == pytest.approx(np.mean(seeded.band_high - seeded.band_low), rel=0.15)


@pytest.mark.parametrize("shape", [(5, 100), (6,), (6, 0)])
def test_keyed_band_refuses_uniforms_of_the_wrong_shape(shape: tuple[int, ...]) -> None:
    p = np.linspace(0.1, 0.9, 6)
    with pytest.raises(ScoringInputError, match="uniforms"):
        reliability_diagram([1, 0, 1, 0, 1, 1], p, uniforms=np.full(shape, 0.5))


def test_band_bounds_are_numpys_quantiles_from_one_sort() -> None:
    rng = np.random.default_rng(21)
    for trial in range(400):
        n, g = int(rng.integers(1, 250)), int(rng.integers(1, 40))
        curves = rng.random((n, g)) if trial % 2 else np.round(rng.random((n, g)), 1)
        level = float(rng.choice([0.5, 0.8, 0.9, 0.95, 0.99, float(rng.uniform(0.01, 0.99))]))
        low, high = band_bounds(curves, level)
        want = np.quantile(curves, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=0)
        assert np.array_equal(low, want[0]) and np.array_equal(high, want[1]), (n, g, level)
