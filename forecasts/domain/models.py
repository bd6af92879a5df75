"""The domain: forecasters, questions, forecasts, resolutions and corrections.

Validated, frozen pydantic models. Storage rows live in ``forecasts.db.tables`` and never
replace these: rows skip validation, these do not.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from statistics import NormalDist
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from forecasts.timeutils import parse_datetime, parse_duration
from forecasts.vocab import ForecasterKind, QuestionKind, ResolutionMethod

__all__ = [
    "Distribution",
    "Forecast",
    "Forecaster",
    "ForecasterKind",
    "IntervalForecast",
    "LognormalForecast",
    "NormalForecast",
    "NumericScale",
    "Operationalization",
    "Provenance",
    "QuantileForecast",
    "Question",
    "QuestionKind",
    "Resolution",
    "ResolutionMethod",
    "Correction",
    "UTCDateTime",
    "VerbalProbability",
]

OPTION_SUM_TOLERANCE = 1e-9


def _to_utc(value: Any) -> Any:
    if isinstance(value, str | datetime) or type(value).__name__ == "date":
        return parse_datetime(value)
    return value


def _to_duration(value: Any) -> Any:
    if isinstance(value, str) and value[:1].isdigit():
        return parse_duration(value)
    return value


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    # Arithmetic near datetime.max overflows (checks, grace periods, charts): refuse early.
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value.isoformat()} is outside {EARLIEST.year}..{LATEST.year}")
    return value


UTCDateTime = Annotated[datetime, BeforeValidator(_to_utc), AfterValidator(_in_range)]
"""A timezone-aware UTC datetime in 1900..2200; ISO strings with an offset or Z, or bare
dates (00:00 UTC)."""

Text = Annotated[str, StringConstraints(max_length=4000)]
"""A note, quote, reason or criterion: bounded, so no one stores megabytes in the ledger."""
LongText = Annotated[str, StringConstraints(max_length=20000)]
Url = Annotated[str, StringConstraints(max_length=2000)]

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


CLOCK_SKEW = timedelta(minutes=5)
"""How far in the past a forecast's own ``made_at`` may lie without counting as backdated."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Forecaster(_Model):
    """A person, organization, model or crowd whose forecasts are recorded."""

    handle: Identifier
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    kind: ForecasterKind = ForecasterKind.PERSON
    affiliation: str | None = Field(default=None, max_length=200)


class NumericScale(_Model):
    """The scale of a numeric question."""

    log_scale: bool = False
    lower: float | None = Field(default=None, allow_inf_nan=False)
    upper: float | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = None

    @model_validator(mode="after")
    def _check(self) -> NumericScale:
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(f"lower bound {self.lower:g} must be below upper {self.upper:g}")
        if self.log_scale and self.lower is not None and self.lower <= 0:
            raise ValueError("a log scale needs a positive lower bound")
        return self


class Operationalization(_Model):
    """How a vague statement was made precise, by whom, and what else was considered."""

    note: Text
    by: str | None = Field(default=None, max_length=200)
    alternatives: list[str] = Field(default_factory=list)


class Provenance(_Model):
    """Where a forecast was stated."""

    source_url: Url | None = None
    quote: Text | None = None
    published_at: UTCDateTime | None = None


class Origin(_Model):
    """Where an imported forecast came from: kept so an auditor can trace it back."""

    platform: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    file: str | None = Field(default=None, max_length=1000)
    file_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    url: str | None = Field(default=None, max_length=2000)
    platform_id: str | None = Field(default=None, max_length=200)
    platform_score: float | None = Field(
        default=None, allow_inf_nan=False, exclude_if=lambda score: score is None
    )
    """The platform's own score of the forecaster on this question, where its export carries
    one (Fatebook's Brier). Left out when absent, so older ledger payloads are unchanged."""


