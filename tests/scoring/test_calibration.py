"""Murphy and CORP decompositions, reliability diagram, calibration table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from scoring import (
    brier_score,
    calibration_table,
    corp_decomposition,
    log_score,
    murphy_decomposition,
    reliability_diagram,
)

P = [0.7, 0.2, 0.9]
Y = [1, 0, 0]


def sample(n: int, seed: int, grid: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = rng.beta(2, 3, n)
    p = np.clip(q + rng.normal(0, 0.1, n), 0, 1)
    if grid:
        p = np.round(p / grid) * grid
    y = (rng.random(n) < q).astype(int)
    return y, p


def test_corp_known_values() -> None:
    d = corp_decomposition(Y, P)
    assert (d.score, d.mcb, d.dsc, d.unc) == pytest.approx(
        (0.313333, 0.146667, 0.055556, 0.222222), abs=1e-6
    )
    assert d.rule == "brier"


@pytest.mark.parametrize("grid", [None, 0.05])
@pytest.mark.parametrize("score", ["brier", "log"])
def test_corp_matches_sklearn_isotonic(score: str, grid: float | None) -> None:
    y, p = sample(3000, 7, grid)
    cep = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(p, y)
    base = np.full_like(p, y.mean())
    rule = brier_score if score == "brier" else log_score
    s_fc, s_cal, s_ref = rule(y, p).mean(), rule(y, cep).mean(), rule(y, base).mean()
    d = corp_decomposition(y, p, score=score)  # type: ignore[arg-type]
    assert d.score == pytest.approx(s_fc, rel=1e-12)
    assert d.mcb == pytest.approx(s_fc - s_cal, abs=1e-12)
    assert d.dsc == pytest.approx(s_ref - s_cal, abs=1e-12)
    assert d.unc == pytest.approx(s_ref, rel=1e-12)
    assert d.mcb - d.dsc + d.unc == pytest.approx(d.score, abs=1e-12)
    assert d.mcb >= 0 and d.dsc >= 0


def test_corp_of_calibrated_isotonic_forecast_has_no_miscalibration() -> None:
    y, p = sample(2000, 8)
    cep = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(p, y)
    assert corp_decomposition(y, cep).mcb == pytest.approx(0.0, abs=1e-12)


def test_corp_constant_forecast_has_no_discrimination() -> None:
    d = corp_decomposition([1, 0, 1, 1], [0.3] * 4)
    assert d.dsc == pytest.approx(0.0, abs=1e-15)
    assert d.mcb == pytest.approx(d.score - d.unc)


def test_corp_log_score_with_certain_wrong_forecast_is_infinite() -> None:
    d = corp_decomposition([1, 0], [0.0, 0.5], score="log")
    assert d.score == math.inf and d.mcb == math.inf


def test_murphy_identity_and_exactness_on_grid() -> None:
    y, p = sample(5000, 9, grid=0.1)
    d = murphy_decomposition(y, p, bins=np.linspace(0, 1, 12))
    assert d.reliability - d.resolution + d.uncertainty + d.residual == pytest.approx(d.score)
    # with one forecast value per bin the binned identity is exact (residual 0)
    edges = np.concatenate([[0.0], np.arange(0.05, 1.0, 0.1), [1.0]])
    exact = murphy_decomposition(y, p, bins=edges)
    assert exact.residual == pytest.approx(0.0, abs=1e-12)
    assert exact.uncertainty == pytest.approx(y.mean() * (1 - y.mean()))
    assert exact.score == pytest.approx(brier_score(y, p).mean())


def test_murphy_residual_nonzero_with_coarse_bins() -> None:
    y, p = sample(5000, 10)
    d = murphy_decomposition(y, p, bins=3)
    assert d.bins == 3
    assert abs(d.residual) > 1e-6


def test_calibration_table_fields_and_empty_bins() -> None:
    table = calibration_table([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.8], bins=4)
    assert [b.count for b in table] == [1, 0, 1, 2]
    assert (table[0].lower, table[0].upper) == (0.0, 0.25)
    assert table[-1].upper == 1.0
    empty = table[1]
    assert math.isnan(empty.mean_forecast) and math.isnan(empty.observed_frequency)
    assert (empty.wilson_low, empty.wilson_high) == (0.0, 1.0)
    assert table[3].mean_forecast == pytest.approx(0.85)
    assert table[3].observed_frequency == 1.0


def test_calibration_table_forecast_one_goes_in_last_bin() -> None:
    table = calibration_table([1, 1], [1.0, 0.0], bins=10)
    assert table[-1].count == 1 and table[0].count == 1


def test_wilson_interval_known_value() -> None:
    # 8 successes in 10, 95 %: (0.4902, 0.9433) (Wilson 1927; standard tables)
    y = [1] * 8 + [0] * 2
    (b,) = calibration_table(y, [0.75] * 10, bins=1)
    assert (b.wilson_low, b.wilson_high) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_reliability_diagram_curve_matches_isotonic() -> None:
    y, p = sample(2000, 11, grid=0.01)
    r = reliability_diagram(y, p, n_resamples=20, seed=0)
    assert np.all(np.diff(r.x) > 0)
    np.testing.assert_allclose(r.x, np.unique(p))
    cep = IsotonicRegression(y_min=0.0, y_max=1.0).fit(p, y).predict(r.x)
    np.testing.assert_allclose(r.cep, cep, atol=1e-12)
    assert r.x.shape == r.cep.shape == r.band_low.shape == r.band_high.shape
    assert np.all(r.band_low <= r.band_high)


def test_reliability_band_covers_a_calibrated_forecaster() -> None:
    rng = np.random.default_rng(12)
    p = np.round(rng.random(4000), 2)
    y = (rng.random(4000) < p).astype(int)
    r = reliability_diagram(y, p, level=0.9, n_resamples=200, seed=1)
    inside = (r.cep >= r.band_low - 1e-12) & (r.cep <= r.band_high + 1e-12)
    assert inside.mean() > 0.75
    # the band sits around the diagonal
    assert np.all(r.band_low <= r.x + 0.05) and np.all(r.band_high >= r.x - 0.05)


def test_reliability_diagram_seeded_is_reproducible_and_subsamples() -> None:
    y, p = sample(3000, 13)
    a = reliability_diagram(y, p, n_resamples=30, seed=5, subsample=500)
    b = reliability_diagram(y, p, n_resamples=30, seed=5, subsample=500)
    np.testing.assert_array_equal(a.band_low, b.band_low)
    assert a.subsample == 500 and a.n == 3000
    assert a.band_low.shape == a.x.shape
