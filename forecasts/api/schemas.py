"""Request and response bodies of the REST API that are not domain models themselves.

Domain models (``Forecaster``, ``Question``, ``Forecast``, ``Resolution``) are validated and
frozen, so the API returns them as they are; lists come as ``{data, count}`` pages.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forecasts.domain import (
    IntervalForecast,
    LognormalForecast,
    NormalForecast,
    parse_probability,
)
from forecasts.domain.models import UTCDateTime

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


def _probability(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return parse_probability(value) if isinstance(value, int | float | str) else value


class ForecastCreate(BaseModel):
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

    by: str = Field(description="Handle of the forecaster the forecast is recorded for.")
    p: float | str | None = Field(default=None, description="Probability of YES.")
    said: str | None = None
    read_as: str | None = None
    scale: str = "icd203"
    options: dict[str, float | str] | None = None
    quantiles: dict[str, float] | list[tuple[float, float]] | None = None
    interval: IntervalForecast | None = None
    normal: NormalForecast | None = None
    lognormal: LognormalForecast | None = None
    made_at: UTCDateTime | None = None
    source: str | None = None
    quote: str | None = None
    published_at: UTCDateTime | None = None
    note: str | None = None

    @field_validator("p", mode="before")
    @classmethod
    def _p(cls, value: Any) -> Any:
        return _probability(value)

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): _probability(v) for k, v in value.items()}
        return value


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
