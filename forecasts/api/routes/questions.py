"""``/api/questions``: filtered pages, one question, its forecasts and its resolution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from forecasts.domain import Forecast, Question, QuestionKind, QuestionStatus, Resolution
from forecasts.errors import NotFoundError
from forecasts.services import add_question, queries
from forecasts.timeutils import utc_now

from ..deps import AdminDep, StoreDep
from ..errors import READ_ERRORS, WRITE_ERRORS
from ..schemas import Page
from ._params import Limit, Offset, QuestionPath

__all__ = ["router"]

router = APIRouter(prefix="/api/questions", tags=["questions"])


@router.get("", response_model=Page[Question], responses=READ_ERRORS)
def list_questions(
    store: StoreDep,
    kind: QuestionKind | None = None,
    tag: Annotated[str | None, Query(max_length=200)] = None,
    state: Annotated[QuestionStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Question]:
    """Questions by close date, filtered by kind, tag and status (now)."""
    lines = queries.list_questions(store, as_of=utc_now(), status=state, tag=tag, kind=kind)
    found = [line.question for line in lines]
    return Page(data=found[offset : offset + limit], count=len(found))


@router.post(
    "", response_model=Question, status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS
)
def create_question(question: Question, store: StoreDep, _admin: AdminDep) -> Question:
    """Add a question (admin token)."""
    return add_question(store, question, as_of=utc_now())


@router.get("/{question_id}", response_model=Question, responses=READ_ERRORS)
def read_question(question_id: QuestionPath, store: StoreDep) -> Question:
    return queries.get_question(store, question_id)


@router.get("/{question_id}/forecasts", response_model=Page[Forecast], responses=READ_ERRORS)
def question_forecasts(
    question_id: QuestionPath, store: StoreDep, limit: Limit = 100, offset: Offset = 0
) -> Page[Forecast]:
    """The question's forecasts, in the order they were made."""
    queries.get_question(store, question_id)
    made = store.forecasts(question_id=question_id)
    return Page(data=made[offset : offset + limit], count=len(made))


@router.get("/{question_id}/resolution", response_model=Resolution, responses=READ_ERRORS)
def get_resolution(question_id: QuestionPath, store: StoreDep) -> Resolution:
    """The recorded resolution (corrections are listed in the ledger)."""
    queries.get_question(store, question_id)
    found = store.resolution(question_id)
    if found is None:
        raise NotFoundError("resolution for question", question_id)
    return found
