"""How a forecast reads on a page: its values in words and numbers, and its verbal band."""

from __future__ import annotations

from typing import Any

from forecasts.domain import (
    Forecast,
    IntervalForecast,
    LognormalForecast,
    NormalForecast,
    QuantileForecast,
)

__all__ = ["band_text", "forecast_text", "register_filters", "scale_name"]

_SCALES = {"icd203": "ICD 203", "ipcc": "IPCC"}


def scale_name(scale: str) -> str:
    return _SCALES.get(scale, scale)


def _g(value: float) -> str:
    return f"{value:.4g}"


def _pct(value: float) -> str:
    return f"{value * 100:.4g}%"


def band_text(forecast: Forecast) -> str:
    """The verbal band: what was said, the term it was read as, the scale and the range."""
    verbal = forecast.verbal
    if verbal is None:
        return ""
    read_as = "" if verbal.phrase.lower() == verbal.term else f", read as “{verbal.term}”"
    return (
        f"“{verbal.phrase}”{read_as} ({scale_name(verbal.scale)} "
        f"{verbal.low:.0%}–{verbal.high:.0%})"
    )


def forecast_text(forecast: Forecast) -> str:
    """The forecast's own values: a probability, option probabilities or a distribution."""
    if forecast.probability is not None:
        return _pct(forecast.probability)
    if forecast.probabilities is not None:
        return ", ".join(f"{k}: {_pct(v)}" for k, v in forecast.probabilities.items())
    d = forecast.distribution
    if isinstance(d, QuantileForecast):
        pairs = ", ".join(
            f"{_pct(level)}: {_g(value)}" for level, value in zip(d.levels, d.values, strict=True)
        )
        return f"quantiles {pairs}"
    if isinstance(d, IntervalForecast):
        scale = ", log scale" if d.log_scale else ""
        return f"{d.coverage:.0%} interval {_g(d.low)} to {_g(d.high)}{scale}"
    if isinstance(d, NormalForecast):
        return f"normal, mean {_g(d.mu)}, sd {_g(d.sigma)}"
    if isinstance(d, LognormalForecast):
        return f"lognormal, log-mean {_g(d.mulog)}, log-sd {_g(d.sigmalog)}"
    return "–"


def register_filters(env: Any) -> None:
    """Add the filters to a Jinja environment."""
    env.filters["forecast_text"] = forecast_text
    env.filters["band_text"] = band_text
