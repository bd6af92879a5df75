"""Plain-text rendering of domain objects for the terminal."""

from __future__ import annotations

from forecasts.domain import Forecast, Forecaster, Question, Resolution

__all__ = ["describe_value", "format_forecast", "format_question_line", "format_when"]


def format_when(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return "-" if value is None else str(value)


def describe_value(forecast: Forecast) -> str:
    """The forecast's belief in a few words."""
    if forecast.verbal is not None:
        v = forecast.verbal
        scale = {"icd203": "ICD 203", "ipcc": "IPCC"}.get(v.scale, v.scale)
        read = "" if v.phrase.lower() == v.term else f" read as '{v.term}'"
        return (
            f"p={forecast.probability:g} (said '{v.phrase}'{read}, {scale} band "
            f"{v.low:g}-{v.high:g}, midpoint)"
        )
    if forecast.probability is not None:
        return f"p={forecast.probability:g}"
    if forecast.probabilities is not None:
        return ", ".join(f"{k}={p:g}" for k, p in forecast.probabilities.items())
    d = forecast.distribution
    if d is None:
        return "-"
    if d.type == "interval":
        scale = ", log scale" if d.log_scale else ""
        return f"{d.low:g} to {d.high:g}, {d.coverage:.0%} interval{scale}"
    if d.type == "quantiles":
        return "quantiles " + ", ".join(
            f"{a:g}:{b:g}" for a, b in zip(d.levels, d.values, strict=True)
        )
    if d.type == "normal":
        return f"normal(mu={d.mu:g}, sigma={d.sigma:g})"
    return f"lognormal(mulog={d.mulog:g}, sigmalog={d.sigmalog:g})"


def format_forecast(forecast: Forecast) -> list[str]:
    marks = []
    if forecast.backdated:
        marks.append(f"backdated: recorded {format_when(forecast.recorded_at)}")
    if forecast.origin is not None:
        marks.append(f"imported from {forecast.origin.file or forecast.origin.platform}")
    tail = f"  [{'; '.join(marks)}]" if marks else ""
    lines = [
        f"  {format_when(forecast.made_at)}  {forecast.forecaster:<22} "
        f"{describe_value(forecast)}{tail}"
    ]
    prov = forecast.provenance
    if prov.quote:
        lines.append(f'      quote: "{prov.quote}"')
    if prov.source_url:
        published = f" (published {format_when(prov.published_at)})" if prov.published_at else ""
        lines.append(f"      source: {prov.source_url}{published}")
    if forecast.note:
        lines.append(f"      note: {forecast.note}")
    return lines


def format_question_line(question: Question, status: str) -> str:
    return (
        f"{question.id:<10} {status:<9} {question.kind.value:<15} closes "
        f"{format_when(question.closes_at):<11} {question.title}"
    )


def format_forecaster(forecaster: Forecaster) -> str:
    aff = f" ({forecaster.affiliation})" if forecaster.affiliation else ""
    return f"{forecaster.handle:<22} {forecaster.kind.value:<12} {forecaster.name}{aff}"


def format_resolution(resolution: Resolution) -> str:
    value = f" = {resolution.value:g}" if resolution.value is not None else ""
    by = f" by {resolution.by}" if resolution.by else ""
    note = f": {resolution.note}" if resolution.note else ""
    return (
        f"{resolution.outcome}{value} ({resolution.method.value}{by}, "
        f"{format_when(resolution.resolved_at)}){note}"
    )
