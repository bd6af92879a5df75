"""Reading questions: lists by status, tag and kind; one question with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from forecasts.domain import (
    Correction,
    Forecast,
    Question,
    QuestionKind,
    QuestionStatus,
    Resolution,
    question_status,
)
from forecasts.errors import NotFoundError

if TYPE_CHECKING:
    # Only for annotations: listing questions runs on the light SQLite path too, which
    # must not load the store's SQLAlchemy stack.
    from forecasts.db.store import Store

__all__ = [
    "QuestionDetail",
    "QuestionLine",
    "QuestionSource",
    "get_question",
    "list_questions",
    "question_detail",
]


class QuestionSource(Protocol):
    """What listing questions needs of a store (the store, or the light SQLite path)."""

    def questions(self) -> list[Question]: ...

    def current_outcomes(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class QuestionLine:
    question: Question
    status: QuestionStatus


@dataclass(frozen=True)
class QuestionDetail:
    """A question, where it stands, its forecasts (oldest first), resolution and corrections."""

    question: Question
    status: QuestionStatus
    forecasts: list[Forecast]
    resolution: Resolution | None
    corrections: list[Correction]

    @property
    def outcome(self) -> str | None:
        """The outcome after corrections."""
        if self.corrections:
            return self.corrections[-1].outcome
        return None if self.resolution is None else self.resolution.outcome


def get_question(store: Store, question_id: str) -> Question:
    question = store.question(question_id)
    if question is None:
        raise NotFoundError("question", question_id)
    return question


def list_questions(
    store: QuestionSource,
    *,
    as_of: datetime,
    status: QuestionStatus | None = None,
    tag: str | None = None,
    kind: QuestionKind | None = None,
) -> list[QuestionLine]:
    """Questions by close date with their status at ``as_of``, filtered."""
    outcomes = store.current_outcomes()
    lines = [
        QuestionLine(q, question_status(q, resolved=outcomes.get(q.id), as_of=as_of))
        for q in store.questions()
        if (tag is None or tag in q.tags) and (kind is None or q.kind is kind)
    ]
    return [line for line in lines if status is None or line.status is status]


def question_detail(store: Store, question_id: str, *, as_of: datetime) -> QuestionDetail:
    question = get_question(store, question_id)
    resolution = store.resolution(question_id)
    corrections = store.corrections(question_id)
    outcome = (
        corrections[-1].outcome if corrections else (resolution.outcome if resolution else None)
    )
    return QuestionDetail(
        question=question,
        status=question_status(question, resolved=outcome, as_of=as_of),
        forecasts=store.forecasts(question_id=question_id),
        resolution=resolution,
        corrections=corrections,
    )
