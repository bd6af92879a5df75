"""The question page's time-weighted Brier per forecaster, computed for all at once, equals
scoring.time_weighted_score called for each (the definition)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

import scoring
from forecasts.records.crowd import _time_weighted_briers


def test_all_at_once_equals_one_scoring_call_each() -> None:
    rng = np.random.default_rng(3)
    close = datetime(2026, 6, 1, tzinfo=UTC)
    start = close - timedelta(days=100)
    for outcome in (0, 1):
        series: dict[str, list[tuple[datetime, float]]] = {}
        for i in range(40):
            n = int(rng.integers(1, 6))
            days = np.sort(rng.uniform(0, 100, n))
            if i % 7 == 0 and n > 1:
                days[1] = days[0]  # two forecasts at one time
            series[f"f{i}"] = [
                (start + timedelta(days=float(d)), float(p))
                for d, p in zip(days, rng.uniform(0.01, 0.99, n), strict=True)
            ]
        series["at-close"] = [(start, 0.2), (close, 0.9)]
        got = _time_weighted_briers(outcome, series, close)
        for handle, points in series.items():
            times = [when.timestamp() for when, _ in points]
            if times[-1] >= close.timestamp():
                want = (points[-1][1] - outcome) ** 2
            else:
                want = scoring.time_weighted_score(
                    outcome, times, [p for _, p in points], close=close.timestamp()
                )
            assert got[handle] == np.float64(want) or abs(got[handle] - want) < 1e-12, handle
