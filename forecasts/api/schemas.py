"""Request and response bodies of the REST API that are not domain models themselves.

Domain models (``Forecaster``, ``Question``, ``Forecast``, ``Resolution``) are validated and
frozen, so the API returns them as they are; lists come as ``{data, count}`` pages.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from forecasts.domain.models import UTCDateTime
from forecasts.inputs import ForecastFields

__all__ = [
    "ErrorBody",
    "ErrorDetail",
    "ForecastCreate",
    "Health",
    "LedgerHeadPublic",
    "Page",
    "ResolutionCreate",
    "UnprocessableBody",
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and how many there are in all."""

    data: list[T]
    count: int = Field(description="Total number of items matching the query.")


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a one-line message (``field`` for a bad field)."""

    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """The error shape of every non-validation error."""

    detail: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"detail": {"code": "not_found", "message": "no question with id 'Z9'"}}]
        }
    )


class UnprocessableBody(BaseModel):
    """422: FastAPI's validation list, or an ``ErrorDetail`` for a field the domain refused."""

    detail: list[dict[str, Any]] | ErrorDetail


class Health(BaseModel):
    """A trivial answer: the service is up."""

    status: str = "ok"


class LedgerHeadPublic(BaseModel):
    """The newest ledger event; publish it to prove later what the ledger held."""

    seq: int
    hash: str


class ForecastCreate(ForecastFields):
    """A forecast to record on the question in the path; give exactly one form.

    ``p`` (0.7, "70%" or odds "7:3"), ``said`` (a verbal phrase, optionally ``read_as`` a
    term of ``scale``), ``options`` (multiple choice), or for numeric questions
    ``quantiles``, ``interval``, ``normal`` or ``lognormal``. ``made_at`` defaults to now;
    a past ``made_at`` (a quoted claim) should come with its ``source``.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"by": "alice", "p": 0.7, "made_at": "2026-02-01T00:00:00Z"},
                {
                    "by": "yao-shunyu",
                    "said": "high likelihood",
                    "read_as": "very likely",
                    "made_at": "2026-01-10",
                    "source": "https://www.reuters.com/",
                    "quote": "(paraphrase) a high likelihood ...",
                },
                {"by": "lin-junyang", "interval": {"low": 10, "high": 100, "coverage": 0.9,
                                                   "log_scale": True}},
            ]
        },
    )  # fmt: skip


class ResolutionCreate(BaseModel):
    """The outcome of the question in the path: yes/no, an option, ``value``, or annulled."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "yes", "resolved_at": "2026-01-10T00:00:00Z", "note": "HKEX close"}
            ]
        },
    )

    outcome: str
    value: float | None = Field(default=None, allow_inf_nan=False)
    resolved_at: UTCDateTime | None = None
    note: str = ""
    evidence_url: str | None = None
