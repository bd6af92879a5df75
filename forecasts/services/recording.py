"""Recording: forecasters, questions, forecasts, resolutions and corrections.

Each function validates fully before it writes, and writes in one transaction with its
ledger event, so bad input leaves the database (and the ledger head) as it was.
"""

from __future__ import annotations

from datetime import datetime

from forecasts.db.checks import write_record
from forecasts.db.store import Store
from forecasts.domain import (
    Correction,
    Forecaster,
    Question,
    Resolution,
    check_outcome,
)
from forecasts.errors import FieldError, InputError, NotFoundError

__all__ = [
    "add_correction",
    "add_forecaster",
    "add_question",
    "add_resolution",
    "check_resolution_spec",
]


def add_forecaster(store: Store, forecaster: Forecaster, *, as_of: datetime) -> Forecaster:
    # Handles are case-sensitive keys, but two handles that differ only in case are one
    # person to a reader of a track record.
    twin = next(
        (f for f in store.forecasters() if f.handle.casefold() == forecaster.handle.casefold()),
        None,
    )
    if twin is not None and twin.handle != forecaster.handle:
        raise FieldError(
            "handle", f"'{forecaster.handle}' differs only in case from '{twin.handle}'"
        )
    with store.transaction() as session:
        store.record(session, forecaster, as_of=as_of)
    return forecaster


def check_resolution_spec(question: Question) -> None:
    """Refuse a machine resolution spec that does not parse (FieldError names the key)."""
    if question.resolution:
        from forecasts.resolution.runtime import build_registry
        from forecasts.resolution.spec import parse_resolution

        parse_resolution(question.resolution, build_registry())


def add_question(store: Store, question: Question, *, as_of: datetime) -> Question:
    check_resolution_spec(question)
    with store.transaction() as session:
        write_record(store, session, question, as_of=as_of)
    return question


def _check_resolution(
    question: Question | None, outcome: str, value: float | None, question_id: str
) -> Question:
    if question is None:
        raise NotFoundError("question", question_id)
    check_outcome(question, outcome, value)
    return question


def add_resolution(store: Store, resolution: Resolution, *, as_of: datetime) -> Resolution:
    """Record the outcome of a question (once; later changes are corrections)."""
    if resolution.resolved_at > as_of:
        raise FieldError("resolved_at", f"{resolution.resolved_at.isoformat()} is in the future")
    _check_resolution(
        store.question(resolution.question_id),
        resolution.outcome,
        resolution.value,
        resolution.question_id,
    )
    if store.resolution(resolution.question_id) is not None:
        raise InputError(
            f"question {resolution.question_id} is already resolved; record a correction"
        )
    with store.transaction() as session:
        write_record(store, session, resolution, as_of=as_of)
    return resolution


def add_correction(store: Store, correction: Correction, *, as_of: datetime) -> Correction:
    """Correct a wrong resolution with a new, recorded event; nothing is overwritten."""
    _check_resolution(
        store.question(correction.question_id),
        correction.outcome,
        correction.value,
        correction.question_id,
    )
    current = store.current_outcomes().get(correction.question_id)
    if current is None:
        raise InputError(f"question {correction.question_id} is not resolved; nothing to correct")
    if current != correction.previous_outcome:
        raise FieldError(
            "previous_outcome",
            f"question {correction.question_id} currently resolves to '{current}', "
            f"not '{correction.previous_outcome}'",
        )
    with store.transaction() as session:
        store.record(session, correction, as_of=as_of)
    return correction
