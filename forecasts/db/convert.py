"""Rows <-> domain models. Rows are built from validated models only."""

from __future__ import annotations

from typing import Any

from forecasts.domain import Correction, Forecast, Forecaster, Question, Resolution

from .columns import (
    FORECAST_COLUMNS,
    correction_fields,
    forecast_fields,
    forecast_values,
    forecast_values_fields,
    forecaster_fields,
    question_fields,
    resolution_fields,
)
from .tables import CorrectionRow, ForecasterRow, ForecastRow, QuestionRow, ResolutionRow

__all__ = [
    "FORECAST_COLUMNS",
    "correction_fields",
    "correction_row",
    "forecast_fields",
    "forecast_row",
    "forecast_values",
    "forecast_values_fields",
    "forecaster_fields",
    "forecaster_row",
    "question_fields",
    "question_row",
    "resolution_fields",
    "resolution_row",
]


def forecaster_row(f: Forecaster) -> ForecasterRow:
    return ForecasterRow(handle=f.handle, name=f.name, kind=f.kind.value, affiliation=f.affiliation)


def question_row(q: Question) -> QuestionRow:
    dumped = q.model_dump(mode="json")
    return QuestionRow(
        id=q.id,
        title=q.title,
        kind=q.kind.value,
        options=list(q.options),
        scale=dumped["scale"],
        opens_at=q.opens_at,
        closes_at=q.closes_at,
        resolve_on=q.resolve_on,
        deadline=q.deadline,
        check_every_seconds=q.check_every.total_seconds() if q.check_every else None,
        criteria=q.criteria,
        resolution=dumped["resolution"],
        tags=list(q.tags),
        operationalization=dumped["operationalization"],
        notes=q.notes,
    )


def forecast_row(f: Forecast) -> ForecastRow:
    return ForecastRow(**forecast_values(f))


def resolution_values(r: Resolution) -> dict[str, Any]:
    """A resolution row's columns (id aside), for a bulk insert."""
    return {
        "question_id": r.question_id,
        "outcome": r.outcome,
        "value": r.value,
        "resolved_at": r.resolved_at,
        "method": r.method.value,
        "by": r.by,
        "note": r.note,
        "evidence_url": r.evidence_url,
        "evidence_sha256": list(r.evidence_sha256),
        "recorded_evidence": r.recorded_evidence,
    }


def resolution_row(r: Resolution) -> ResolutionRow:
    return ResolutionRow(**resolution_values(r))


def correction_row(c: Correction) -> CorrectionRow:
    return CorrectionRow(
        question_id=c.question_id,
        previous_outcome=c.previous_outcome,
        outcome=c.outcome,
        value=c.value,
        corrected_at=c.corrected_at,
        by=c.by,
        reason=c.reason,
    )
