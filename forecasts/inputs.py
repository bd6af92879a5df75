"""What people type or write in import files, turned into validated domain objects.

One forecast input accepts every form the CLI and the import files take: ``p`` ("0.7",
"70%", "7:3"), ``said`` (a verbal phrase, optionally ``read_as`` a term of ``scale``),
``options`` (one probability per option), ``quantiles``, ``interval`` (low, high,
coverage, log), ``normal`` or ``lognormal``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from forecasts.domain import (
    Forecast,
    IntervalForecast,
    LognormalForecast,
    NormalForecast,
    Origin,
    Provenance,
    QuantileForecast,
    VerbalProbability,
    lookup_phrase,
    parse_probability,
)
from forecasts.domain.models import Distribution, UTCDateTime
from forecasts.errors import FieldError

__all__ = [
    "ForecastFields",
    "ForecastInput",
    "describe_validation_error",
    "first_problem",
    "probability_fields",
]


def _problems(exc: ValidationError, prefix: str, fallback: str) -> list[tuple[str, str]]:
    found = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        field = ".".join(part for part in (prefix, loc) if part) or fallback
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in ("missing",):
            message = "required"
        found.append((field, message))
    return found


def describe_validation_error(
    exc: ValidationError, prefix: str = "", fallback: str = "record"
) -> list[str]:
    """One ``field: problem`` line per pydantic error (``fallback`` names record-level ones)."""
    return [f"{field}: {problem}" for field, problem in _problems(exc, prefix, fallback)]


def first_problem(exc: ValidationError, prefix: str = "", fallback: str = "record") -> FieldError:
    """A FieldError for the first pydantic error (the CLI shows one line)."""
    return FieldError(*_problems(exc, prefix, fallback)[0])


def _probability(value: Any) -> Any:
    # Leave what is not a number or a text to pydantic, which names the field.
    if value is None or isinstance(value, bool):
        return value
    return parse_probability(value) if isinstance(value, int | float | str) else value


def probability_fields(text: str, *, field: str = "p") -> dict[str, str]:
    """One box for a binary forecast: ``{"p": ...}`` for 0.7, 70% or 7:3, ``{"said": ...}``
    for a phrase of the ICD 203 scale ("very likely").

    >>> probability_fields("70%"), probability_fields("very likely")
    ({'p': '70%'}, {'said': 'very likely'})
    """
    raw = text.strip()
    if not raw:
        raise FieldError(field, "required: 0.7, 70%, odds 7:3 or a phrase such as 'likely'")
    try:
        parse_probability(raw)
    except ValueError as exc:
        if raw[0].isdigit() or raw[0] in ".-+":
            raise FieldError(field, str(exc)) from None
        try:
            lookup_phrase(raw)
        except ValueError:
            raise FieldError(
                field, f"'{raw}' is not 0.7, 70%, odds 7:3 or a phrase such as 'likely'"
            ) from None
        return {"said": raw}
    return {"p": raw}


class ForecastFields(BaseModel):
    """The fields a person gives for a forecast, in every front end (CLI, files, API)."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(description="Handle of the forecaster the forecast is recorded for.")
    p: float | str | None = Field(
        default=None, description="Probability of YES: 0.7, '70%' or odds '7:3'."
    )
    said: str | None = None
    read_as: str | None = None
    scale: str = "icd203"
    options: dict[str, float | str] | None = None
    quantiles: dict[float, float] | list[tuple[float, float]] | None = None
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


class ForecastInput(ForecastFields):
    """A forecast on a named question: every accepted form, validated and normalised."""

    id: str | None = None
    question: str
    distribution: Distribution | None = Field(default=None)
    origin: Origin | None = None

    def _distribution(self) -> Distribution | None:
        if self.quantiles is not None:
            pairs = (
                sorted(self.quantiles.items(), key=lambda kv: kv[0])
                if isinstance(self.quantiles, dict)
                else list(self.quantiles)
            )
            return QuantileForecast(levels=[a for a, _ in pairs], values=[b for _, b in pairs])
        for given in (self.interval, self.normal, self.lognormal, self.distribution):
            if given is not None:
                return given
        return None

    def to_forecast(self, *, forecast_id: str, recorded_at: datetime) -> Forecast:
        """The domain forecast; raises FieldError naming the field on bad input."""
        forms = [
            name
            for name in (
                "p",
                "said",
                "options",
                "quantiles",
                "interval",
                "normal",
                "lognormal",
                "distribution",
            )
            if getattr(self, name) is not None
        ]
        if len(forms) != 1:
            raise FieldError(
                "forecast",
                "give exactly one of p, said, options, quantiles, interval, normal, lognormal"
                + (f" (got {', '.join(forms)})" if forms else ""),
            )
        verbal = None
        probability = float(self.p) if self.p is not None else None
        if self.said is not None:
            try:
                band = lookup_phrase(self.read_as or self.said, self.scale)
            except ValueError as exc:
                raise FieldError("read_as" if self.read_as else "said", str(exc)) from None
            verbal = VerbalProbability(
                phrase=self.said, scale=self.scale, term=band.term, low=band.low, high=band.high
            )
            probability = verbal.midpoint
        elif self.read_as is not None:
            raise FieldError("read_as", "only used together with said")
        try:
            return Forecast(
                id=self.id or forecast_id,
                question_id=self.question,
                forecaster=self.by,
                made_at=self.made_at or recorded_at,
                recorded_at=recorded_at,
                probability=probability,
                probabilities=None
                if self.options is None
                else {k: float(v) for k, v in self.options.items()},
                distribution=self._distribution(),
                verbal=verbal,
                provenance=Provenance(
                    source_url=self.source, quote=self.quote, published_at=self.published_at
                ),
                note=self.note,
                origin=self.origin,
            )
        except ValidationError as exc:
            raise first_problem(exc, fallback="forecast") from None

    @classmethod
    def from_forecast(cls, forecast: Forecast) -> ForecastInput:
        """The input that records ``forecast`` again (used by export)."""
        values: dict[str, Any] = {
            "id": forecast.id,
            "question": forecast.question_id,
            "by": forecast.forecaster,
            "made_at": forecast.made_at,
            "source": forecast.provenance.source_url,
            "quote": forecast.provenance.quote,
            "published_at": forecast.provenance.published_at,
            "note": forecast.note,
            "origin": forecast.origin,
        }
        if forecast.verbal is not None:
            values["said"] = forecast.verbal.phrase
            values["scale"] = forecast.verbal.scale
            if forecast.verbal.phrase.lower() != forecast.verbal.term:
                values["read_as"] = forecast.verbal.term
        elif forecast.probability is not None:
            values["p"] = forecast.probability
        elif forecast.probabilities is not None:
            values["options"] = dict(forecast.probabilities)
        else:
            values["distribution"] = forecast.distribution
        return cls.model_validate(values)
