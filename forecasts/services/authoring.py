"""Use cases of the web forms: questions with an owner, quick capture, resolving as a person,
and which forecasts a signed-in forecaster may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from forecasts.db import web as _rows
from forecasts.db.checks import write_record
from forecasts.db.store import Store
from forecasts.domain import Forecast, Question, QuestionKind, Resolution
from forecasts.errors import FieldError, ForbiddenError, NotFoundError
from forecasts.inputs import ForecastInput, first_problem, probability_fields
from forecasts.quick import QuickCapture

from .forecasting import build_forecast, new_id
from .recording import check_resolution_spec
from .resolving import resolve_by_hand

__all__ = [
    "Comment",
    "QuestionSettings",
    "comment",
    "comments_on",
    "create_question",
    "may_resolve",
    "predict",
    "question_settings",
    "resolve_as",
    "settings_and_comments",
    "visible_forecasts",
]

QuestionSettings = _rows.WebQuestion
Comment = _rows.StoredComment
MAX_COMMENT = 4000


def comment(store: Store, question_id: str, *, by: str, body: str, as_of: datetime) -> Comment:
    """A forecaster's comment on a question (kept with the question, outside the ledger)."""
    text = body.strip()
    if not text:
        raise FieldError("comment", "required: say something")
    if len(text) > MAX_COMMENT:
        raise FieldError("comment", f"longer than {MAX_COMMENT} characters")
    if store.question(question_id) is None:
        raise NotFoundError("question", question_id)
    if store.forecaster(by) is None:
        raise NotFoundError("forecaster", by)
    return _rows.add_comment(store, question_id, author=by, body=text, as_of=as_of)


def comments_on(store: Store, question_id: str) -> list[Comment]:
    return _rows.comments(store, question_id)


def question_settings(store: Store, question_id: str) -> QuestionSettings:
    return _rows.question_web(store, question_id)


def settings_and_comments(store: Store, question_id: str) -> tuple[QuestionSettings, list[Comment]]:
    """The question's web settings and its comments, in one read (its page needs both)."""
    return _rows.question_page_extras(store, question_id)


def create_question(
    store: Store, question: Question, *, owner: str, hide_forecasts: bool, as_of: datetime
) -> Question:
    """Record a question created by ``owner`` (who may resolve it) with its web settings."""
    if store.forecaster(owner) is None:
        raise NotFoundError("forecaster", owner)
    check_resolution_spec(question)
    with store.transaction() as session:
        write_record(store, session, question, as_of=as_of)
        _rows.put_question_web(session, question.id, QuestionSettings(owner, hide_forecasts))
    return question


def predict(
    store: Store,
    capture: QuickCapture,
    *,
    by: str,
    as_of: datetime,
    note: str | None = None,
) -> tuple[Question, Forecast]:
    """Quick capture: a binary question that ``by`` owns and ``by``'s forecast on it, written
    together or not at all."""
    if capture.deadline <= as_of:
        raise FieldError("by", f"{capture.deadline.date().isoformat()} has passed")
    fields: dict[str, Any] = {
        "id": new_id("q"),
        "title": capture.title,
        "kind": QuestionKind.BINARY,
        "opens_at": as_of,
        "closes_at": capture.deadline,
        "deadline": capture.deadline,
        "criteria": f"Resolves YES if this happens by {capture.deadline.date().isoformat()}.",
    }
    try:
        question = Question.model_validate(fields)
    except ValidationError as exc:
        raise FieldError("by", first_problem(exc).problem) from None
    try:
        entry = ForecastInput.model_validate(
            {
                "question": question.id,
                "by": by,
                "note": note or None,
                **probability_fields(capture.probability),
            }
        )
    except ValidationError as exc:
        raise first_problem(exc, fallback="p") from None
    forecast = build_forecast(
        entry, question=question, forecaster_known=store.forecaster(by) is not None, as_of=as_of
    )
    with store.transaction() as session:
        write_record(store, session, question, as_of=as_of)
        _rows.put_question_web(session, question.id, QuestionSettings(by, False))
        store.record(session, forecast, as_of=as_of)
    return question, forecast


def may_resolve(store: Store, question_id: str, *, handle: str, admin: bool) -> bool:
    """The question's owner and admins may resolve or annul it."""
    return admin or question_settings(store, question_id).owner == handle


def resolve_as(
    store: Store,
    question_id: str,
    *,
    outcome: str,
    handle: str,
    admin: bool,
    note: str,
    as_of: datetime,
) -> Resolution:
    """Resolve (or, with outcome ``annulled``, annul) a question as a signed-in person."""
    if store.question(question_id) is None:
        raise NotFoundError("question", question_id)
    if not may_resolve(store, question_id, handle=handle, admin=admin):
        raise ForbiddenError(f"only the owner of question {question_id} or an admin may resolve it")
    return resolve_by_hand(store, question_id, outcome=outcome, by=handle, note=note, as_of=as_of)


def visible_forecasts(
    store: Store,
    question_id: str,
    forecasts: list[Forecast],
    *,
    viewer: str | None,
    settings: QuestionSettings | None = None,
) -> tuple[list[Forecast], int]:
    """The forecasts ``viewer`` may see, and how many are hidden from them.

    On a question that hides forecasts, a forecaster sees others' only after forecasting
    themselves; visitors who are not signed in see none until it resolves.
    """
    if settings is None:
        settings = question_settings(store, question_id)
    if not settings.hide_forecasts:
        return forecasts, 0
    if store.resolution(question_id) is not None:
        return forecasts, 0
    if viewer is not None and any(f.forecaster == viewer for f in forecasts):
        return forecasts, 0
    shown = [f for f in forecasts if f.forecaster == viewer]
    return shown, len(forecasts) - len(shown)
