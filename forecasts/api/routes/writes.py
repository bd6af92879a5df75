"""Writes on a question: post a forecast (forecaster or admin token), resolve it (admin)."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import ValidationError

from forecasts.domain import Forecast, Resolution, ResolutionMethod
from forecasts.inputs import ForecastInput, first_problem
from forecasts.services import add_forecast, add_resolution
from forecasts.timeutils import utc_now

from ..deps import AdminDep, AuthDep, StoreDep, forbidden
from ..errors import WRITE_ERRORS
from ..schemas import ForecastCreate, ResolutionCreate
from ._params import QuestionPath

__all__ = ["router"]

router = APIRouter(prefix="/api/questions", tags=["questions"])


@router.post(
    "/{question_id}/forecasts",
    response_model=Forecast,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def post_forecast(
    question_id: QuestionPath, body: ForecastCreate, store: StoreDep, principal: AuthDep
) -> Forecast:
    """Record a forecast. A forecaster token posts only as its own forecaster."""
    if not principal.is_admin and principal.forecaster != body.by:
        raise forbidden(f"this token posts only as '{principal.forecaster}', not '{body.by}'")
    fields = body.model_dump(exclude_none=True)
    try:
        entry = ForecastInput.model_validate({**fields, "question": question_id})
    except ValidationError as exc:
        raise first_problem(exc, fallback="forecast") from None
    return add_forecast(store, entry, as_of=utc_now())


@router.post(
    "/{question_id}/resolution",
    response_model=Resolution,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def post_resolution(
    question_id: QuestionPath, body: ResolutionCreate, store: StoreDep, principal: AdminDep
) -> Resolution:
    """Resolve a question by hand (admin token); later changes are corrections."""
    now = utc_now()
    try:
        resolution = Resolution(
            question_id=question_id,
            outcome=body.outcome,
            value=body.value,
            resolved_at=body.resolved_at or now,
            method=ResolutionMethod.MANUAL,
            by=principal.name,
            note=body.note,
            evidence_url=body.evidence_url,
        )
    except ValidationError as exc:
        raise first_problem(exc, fallback="resolution") from None
    return add_resolution(store, resolution, as_of=now)
