"""Rules that relate two domain objects, checked with an explicit ``as_of``."""

from __future__ import annotations

import math
from datetime import datetime

from forecasts.domain.models import Forecast, Question, QuestionKind
from forecasts.errors import FieldError
from forecasts.vocab import QuestionStatus

__all__ = ["check_forecast_fits", "question_status", "check_outcome"]


def _sourced(forecast: Forecast) -> bool:
    return bool(forecast.provenance.source_url and forecast.provenance.quote)


def check_forecast_fits(question: Question, forecast: Forecast, *, as_of: datetime) -> None:
    """Raise FieldError when ``forecast`` cannot be recorded on ``question`` at ``as_of``.

    A forecast is made when it is recorded. A past ``made_at`` is accepted only for a claim
    made in public (with its source URL and quote) or an imported history (``origin``),
    and such a forecast is marked backdated.
    """
    if forecast.made_at > as_of:
        raise FieldError(
            "made_at", f"{forecast.made_at.isoformat()} is in the future (now {as_of.isoformat()})"
        )
    if forecast.made_at < question.opens_at:
        raise FieldError(
            "made_at",
            f"{forecast.made_at.isoformat()} is before question {question.id} opened "
            f"at {question.opens_at.isoformat()}",
        )
    if forecast.made_at > question.closes_at:
        raise FieldError(
            "made_at",
            f"{forecast.made_at.isoformat()} is after question {question.id} closed "
            f"at {question.closes_at.isoformat()}",
        )
    if forecast.backdated and forecast.origin is None and not _sourced(forecast):
        raise FieldError(
            "made_at",
            f"{forecast.made_at.isoformat()} is in the past: a forecast is made when it is "
            "recorded; a claim someone made earlier in public needs its source URL and quote",
        )
    kind = question.kind
    if kind is QuestionKind.BINARY and forecast.probability is None:
        raise FieldError("probability", f"question {question.id} is binary; give a probability")
    if kind is QuestionKind.MULTIPLE_CHOICE:
        if forecast.probabilities is None:
            raise FieldError(
                "probabilities",
                f"question {question.id} is multiple_choice; give one "
                f"probability per option ({', '.join(question.options)})",
            )
        missing = [o for o in question.options if o not in forecast.probabilities]
        extra = [o for o in forecast.probabilities if o not in question.options]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unknown {', '.join(extra)}")
            raise FieldError(
                "probabilities",
                f"options of question {question.id} are "
                f"{', '.join(question.options)}; " + "; ".join(parts),
            )
    if kind is QuestionKind.NUMERIC and forecast.distribution is None:
        raise FieldError(
            "distribution",
            f"question {question.id} is numeric; give quantiles, an interval, "
            "a normal or a lognormal",
        )


def check_outcome(question: Question, outcome: str, value: float | None) -> None:
    """Raise ValueError when ``outcome`` is not a possible outcome of ``question``."""
    if outcome == "annulled":
        return
    if question.kind is QuestionKind.BINARY and outcome not in ("yes", "no"):
        raise FieldError("outcome", f"'{outcome}' is not yes, no or annulled")
    if question.kind is QuestionKind.MULTIPLE_CHOICE and outcome not in question.options:
        raise FieldError(
            "outcome",
            f"'{outcome}' is not an option of {question.id} "
            f"({', '.join(question.options)}) or annulled",
        )
    if question.kind is QuestionKind.NUMERIC and (value is None or not math.isfinite(value)):
        raise FieldError("outcome", f"question {question.id} is numeric; give a finite number")


def question_status(question: Question, *, resolved: str | None, as_of: datetime) -> QuestionStatus:
    """``open``, ``closed``, ``due``, ``resolved`` or ``annulled`` at ``as_of``.

    ``resolved`` is the current outcome (after corrections) or None.
    """
    if resolved is not None:
        return QuestionStatus.ANNULLED if resolved == "annulled" else QuestionStatus.RESOLVED
    if as_of >= question.resolves_at:
        return QuestionStatus.DUE
    if as_of >= question.closes_at:
        return QuestionStatus.CLOSED
    return QuestionStatus.OPEN
