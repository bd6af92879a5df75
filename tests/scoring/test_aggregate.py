"""Time-weighted scores, skill score, Metaculus baseline and peer scores."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from scoring import (
    ScoringInputError,
    baseline_score,
    brier_score,
    brier_skill_score,
    peer_score,
    time_weighted_score,
)

TIMES = [0.0, 3.0, 8.0]
FORECASTS = [0.6, 0.8, 0.9]


def test_time_weighted_known_values() -> None:
    assert time_weighted_score(1, TIMES, FORECASTS, close=10) == pytest.approx(0.07)
    got = time_weighted_score(1, TIMES, FORECASTS, close=10, open=-2, prior=0.5)
    assert got == pytest.approx(0.10)


def test_time_weighted_accepts_datetime64_and_aware_datetimes() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    days = [start + dt.timedelta(days=d) for d in (0, 3, 8)]
    close = start + dt.timedelta(days=10)
    assert time_weighted_score(1, days, FORECASTS, close=close) == pytest.approx(0.07)
    d64 = np.array(["2026-01-01", "2026-01-04", "2026-01-09"], dtype="datetime64[D]")
    got = time_weighted_score(
        1,
        d64,
        FORECASTS,
        close=np.datetime64("2026-01-11"),
        open=np.datetime64("2025-12-30"),
        prior=0.5,
    )
    assert got == pytest.approx(0.10)


def test_time_weighted_rejects_naive_datetime() -> None:
    with pytest.raises(ScoringInputError, match="timezone-aware"):
        time_weighted_score(1, [dt.datetime(2026, 1, 1)], [0.5], close=dt.datetime(2026, 1, 2))


def test_time_weighted_later_forecast_at_same_time_wins() -> None:
    got = time_weighted_score(1, [0, 0, 5], [0.1, 0.6, 0.9], close=10)
    assert got == pytest.approx((0.16 * 5 + 0.01 * 5) / 10)


def test_time_weighted_other_rules_and_categories() -> None:
    log = time_weighted_score(1, TIMES, FORECASTS, close=10, rule="log")
    assert log == pytest.approx(-(3 * math.log(0.6) + 5 * math.log(0.8) + 2 * math.log(0.9)) / 10)
    cat = time_weighted_score(1, [0, 5], [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], close=10)
    assert cat == pytest.approx((0.5 * 5 + 0.0 * 5) / 10)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"close": 5}, "close"),
        ({"close": 10, "open": 1, "prior": 0.5}, "open"),
        ({"close": 10, "open": -1}, "prior"),
        ({"close": 10, "rule": "hinge"}, "rule"),
    ],
)
def test_time_weighted_bad_arguments(kwargs: dict, argument: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScoringInputError) as info:
        time_weighted_score(1, TIMES, FORECASTS, **kwargs)
    assert info.value.argument == argument


def test_time_weighted_rejects_unsorted_times() -> None:
    with pytest.raises(ScoringInputError, match="non-decreasing"):
        time_weighted_score(1, [0, 5, 3], FORECASTS, close=10)


def test_brier_skill_score_references() -> None:
    y, p = [1, 0, 0], [0.7, 0.2, 0.9]
    base = np.mean(y)
    assert brier_skill_score(y, p) == pytest.approx(1 - 0.313333 / (base * (1 - base)), abs=1e-5)
    assert brier_skill_score(y, p, reference=0.5) == pytest.approx(1 - 0.313333 / 0.25, abs=1e-5)
    ref = [0.6, 0.3, 0.5]
    expected = 1 - brier_score(y, p).mean() / brier_score(y, ref).mean()
    assert brier_skill_score(y, p, reference=ref) == pytest.approx(expected)
    assert brier_skill_score(y, [1.0, 0.0, 0.0]) == 1.0


def test_brier_skill_score_categorical_climatology() -> None:
    y = [0, 1, 1, 2]
    f = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8]]
    clim = np.array([0.25, 0.5, 0.25])
    expected = 1 - brier_score(y, f).mean() / brier_score(y, np.tile(clim, (4, 1))).mean()
    assert brier_skill_score(y, f) == pytest.approx(expected)


def test_brier_skill_score_undefined_reference_raises() -> None:
    with pytest.raises(ScoringInputError, match="reference"):
        brier_skill_score([1, 1, 1], [0.9, 0.8, 0.7])


def test_baseline_score_metaculus_values() -> None:
    # binary: 100 (log2 p + 1)
    np.testing.assert_allclose(baseline_score([1, 1, 0], [0.5, 1.0, 0.75]), [0.0, 100.0, -100.0])
    # 4 options, 0.25 on the truth -> 0; 1.0 -> 100
    np.testing.assert_allclose(baseline_score([0, 0], [[0.25] * 4, [1.0, 0, 0, 0]]), [0.0, 100.0])
    assert baseline_score(1, 0.0) == -math.inf


def test_peer_score_definition_and_zero_sum() -> None:
    rng = np.random.default_rng(14)
    f = rng.uniform(0.05, 0.95, size=(6, 5))
    y = rng.integers(0, 2, 6)
    s = peer_score(y, f)
    q = np.where(y[:, None] == 1, f, 1 - f)
    gm = np.exp(np.log(q).mean(axis=1, keepdims=True))
    np.testing.assert_allclose(s, 100 * 5 / 4 * np.log(q / gm))
    np.testing.assert_allclose(s.sum(axis=1), 0.0, atol=1e-10)


def test_peer_score_lone_forecaster_and_absent_forecasters() -> None:
    assert peer_score(1, [0.9]) == pytest.approx([0.0])
    s = peer_score(1, [0.8, np.nan, 0.2], nan_policy="omit")
    assert np.isnan(s[1])
    np.testing.assert_allclose(s[[0, 2]], [100 * math.log(4), -100 * math.log(4)])
    with pytest.raises(ScoringInputError):
        peer_score(1, [0.8, np.nan, 0.2])


def test_peer_score_zero_probability_on_truth() -> None:
    s = peer_score(1, [0.0, 0.5, 0.5])
    assert s[0] == -math.inf and s[1] == math.inf
