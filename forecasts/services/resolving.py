"""Resolving by hand, correcting, and what the evidence of a resolution shows."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

from forecasts.db.checks import Attempt, CheckStatus, attempts_of, check_status
from forecasts.db.evidence import StoredEvidence, evidence_item, evidence_of
from forecasts.db.store import Store
from forecasts.domain import Correction, Question, QuestionKind, Resolution, ResolutionMethod
from forecasts.errors import FieldError, InputError, NotFoundError

from .queries import get_question
from .recording import add_correction, add_resolution

__all__ = [
    "EvidenceCheck",
    "EvidenceReport",
    "check_evidence",
    "correct",
    "evidence_report",
    "parse_outcome",
    "resolve_by_hand",
]


def parse_outcome(
    question: Question, text: str, *, field: str = "outcome"
) -> tuple[str, float | None]:
    """Read an outcome for ``question``: yes/no, an option, a number, or ``annulled``."""
    raw = text.strip()
    if raw.lower() == "annulled":
        return "annulled", None
    if question.kind is QuestionKind.BINARY:
        if raw.lower() not in ("yes", "no"):
            raise FieldError(field, f"'{raw}' is not yes, no or annulled")
        return raw.lower(), None
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        if raw not in question.options:
            raise FieldError(
                field,
                f"'{raw}' is not an option of {question.id} "
                f"({', '.join(question.options)}) or annulled",
            )
        return raw, None
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(field, f"'{raw}' is not a number or annulled") from None
    if not math.isfinite(value):
        raise FieldError(field, f"'{raw}' is not a finite number")
    return repr(value), value


def resolve_by_hand(
    store: Store,
    question_id: str,
    *,
    outcome: str,
    by: str,
    note: str,
    evidence_url: str | None = None,
    as_of: datetime,
) -> Resolution:
    """Record a person's resolution of a question (``outcome`` as :func:`parse_outcome` reads)."""
    if not by.strip():
        raise FieldError("by", "required: who resolves the question")
    if not note.strip():
        raise FieldError("note", "required: say why (what the evidence shows)")
    text, value = parse_outcome(get_question(store, question_id), outcome)
    resolution = Resolution(
        question_id=question_id,
        outcome=text,
        value=value,
        resolved_at=as_of,
        method=ResolutionMethod.MANUAL,
        by=by,
        note=note,
        evidence_url=evidence_url,
    )
    return add_resolution(store, resolution, as_of=as_of)


def correct(
    store: Store, question_id: str, *, outcome: str, by: str, reason: str, as_of: datetime
) -> Correction:
    """Correct a resolution: a new, recorded event; nothing is overwritten."""
    question = get_question(store, question_id)
    current = store.current_outcomes().get(question_id)
    if current is None:
        raise InputError(f"question {question_id} is not resolved; nothing to correct")
    text, value = parse_outcome(question, outcome)
    if text == current:
        raise FieldError("outcome", f"question {question_id} already resolves to '{text}'")
    correction = Correction(
        question_id=question_id,
        previous_outcome=current,
        outcome=text,
        value=value,
        corrected_at=as_of,
        by=by,
        reason=reason,
    )
    return add_correction(store, correction, as_of=as_of)


@dataclass(frozen=True)
class EvidenceReport:
    """Where the sweep stands with a question, its evidence and its check history."""

    check: CheckStatus | None
    evidence: list[StoredEvidence]
    attempts: list[Attempt]


def evidence_report(store: Store, question_id: str) -> EvidenceReport:
    get_question(store, question_id)
    return EvidenceReport(
        check_status(store, question_id),
        evidence_of(store, question_id),
        attempts_of(store, question_id),
    )


@dataclass(frozen=True)
class EvidenceCheck:
    """Stored evidence re-hashed: ``ok`` when the bytes still hash to what was recorded."""

    evidence: StoredEvidence
    rehashed: str | None
    """None when only an excerpt was kept (the body was over the excerpt limit)."""

    @property
    def ok(self) -> bool:
        return self.rehashed is None or self.rehashed == self.evidence.sha256

    @property
    def state(self) -> str:
        if self.rehashed is None:
            return "excerpt only (body larger than the excerpt limit)"
        return "ok" if self.ok else "MISMATCH"


def check_evidence(store: Store, evidence_id: int) -> EvidenceCheck:
    """Re-hash one piece of stored evidence."""
    item = evidence_item(store, evidence_id)
    if item is None:
        raise NotFoundError("evidence", str(evidence_id))
    rehashed = None if item.body is None else hashlib.sha256(item.body).hexdigest()
    return EvidenceCheck(item, rehashed)