class Question(_Model):
    """A resolvable proposition with its timing and resolution criteria."""

    id: Identifier
    title: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    kind: QuestionKind
    options: list[str] = Field(default_factory=list)
    scale: NumericScale | None = None
    opens_at: UTCDateTime
    closes_at: UTCDateTime
    resolve_on: UTCDateTime | None = None
    deadline: UTCDateTime | None = None
    check_every: Annotated[timedelta | None, BeforeValidator(_to_duration)] = None
    criteria: LongText = ""
    resolution: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    operationalization: Operationalization | None = None
    notes: LongText | None = None

    @model_validator(mode="after")
    def _check(self) -> Question:
        if self.check_every is not None and self.check_every <= timedelta(0):
            raise ValueError("check_every must be a positive duration, e.g. 1d")
        if self.closes_at < self.opens_at:
            raise ValueError(
                f"closes_at {self.closes_at.isoformat()} is before opens_at "
                f"{self.opens_at.isoformat()}"
            )
        if (self.resolve_on is None) == (self.deadline is None):
            raise ValueError("give exactly one of resolve_on and deadline")
        if self.deadline is not None and self.deadline < self.opens_at:
            raise ValueError("deadline is before opens_at")
        if self.resolve_on is not None and self.resolve_on < self.opens_at:
            raise ValueError("resolve_on is before opens_at")
        if self.kind is QuestionKind.MULTIPLE_CHOICE:
            if len(self.options) < 2:
                raise ValueError("a multiple_choice question needs at least two options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("options must be distinct")
        elif self.options:
            raise ValueError(f"options are only for multiple_choice questions, not {self.kind}")
        if self.scale is not None and self.kind is not QuestionKind.NUMERIC:
            raise ValueError("scale is only for numeric questions")
        if len(set(self.tags)) != len(self.tags):
            raise ValueError("tags must be distinct")
        return self

    @property
    def resolves_at(self) -> datetime:
        """When the outcome is decided: ``resolve_on`` or the deadline."""
        moment = self.resolve_on if self.resolve_on is not None else self.deadline
        assert moment is not None  # guaranteed by the validator
        return moment


class QuantileForecast(_Model):
    """A numeric forecast given as quantiles: P(X <= values[i]) = levels[i]."""

    type: Literal["quantiles"] = "quantiles"
    levels: list[Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]]
    values: list[Annotated[float, Field(allow_inf_nan=False)]]

    @model_validator(mode="after")
    def _check(self) -> QuantileForecast:
        if not self.levels:
            raise ValueError("give at least one quantile")
        if len(self.levels) != len(self.values):
            raise ValueError(f"{len(self.levels)} levels but {len(self.values)} values")
        for i in range(1, len(self.levels)):
            if self.levels[i] <= self.levels[i - 1]:
                raise ValueError(
                    f"quantile levels must increase: level {self.levels[i]:g} at position "
                    f"{i} follows {self.levels[i - 1]:g}"
                )
            if self.values[i] < self.values[i - 1]:
                raise ValueError(
                    f"quantile values must not decrease: value {self.values[i]:g} at "
                    f"position {i} follows {self.values[i - 1]:g}"
                )
        return self


class NormalForecast(_Model):
    """A normal distribution."""

    type: Literal["normal"] = "normal"
    mu: float = Field(allow_inf_nan=False)
    sigma: float = Field(gt=0.0, allow_inf_nan=False)


class LognormalForecast(_Model):
    """A lognormal distribution: log X ~ N(mulog, sigmalog^2), natural logarithms."""

    type: Literal["lognormal"] = "lognormal"
    mulog: float = Field(allow_inf_nan=False)
    sigmalog: float = Field(gt=0.0, allow_inf_nan=False)


