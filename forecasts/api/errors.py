"""The one translation of application errors into HTTP answers (DESIGN.md section 7).

``{"detail": {"code": ..., "message": ...}}`` (plus ``field`` for a bad field); FastAPI's own
422 validation body is kept as it is.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from forecasts.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    ForecastsError,
    InputError,
    NotFoundError,
)

from .schemas import ErrorBody, UnprocessableBody

__all__ = ["ERRORS", "READ_ERRORS", "WRITE_ERRORS", "error_response", "status_for"]


def status_for(exc: ForecastsError) -> int:
    """403 forbidden, 404 not found, 409 conflict, 422 other bad input, 500 a failed operation."""
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, InputError):
        return 422
    return 500


async def error_response(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ForecastsError)
    detail: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, FieldError):
        detail["field"] = exc.field
    return JSONResponse(status_code=status_for(exc), content={"detail": detail})


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or unknown bearer token."},
    403: {"model": ErrorBody, "description": "The token may not do this."},
    404: {"model": ErrorBody, "description": "No such forecaster or question."},
    409: {"model": ErrorBody, "description": "Already exists (or already resolved)."},
    422: {"model": UnprocessableBody, "description": "Invalid input; names the field."},
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {code: ERRORS[code] for code in (404, 422)}
WRITE_ERRORS = ERRORS
