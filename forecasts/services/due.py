"""What waits for a person: questions past their resolve date that no machine will resolve.

A question is due for a person when it is unresolved at ``as_of``, its resolve date (or
deadline) has passed, and the sweep will not settle it: it has no machine spec (``manual``)
or the sweep gave up on it (``needs_review``: attempt limit, grace period, permanent error).
Questions the sweep is still working on (``pending``) are the machine's, not a person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forecasts.db.checks import check_statuses
from forecasts.db.store import Store
from forecasts.db.web import question_owners
from forecasts.domain import CheckState, Question, QuestionStatus, question_status

__all__ = ["ADMIN", "DueQuestion", "due_questions"]

ADMIN = "admin"
"""Who acts on a due question nobody owns: whoever holds an admin token or account (the role
allowed to resolve any question by hand). A question created in the web app is its owner's."""


@dataclass(frozen=True)
class DueQuestion:
    """A question waiting for a person, with who must act and why."""

    question: Question
    state: CheckState
    who: str
    why: str
    attempts: int
    last_error: str | None

    @property
    def due_since(self) -> datetime:
        return self.question.resolves_at

    def days_overdue(self, as_of: datetime) -> int:
        return max((as_of - self.due_since).days, 0)

    def to_json(self, as_of: datetime) -> dict[str, Any]:
        return {
            "question_id": self.question.id,
            "title": self.question.title,
            "kind": self.question.kind.value,
            "due_since": self.due_since.isoformat(),
            "days_overdue": self.days_overdue(as_of),
            "state": self.state.value,
            "who": self.who,
            "why": self.why,
            "attempts": self.attempts,
            "last_error": self.last_error,
        }


def _why(state: CheckState, attempts: int, last_error: str | None) -> str:
    if state is CheckState.MANUAL:
        return "no automatic resolution: resolve it by hand"
    tried = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    reason = f": {last_error}" if last_error else ""
    return f"automatic resolution gave up {tried}{reason}; review and resolve it by hand"


def due_questions(store: Store, *, as_of: datetime) -> list[DueQuestion]:
    """Questions waiting for a person at ``as_of``, oldest resolve date first."""
    outcomes = store.current_outcomes()
    checks = check_statuses(store)
    owners = question_owners(store)
    found: list[DueQuestion] = []
    for question in store.questions():
        status = question_status(question, resolved=outcomes.get(question.id), as_of=as_of)
        if status is not QuestionStatus.DUE:
            continue
        check = checks.get(question.id)
        if check is None:  # a question from before check rows: its spec decides
            state = CheckState.PENDING if question.resolution else CheckState.MANUAL
            attempts, last_error = 0, None
        else:
            state, attempts, last_error = check.state, check.attempts, check.last_error
        if state not in (CheckState.MANUAL, CheckState.NEEDS_REVIEW):
            continue
        found.append(
            DueQuestion(
                question=question,
                state=state,
                who=owners.get(question.id, ADMIN),
                why=_why(state, attempts, last_error),
                attempts=attempts,
                last_error=last_error,
            )
        )
    found.sort(key=lambda d: (d.due_since, d.question.id))
    return found