class IntervalForecast(_Model):
    """A stated central interval with its coverage, e.g. "10 to 100, 90%, log scale".

    Kept as stated; for scoring it is read as the normal (or, on a log scale, lognormal)
    distribution whose central ``coverage`` interval is [low, high].
    """

    type: Literal["interval"] = "interval"
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    coverage: float = Field(gt=0.0, lt=1.0, allow_inf_nan=False)
    log_scale: bool = False

    @model_validator(mode="after")
    def _check(self) -> IntervalForecast:
        if self.low >= self.high:
            raise ValueError(f"interval low {self.low:g} must be below high {self.high:g}")
        if self.log_scale and self.low <= 0:
            raise ValueError("a log-scale interval needs a positive low end")
        return self

    def as_parametric(self) -> NormalForecast | LognormalForecast:
        """The distribution this interval implies.

        >>> IntervalForecast(low=10, high=100, coverage=0.9, log_scale=True).as_parametric()
        LognormalForecast(type='lognormal', mulog=3.4538776, sigmalog=0.6999362)
        """
        z = NormalDist().inv_cdf(0.5 + self.coverage / 2)
        if self.log_scale:
            lo, hi = math.log(self.low), math.log(self.high)
            return LognormalForecast(mulog=(lo + hi) / 2, sigmalog=(hi - lo) / (2 * z))
        return NormalForecast(mu=(self.low + self.high) / 2, sigma=(self.high - self.low) / (2 * z))


Distribution = Annotated[
    QuantileForecast | NormalForecast | LognormalForecast | IntervalForecast,
    Field(discriminator="type"),
]


class VerbalProbability(_Model):
    """A probability stated in words, the scale used to read it and the band it maps to."""

    phrase: str
    scale: str
    term: str
    low: Probability
    high: Probability

    @property
    def midpoint(self) -> float:
        return round((self.low + self.high) / 2, 10)


class Forecast(_Model):
    """One forecaster's belief about one question at one time. Append-only."""

    id: Identifier
    question_id: Identifier
    forecaster: Identifier
    made_at: UTCDateTime
    recorded_at: UTCDateTime
    probability: Probability | None = None
    probabilities: dict[str, Probability] | None = None
    distribution: Distribution | None = None
    verbal: VerbalProbability | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    note: Text | None = None
    origin: Origin | None = None
    """Set for forecasts imported from a file or another platform."""

    @property
    def backdated(self) -> bool:
        """Made (by its own account) before it was recorded, beyond the allowed clock skew."""
        return self.made_at < self.recorded_at - CLOCK_SKEW

    @model_validator(mode="after")
    def _check(self) -> Forecast:
        given = [
            name
            for name in ("probability", "probabilities", "distribution")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of probability, probabilities or distribution"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.probabilities is not None:
            total = math.fsum(self.probabilities.values())
            if abs(total - 1.0) > OPTION_SUM_TOLERANCE:
                raise ValueError(f"option probabilities must sum to 1, they sum to {total:.12g}")
        if self.verbal is not None:
            if self.probability is None:
                raise ValueError("a verbal forecast is a binary probability")
            if abs(self.probability - self.verbal.midpoint) > 1e-12:
                raise ValueError(
                    f"probability {self.probability:g} is not the midpoint "
                    f"{self.verbal.midpoint:g} of the stated band"
                )
        return self


class Resolution(_Model):
    """The outcome of a question, or its annulment."""

    question_id: Identifier
    outcome: str
    value: float | None = Field(default=None, allow_inf_nan=False)
    resolved_at: UTCDateTime
    method: ResolutionMethod = ResolutionMethod.MANUAL
    by: str | None = Field(default=None, max_length=200)
    note: Text = ""
    evidence_url: Url | None = None
    evidence_sha256: list[str] = Field(default_factory=list)
    recorded_evidence: bool = Field(default=False, exclude_if=lambda recorded: not recorded)
    """The outcome was read from recorded (replayed) responses, not fetched live.

    Serialised only when true, so the ledger payload of every live resolution, including those
    written before this field existed, is unchanged."""

    @property
    def annulled(self) -> bool:
        return self.outcome == "annulled"


class Correction(_Model):
    """A recorded correction of a wrong resolution; the original stays in the ledger."""

    question_id: Identifier
    previous_outcome: str
    outcome: str
    value: float | None = Field(default=None, allow_inf_nan=False)
    corrected_at: UTCDateTime
    by: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
