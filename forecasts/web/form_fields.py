"""Posted form fields read into the inputs the services take (the CLI's readers, reused).

Each reader raises :class:`FieldError` naming the form field, so the form can be shown again
with the problem next to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from forecasts.domain import Question, QuestionKind
from forecasts.errors import FieldError
from forecasts.inputs import ForecastInput, first_problem, probability_fields
from forecasts.quick import parse_by_date

__all__ = ["forecast_input", "question_from_form"]

Form = Mapping[str, Any]


def _text(form: Form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: Form, name: str) -> float | None:
    raw = _text(form, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(name, f"'{raw}' is not a number") from None
    if not math.isfinite(value):
        raise FieldError(name, f"'{raw}' is not a finite number")
    return value


def _quantiles(text: str) -> list[tuple[float, float]]:
    pairs = []
    for part in text.replace(";", ",").split(","):
        level, sep, value = part.strip().partition(":")
        try:
            pairs.append((float(level), float(value)))
        except ValueError:
            raise FieldError("quantiles", f"'{part.strip()}' is not LEVEL:VALUE") from None
        if not sep:
            raise FieldError("quantiles", f"'{part.strip()}' is not LEVEL:VALUE")
    return pairs


def _numeric_fields(form: Form) -> dict[str, Any]:
    given: dict[str, Any] = {}
    if _text(form, "quantiles"):
        given["quantiles"] = _quantiles(_text(form, "quantiles"))
    low, high = _number(form, "low"), _number(form, "high")
    if low is not None or high is not None:
        coverage = _number(form, "coverage")
        if low is None or high is None:
            raise FieldError("low" if low is None else "high", "give both ends of the interval")
        given["interval"] = {
            "low": low,
            "high": high,
            "coverage": 0.9 if coverage is None else coverage,
            "log_scale": bool(form.get("log_scale")),
        }
    mu, sigma = _number(form, "mu"), _number(form, "sigma")
    if mu is not None or sigma is not None:
        if mu is None or sigma is None:
            raise FieldError("mu" if mu is None else "sigma", "give both mean and sd")
        given["normal"] = {"mu": mu, "sigma": sigma}
    if len(given) != 1:
        raise FieldError(
            "forecast", "fill in exactly one of quantiles, the interval (low, high) or mean and sd"
        )
    return given


def forecast_input(question: Question, form: Form, *, by: str) -> ForecastInput:
    """The forecast the form states: ``p`` (binary), ``option_N`` (multiple choice), or
    quantiles / interval / normal (numeric), plus the rationale ``note``."""
    fields: dict[str, Any] = {"question": question.id, "by": by}
    if _text(form, "note"):
        fields["note"] = _text(form, "note")
    if question.kind is QuestionKind.BINARY:
        fields.update(probability_fields(_text(form, "p")))
    elif question.kind is QuestionKind.MULTIPLE_CHOICE:
        options: dict[str, str] = {}
        for i, option in enumerate(question.options):
            raw = _text(form, f"option_{i}")
            if not raw:
                raise FieldError(f"option_{i}", f"required: the probability of '{option}'")
            options[option] = raw
        fields["options"] = options
    else:
        fields.update(_numeric_fields(form))
    try:
        return ForecastInput.model_validate(fields)
    except ValidationError as exc:
        problem = first_problem(exc, fallback="forecast")
        field = problem.field
        if field.startswith("options."):
            field = f"option_{question.options.index(field.removeprefix('options.'))}"
        elif field.startswith(("interval", "normal")):
            field = "forecast"
        raise FieldError(field, problem.problem) from None


def _date(form: Form, name: str) -> datetime | None:
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return parse_by_date(raw)
    except FieldError as exc:
        raise FieldError(name, exc.problem) from None


def question_from_form(form: Form, *, question_id: str, as_of: datetime) -> Question:
    """A new question from the form: closes on ``closes``; decided on ``resolves`` (default:
    the close date) -- an event deadline for binary and multiple choice, the date whose value
    counts for numeric questions."""
    kind_text = _text(form, "kind") or "binary"
    try:
        kind = QuestionKind(kind_text)
    except ValueError:
        raise FieldError(
            "kind", f"'{kind_text}' is not binary, multiple_choice or numeric"
        ) from None
    closes = _date(form, "closes")
    if closes is None:
        raise FieldError("closes", "required: the last day forecasts are taken")
    resolves = _date(form, "resolves") or closes
    if resolves < closes:
        raise FieldError("resolves", "is before the close date")
    options = [line.strip() for line in _text(form, "options").splitlines() if line.strip()]
    fields: dict[str, Any] = {
        "id": question_id,
        "title": _text(form, "title"),
        "kind": kind,
        "options": options if kind is QuestionKind.MULTIPLE_CHOICE else [],
        "opens_at": as_of,
        "closes_at": closes,
        "criteria": _text(form, "criteria"),
        "tags": sorted({t.strip() for t in _text(form, "tags").split(",") if t.strip()}),
    }
    if kind is QuestionKind.NUMERIC:
        fields["resolve_on"] = resolves
        fields["scale"] = {
            "unit": _text(form, "unit") or None,
            "lower": _number(form, "lower"),
            "upper": _number(form, "upper"),
            "log_scale": bool(form.get("log_scale")),
        }
    else:
        fields["deadline"] = resolves
    if kind is QuestionKind.MULTIPLE_CHOICE and len(options) < 2:
        raise FieldError("options", "give at least two options, one per line")
    if not fields["title"]:
        raise FieldError("title", "required")
    if closes <= as_of:
        raise FieldError("closes", f"{closes.date().isoformat()} has passed")
    try:
        return Question.model_validate(fields)
    except ValidationError as exc:
        problem = first_problem(exc, fallback="question")
        field = "options" if problem.field.startswith("options") else problem.field
        raise FieldError(
            field.partition(".")[2] if field.startswith("scale.") else field, problem.problem
        ) from None
