"""The question page's charts, crowd table and forecast table, built from the question's
detail and kept per ledger head when every visitor would see the same."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from forecasts.domain import Forecast, QuestionKind
from forecasts.records.crowd import CROWD_METHODS, CrowdMethod, crowd_line
from forecasts.services.browsing import QuestionCrowd, question_crowd
from forecasts.services.queries import QuestionDetail
from forecasts.services.question_page import QuestionView, kept_forecasts_part, kept_part

from .question_charts import Series, fan_rows, fan_svg, options_svg, timeline_svg

__all__ = ["question_charts", "question_parts"]


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


def question_parts(
    templates: Jinja2Templates,
    view: QuestionView,
    shown: list[Forecast],
    *,
    now: datetime,
    method: CrowdMethod,
) -> dict[str, Any]:
    """``charts_part`` (history, fan or bars, with the crowd and its scores) and
    ``table_part`` (the forecasts) of ``view``'s page for a visitor who sees ``shown``.

    Kept per ledger head when the visitor sees every forecast (and, for the charts, when
    the clock no longer moves them); built for this request otherwise."""
    detail = replace(view.detail, forecasts=shown)
    names = view.names
    everyone = len(shown) == len(view.detail.forecasts)

    def line() -> bytes:
        return pickle.dumps(crowd_line(shown, method=method))

    def charts() -> str:
        kept_line = None
        if everyone and detail.question.kind is QuestionKind.BINARY:
            # The line moves with the forecasts alone: a resolution since leaves it in place.
            kept_line = pickle.loads(kept_forecasts_part(view, f"line {method}", line))  # noqa: S301
        crowd = question_crowd(detail, method=method, line=kept_line)
        context = question_charts(detail, names, now=now, crowd=crowd)
        # Only "resolved" or not is read from the status, and only a ledger event changes it.
        context.update(question=detail.question, status=detail.status, names=names)
        return templates.env.get_template("_question_charts.html").render(context)

    def table() -> str:
        page = templates.env.get_template("_forecast_table.html")
        return page.render(forecasts=shown, names=names)

    kept_charts = everyone and view.clock_free
    return {
        "charts_part": Markup(
            kept_part(view, f"charts {method}", charts) if kept_charts else charts()
        ),
        "table_part": Markup(kept_forecasts_part(view, "table", table) if everyone else table()),
    }
