"""``/api/due``: questions past their resolve date that wait for a person."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from forecasts.services.due import due_questions
from forecasts.timeutils import utc_now
from forecasts.vocab import CheckState, QuestionKind

from ..deps import StoreDep

__all__ = ["DueItem", "router"]

router = APIRouter(prefix="/api", tags=["questions"])


class DueItem(BaseModel):
    """A question waiting for a person: who must act and why."""

    question_id: str
    title: str
    kind: QuestionKind
    due_since: datetime
    days_overdue: int
    state: CheckState
    who: str
    why: str
    attempts: int
    last_error: str | None


@router.get("/due", response_model=list[DueItem])
def list_due(store: StoreDep) -> list[DueItem]:
    """Unresolved questions past their resolve date that no machine will resolve, oldest
    first: manual ones, and those the sweep gave up on (``needs_review``)."""
    now = utc_now()
    return [DueItem.model_validate(item.to_json(now)) for item in due_questions(store, as_of=now)]
