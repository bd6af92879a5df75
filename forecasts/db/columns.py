"""Domain values <-> column values, with no table classes: what a row holds.

Readers take any object with the columns as attributes (an ORM row, or the light SQLite
path's decoded row), so both read rows by the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from forecasts.domain import Forecast
from forecasts.timeutils import as_utc

__all__ = [
    "FORECAST_COLUMNS",
    "correction_fields",
    "forecast_fields",
    "forecast_values_fields",
    "forecast_values",
    "forecaster_fields",
    "question_fields",
    "resolution_fields",
]


def _aware(value: Any) -> Any:
    return as_utc(value) if value is not None else None


def forecast_values(f: Forecast) -> dict[str, Any]:
    """A forecast row's columns."""
    dumped = f.model_dump(mode="json")
    return {
        "id": f.id,
        "question_id": f.question_id,
        "forecaster": f.forecaster,
        "made_at": f.made_at,
        "recorded_at": f.recorded_at,
        "probability": f.probability,
        "probabilities": dumped["probabilities"],
        "distribution": dumped["distribution"],
        "verbal": dumped["verbal"],
        "source_url": f.provenance.source_url,
        "quote": f.provenance.quote,
        "published_at": f.provenance.published_at,
        "note": f.note,
        "origin": dumped["origin"],
    }


def forecaster_fields(row: Any) -> dict[str, Any]:
    return {
        "handle": row.handle,
        "name": row.name,
        "kind": row.kind,
        "affiliation": row.affiliation,
    }


def question_fields(row: Any) -> dict[str, Any]:
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


def forecast_fields(row: Any) -> dict[str, Any]:
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


FORECAST_COLUMNS = (
    "id",
    "question_id",
    "forecaster",
    "made_at",
    "recorded_at",
    "probability",
    "probabilities",
    "distribution",
    "verbal",
    "source_url",
    "quote",
    "published_at",
    "note",
    "origin",
)
"""The forecast table's columns in the order :func:`forecast_values_fields` takes them."""


def forecast_values_fields(values: Sequence[Any]) -> dict[str, Any]:
    """:func:`forecast_fields` from one row's values in :data:`FORECAST_COLUMNS` order (a
    plain select's row, unpacked by position: several times cheaper than by name)."""
    (
        forecast_id,
        question_id,
        forecaster,
        made_at,
        recorded_at,
        probability,
        probabilities,
        distribution,
        verbal,
        source_url,
        quote,
        published_at,
        note,
        origin,
    ) = values
    return {
        "id": forecast_id,
        "question_id": question_id,
        "forecaster": forecaster,
        "made_at": _aware(made_at),
        "recorded_at": _aware(recorded_at),
        "probability": probability,
        "probabilities": probabilities,
        "distribution": distribution,
        "verbal": verbal,
        "provenance": {
            "source_url": source_url,
            "quote": quote,
            "published_at": _aware(published_at),
        },
        "note": note,
        "origin": origin,
    }


def resolution_fields(row: Any) -> dict[str, Any]:
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


def correction_fields(row: Any) -> dict[str, Any]:
    return {
        "question_id": row.question_id,
        "previous_outcome": row.previous_outcome,
        "outcome": row.outcome,
        "value": row.value,
        "corrected_at": _aware(row.corrected_at),
        "by": row.by,
        "reason": row.reason,
    }
