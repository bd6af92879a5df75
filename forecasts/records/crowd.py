"""One binary question's crowd: the aggregate line over time and each forecaster against it.

Conventions follow :mod:`forecasts.records.pairs`: a forecast stands until its author's next
one; scores use the standing forecast at the effective close (the earlier of ``closes_at``
and the resolution time), and the time-weighted Brier starts at each one's first forecast.
The crowd is ``scoring.community_prediction`` without recency weights, so each forecaster's
standing forecast counts once, combined by the median or the geometric mean of odds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

import scoring
from forecasts.domain import Forecast

__all__ = ["CROWD_METHODS", "CrowdMethod", "ForecasterVsCrowd", "crowd_line", "scores_vs_crowd"]

CrowdMethod = Literal["median", "geometric_mean_odds"]
CROWD_METHODS: dict[str, str] = {
    "median": "median of the standing forecasts",
    "geometric_mean_odds": "geometric mean of the standing forecasts' odds",
}


@dataclass(frozen=True)
class ForecasterVsCrowd:
    """A forecaster's standing forecast at close and scores, beside the crowd's."""

    forecaster: str
    p: float
    brier: float
    brier_time_weighted: float
    crowd_brier: float
    crowd_brier_time_weighted: float

    @property
    def difference(self) -> float:
        """Brier minus the crowd's (negative: better than the crowd)."""
        return self.brier - self.crowd_brier


def _binary(forecasts: Sequence[Forecast], until: datetime | None) -> list[Forecast]:
    return [
        f for f in forecasts if f.probability is not None and (until is None or f.made_at <= until)
    ]


def crowd_line(
    forecasts: Sequence[Forecast], *, method: CrowdMethod = "median", until: datetime | None = None
) -> list[tuple[datetime, float]]:
    """The crowd's aggregate after each moment someone forecast (forecasts in made order).

    Empty when there is no binary forecast, or when the geometric mean of odds is undefined
    (one forecaster at exactly 0 and another at exactly 1).
    """
    binary = _binary(forecasts, until)
    if not binary:
        return []
    try:
        values = scoring.community_prediction(
            [f.made_at.timestamp() for f in binary],
            [f.forecaster for f in binary],
            [float(f.probability or 0.0) for f in binary],
            method=method,
            recency=False,
        )
    except scoring.ScoringInputError:
        return []
    line: list[tuple[datetime, float]] = []
    for f, value in zip(binary, values, strict=True):
        if line and line[-1][0] == f.made_at:
            line[-1] = (f.made_at, float(value))
        else:
            line.append((f.made_at, float(value)))
    return line


def _time_weighted(
    outcome: int, points: Sequence[tuple[datetime, float]], close: datetime
) -> float:
    times = [when.timestamp() for when, _ in points]
    if times[-1] >= close.timestamp():  # a single forecast at the close: its own score
        return float((points[-1][1] - outcome) ** 2)
    return float(
        scoring.time_weighted_score(outcome, times, [p for _, p in points], close=close.timestamp())
    )


def _time_weighted_briers(
    outcome: int, series: dict[str, list[tuple[datetime, float]]], close: datetime
) -> dict[str, float]:
    """:func:`_time_weighted` for every forecaster at once (one numpy pass, not one scoring
    call each): each forecast's Brier weighted by how long it stood, up to ``close``."""
    end = close.timestamp()
    handles = list(series)
    owner = np.repeat(np.arange(len(handles)), [len(series[h]) for h in handles])
    t = np.array([when.timestamp() for h in handles for when, _ in series[h]])
    p = np.array([value for h in handles for _, value in series[h]])
    following = np.append(t[1:], end)
    last = np.append(owner[1:] != owner[:-1], True)
    following[last] = end  # each forecaster's last forecast stands until the close
    brier = np.square(p - outcome)
    span = np.bincount(owner, weights=following - t, minlength=len(handles))
    total = np.bincount(owner, weights=brier * (following - t), minlength=len(handles))
    # As _time_weighted: a last forecast made at the close scores on its own.
    at_close = t[last] >= end
    value = np.where(at_close, brier[last], total / np.where(at_close, 1.0, span))
    return {h: float(v) for h, v in zip(handles, value, strict=True)}


def scores_vs_crowd(
    forecasts: Sequence[Forecast],
    *,
    outcome: int,
    close: datetime,
    method: CrowdMethod = "median",
    line: Sequence[tuple[datetime, float]] | None = None,
) -> list[ForecasterVsCrowd]:
    """Each forecaster's Brier (at close and time-weighted) against the crowd's, best first.

    ``outcome`` is 1 for yes and 0 for no; ``close`` the effective close. Forecasts made
    after it do not count. ``line``: the caller's :func:`crowd_line` of ``forecasts`` by
    ``method``, when it has one and none of them was made after ``close``.
    """
    binary = _binary(forecasts, close)
    if line is None:
        line = crowd_line(binary, method=method)
    if not line:
        return []
    crowd_p = line[-1][1]
    crowd_brier = float(scoring.brier_score(outcome, crowd_p))
    crowd_tw = _time_weighted(outcome, line, close)
    by_forecaster: dict[str, list[tuple[datetime, float]]] = {}
    for f in binary:
        assert f.probability is not None
        by_forecaster.setdefault(f.forecaster, []).append((f.made_at, f.probability))
    weighted = _time_weighted_briers(outcome, by_forecaster, close)
    rows = []
    for handle, points in by_forecaster.items():
        p = points[-1][1]
        rows.append(
            ForecasterVsCrowd(
                forecaster=handle,
                p=p,
                brier=float(np.square(p - outcome)),
                brier_time_weighted=weighted[handle],
                crowd_brier=crowd_brier,
                crowd_brier_time_weighted=crowd_tw,
            )
        )
    return sorted(rows, key=lambda row: (row.brier, row.forecaster))
