"""Factories for test data with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forecasts.domain import Forecaster, Question
from forecasts.inputs import ForecastInput

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)

# For questions met through the wall clock (CLI subprocesses, pages): the default dates pass
# while the suite is still in use, so these stay open whenever it runs.
STILL_OPEN: dict[str, str] = {"closes_at": "2099-12-01", "resolve_on": "2099-12-31"}


def make_forecaster(handle: str = "alice", **overrides: Any) -> Forecaster:
    fields: dict[str, Any] = {"handle": handle, "name": handle.title(), "kind": "person"}
    fields.update(overrides)
    return Forecaster.model_validate(fields)


def make_question(question_id: str = "Q1", **overrides: Any) -> Question:
    fields: dict[str, Any] = {
        "id": question_id,
        "title": f"Question {question_id}?",
        "kind": "binary",
        "opens_at": "2026-01-01",
        "closes_at": "2026-12-01",
        "resolve_on": "2026-12-31",
    }
    fields.update(overrides)
    return Question.model_validate(fields)


def make_forecast_input(question: str = "Q1", by: str = "alice", **overrides: Any) -> ForecastInput:
    # Made when it is recorded (AS_OF): an own forecast, not a backdated claim.
    fields: dict[str, Any] = {"question": question, "by": by, "p": 0.7, "made_at": "2026-06-01"}
    fields.update(overrides)
    return ForecastInput.model_validate(fields)
