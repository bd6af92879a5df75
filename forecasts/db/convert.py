"""Rows <-> domain models. Rows are built from validated models only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from forecasts.domain import Correction, Forecast, Forecaster, Question, Resolution
from forecasts.timeutils import as_utc

from .tables import CorrectionRow, ForecasterRow, ForecastRow, QuestionRow, ResolutionRow

__all__ = [
    "correction_fields",
    "correction_row",
    "forecast_fields",
    "forecast_row",
    "forecaster_fields",
    "forecaster_row",
    "question_fields",
    "question_row",
    "resolution_fields",
    "resolution_row",
]


def _aware(value: Any) -> Any:
    return as_utc(value) if value is not None else None


def forecaster_row(f: Forecaster) -> ForecasterRow:
    return ForecasterRow(handle=f.handle, name=f.name, kind=f.kind.value, affiliation=f.affiliation)


def forecaster_fields(row: ForecasterRow) -> dict[str, Any]:
    return {
        "handle": row.handle,
        "name": row.name,
        "kind": row.kind,
        "affiliation": row.affiliation,
    }


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


def question_fields(row: QuestionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "kind": row.kind,
        "options": row.options or [],
        "scale": row.scale,
        "opens_at": _aware(row.opens_at),
        "closes_at": _aware(row.closes_at),
        "resolve_on": _aware(row.resolve_on),
        "deadline": _aware(row.deadline),
        "check_every": (
            timedelta(seconds=row.check_every_seconds)
            if row.check_every_seconds is not None
            else None
        ),
        "criteria": row.criteria,
        "resolution": row.resolution,
        "tags": row.tags or [],
        "operationalization": row.operationalization,
        "notes": row.notes,
    }


def forecast_row(f: Forecast) -> ForecastRow:
    dumped = f.model_dump(mode="json")
    return ForecastRow(
        id=f.id,
        question_id=f.question_id,
        forecaster=f.forecaster,
        made_at=f.made_at,
        recorded_at=f.recorded_at,
        probability=f.probability,
        probabilities=dumped["probabilities"],
        distribution=dumped["distribution"],
        verbal=dumped["verbal"],
        source_url=f.provenance.source_url,
        quote=f.provenance.quote,
        published_at=f.provenance.published_at,
        note=f.note,
        origin=dumped["origin"],
    )


def forecast_fields(row: ForecastRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "question_id": row.question_id,
        "forecaster": row.forecaster,
        "made_at": _aware(row.made_at),
        "recorded_at": _aware(row.recorded_at),
        "probability": row.probability,
        "probabilities": row.probabilities,
        "distribution": row.distribution,
        "verbal": row.verbal,
        "provenance": {
            "source_url": row.source_url,
            "quote": row.quote,
            "published_at": _aware(row.published_at),
        },
        "note": row.note,
        "origin": row.origin,
    }


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


def resolution_fields(row: ResolutionRow) -> dict[str, Any]:
    return {
        "question_id": row.question_id,
        "outcome": row.outcome,
        "value": row.value,
        "resolved_at": _aware(row.resolved_at),
        "method": row.method,
        "by": row.by,
        "note": row.note,
        "evidence_url": row.evidence_url,
        "evidence_sha256": row.evidence_sha256 or [],
        "recorded_evidence": row.recorded_evidence,
    }


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


def correction_fields(row: CorrectionRow) -> dict[str, Any]:
    return {
        "question_id": row.question_id,
        "previous_outcome": row.previous_outcome,
        "outcome": row.outcome,
        "value": row.value,
        "corrected_at": _aware(row.corrected_at),
        "by": row.by,
        "reason": row.reason,
    }
