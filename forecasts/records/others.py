"""Scores of multiple-choice and numeric standing forecasts (few: one question at a time).

Numeric forecasts: an interval forecast is scored as the distribution it implies
(``IntervalForecast.as_parametric()``) for the CRPS and as stated for the interval score;
normal and lognormal forecasts use their central 90% interval; quantile forecasts use
``crps_quantiles`` and their widest symmetric pair of levels as the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

import scoring
from forecasts.domain import (
    IntervalForecast,
    LognormalForecast,
    NormalForecast,
    QuantileForecast,
)

from .loader import OtherForecast, RecordData

__all__ = [
    "NumericScore",
    "describe_distribution",
    "multiple_choice_scores",
    "numeric_score",
    "standing_others",
]

_DEFAULT_COVERAGE = 0.9


@dataclass(frozen=True)
class NumericScore:
    """CRPS, interval score and whether the outcome fell inside the central interval."""

    crps: float
    interval_score: float | None
    inside: bool | None
    interval: tuple[float, float, float] | None  # low, high, coverage


def standing_others(
    data: RecordData, forecaster: int
) -> dict[int, tuple[OtherForecast, int, float]]:
    """Question index -> (standing forecast at close, number of forecasts, first made_at).

    ``data.others`` is in the order forecasts were made, so the last one seen stands.
    """
    found: dict[int, tuple[OtherForecast, int, float]] = {}
    for other in data.others:
        if other.forecaster == forecaster:
            if other.question in found:
                _, count, first = found[other.question]
                found[other.question] = (other, count + 1, first)
            else:
                found[other.question] = (other, 1, other.t)
    return found


def multiple_choice_scores(
    options: tuple[str, ...], probabilities: dict[str, float], outcome_index: int
) -> tuple[float, float]:
    """(multi-category Brier on 0..2, log score) of one multiple-choice forecast."""
    row = np.array([[probabilities.get(o, 0.0) for o in options]])
    brier = float(scoring.brier_score([outcome_index], row)[0])
    log = float(scoring.log_score([outcome_index], row)[0])
    return brier, log


def _central(distribution: Any) -> tuple[float, float, float] | None:
    if isinstance(distribution, IntervalForecast):
        return (distribution.low, distribution.high, distribution.coverage)
    z = NormalDist().inv_cdf(0.5 + _DEFAULT_COVERAGE / 2)
    if isinstance(distribution, NormalForecast):
        half = z * distribution.sigma
        return (distribution.mu - half, distribution.mu + half, _DEFAULT_COVERAGE)
    if isinstance(distribution, LognormalForecast):
        half = z * distribution.sigmalog
        return (
            math.exp(distribution.mulog - half),
            math.exp(distribution.mulog + half),
            _DEFAULT_COVERAGE,
        )
    if isinstance(distribution, QuantileForecast):
        levels = distribution.levels
        for i, low_level in enumerate(levels):
            for j in range(len(levels) - 1, i, -1):
                if abs(levels[j] - (1 - low_level)) < 1e-9:
                    return (distribution.values[i], distribution.values[j], levels[j] - low_level)
    return None


def numeric_score(distribution: Any, value: float) -> NumericScore:
    """Score one numeric forecast against the outcome ``value``."""
    y = np.array([value])
    if isinstance(distribution, IntervalForecast):
        parametric: Any = distribution.as_parametric()
    else:
        parametric = distribution
    if isinstance(parametric, NormalForecast):
        crps = scoring.crps_normal(y, parametric.mu, parametric.sigma)
    elif isinstance(parametric, LognormalForecast):
        crps = scoring.crps_lognormal(y, parametric.mulog, parametric.sigmalog)
    else:
        crps = scoring.crps_quantiles(
            y, np.asarray(parametric.levels), np.asarray([parametric.values])
        )
    central = _central(distribution)
    if central is None:
        return NumericScore(float(crps[0]), None, None, None)
    low, high, coverage = central
    score = scoring.interval_score(y, alpha=1 - coverage, lower=low, upper=high)
    return NumericScore(float(crps[0]), float(score[0]), bool(low <= value <= high), central)


def describe_distribution(distribution: Any) -> str:
    """A numeric forecast in a few words."""
    if isinstance(distribution, IntervalForecast):
        scale = ", log scale" if distribution.log_scale else ""
        return (
            f"{distribution.low:g} to {distribution.high:g}, "
            f"{distribution.coverage:.0%} interval{scale}"
        )
    if isinstance(distribution, QuantileForecast):
        return "quantiles " + ", ".join(
            f"{a:g}:{b:g}" for a, b in zip(distribution.levels, distribution.values, strict=True)
        )
    if isinstance(distribution, NormalForecast):
        return f"normal(mu={distribution.mu:g}, sigma={distribution.sigma:g})"
    if isinstance(distribution, LognormalForecast):
        return f"lognormal(mulog={distribution.mulog:g}, sigmalog={distribution.sigmalog:g})"
    return "-"
