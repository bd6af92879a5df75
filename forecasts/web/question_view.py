"""The question page's charts and crowd table, built from the question's detail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from forecasts.domain import QuestionKind
from forecasts.records.crowd import CROWD_METHODS
from forecasts.services.browsing import QuestionCrowd
from forecasts.services.queries import QuestionDetail

from .question_charts import Series, fan_rows, fan_svg, options_svg, timeline_svg

__all__ = ["question_charts"]


def _marked(forecast: Any) -> bool:
    return bool(forecast.backdated or forecast.origin is not None)


def question_charts(
    detail: QuestionDetail, names: dict[str, str], *, now: datetime, crowd: QuestionCrowd
) -> dict[str, Any]:
    """Template context: ``chart`` (binary history with ``crowd``, the crowd of
    ``detail``'s forecasts), ``fan``, ``bars``, ``crowd``."""
    method = crowd.method
    question, forecasts = detail.question, detail.forecasts
    resolution = detail.resolution
    resolved_at = None if resolution is None else resolution.resolved_at
    context: dict[str, Any] = {"chart": None, "fan": None, "bars": None, "crowd": None}
    context["crowd_methods"] = CROWD_METHODS
    if not forecasts:
        return context
    if question.kind is QuestionKind.BINARY:
        series: dict[str, list[tuple[datetime, float, bool]]] = {}
        for f in forecasts:
            if f.probability is not None:
                name = names.get(f.forecaster, f.forecaster)
                series.setdefault(name, []).append((f.made_at, f.probability, _marked(f)))
        context["chart"] = Markup(
            timeline_svg(
                [Series(name, points) for name, points in series.items()],
                crowd.line,
                start=question.opens_at,
                end=question.closes_at,
                now=now,
                resolved_at=resolved_at,
                crowd_label=f"crowd ({'median' if method == 'median' else 'geo. mean odds'})",
            )
        )
        context["crowd"] = crowd
    elif question.kind is QuestionKind.NUMERIC:
        labelled = [
            (f"{names.get(f.forecaster, f.forecaster)}, {f.made_at.date().isoformat()}", f)
            for f in forecasts
            if f.distribution is not None
        ]
        scale = question.scale
        log = bool(scale and scale.log_scale)
        value = None if resolution is None or detail.outcome == "annulled" else resolution.value
        if detail.corrections:
            value = detail.corrections[-1].value
        context["fan"] = Markup(
            fan_svg(
                fan_rows(labelled),
                log_scale=log,
                resolved=value,
                unit=None if scale is None else scale.unit,
            )
        )
    else:
        latest: dict[str, dict[str, float]] = {}
        for f in forecasts:
            if f.probabilities is not None:
                latest[names.get(f.forecaster, f.forecaster)] = dict(f.probabilities)
        context["bars"] = Markup(
            options_svg(question.options, list(latest.items()), outcome=detail.outcome)
        )
    return context
