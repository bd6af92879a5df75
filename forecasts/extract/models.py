"""What extraction returns: claims (and the sentences set aside), as validated models."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Claim", "ClaimQuantity", "Extraction", "SetAside"]


class ClaimQuantity(BaseModel):
    """A stated quantity: a point or a range, with its unit and scale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    low: float | None = None
    high: float | None = None
    point: float | None = None
    unit: str | None = None
    scale: Literal["linear", "log"] = "linear"


class Claim(BaseModel):
    """One forecastable (or too vague) claim found in a text.

    ``quote`` is an exact substring of the input at ``start``..``end``. ``question`` and
    ``forecast`` are drafts in the import format, left for a person to review.
    """

    model_config = ConfigDict(extra="forbid")

    speaker: str | None
    speaker_role: str | None = None
    speaker_kind: Literal["person", "organization", "group", "unknown"] = "unknown"
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    claim: str
    made_at: date
    horizon_text: str | None = None
    window_start: date | None = None
    resolve_by: date | None = None
    probability_text: str | None = None
    probability: float | None = Field(default=None, ge=0, le=1)
    band: tuple[float, float] | None = None
    scale: str | None = None
    read_as: str | None = None
    quantity: ClaimQuantity | None = None
    forecastable: bool
    reason: str | None = None
    context: str = ""
    question: dict[str, Any] | None = None
    forecast: dict[str, Any] | None = None
    matches: list[str] = Field(default_factory=list)


class SetAside(BaseModel):
    """A sentence that looks like a claim but is a fact, a schedule or a plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["fact", "schedule", "plan"]
    quote: str
    start: int
    end: int
    reason: str


class Extraction(BaseModel):
    """Everything one run found in one text."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["rules", "llm"]
    source: str | None = None
    made_at: date
    claims: list[Claim] = Field(default_factory=list)
    not_predictions: list[SetAside] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
