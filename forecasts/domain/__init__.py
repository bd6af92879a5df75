"""Domain models and rules: framework-free, validated, and never reading the clock."""

from __future__ import annotations

from forecasts.domain.models import CLOCK_SKEW as CLOCK_SKEW
from forecasts.domain.models import Correction as Correction
from forecasts.domain.models import Distribution as Distribution
from forecasts.domain.models import Forecast as Forecast
from forecasts.domain.models import Forecaster as Forecaster
from forecasts.domain.models import ForecasterKind as ForecasterKind
from forecasts.domain.models import IntervalForecast as IntervalForecast
from forecasts.domain.models import LognormalForecast as LognormalForecast
from forecasts.domain.models import NormalForecast as NormalForecast
from forecasts.domain.models import NumericScale as NumericScale
from forecasts.domain.models import Operationalization as Operationalization
from forecasts.domain.models import Origin as Origin
from forecasts.domain.models import Provenance as Provenance
from forecasts.domain.models import QuantileForecast as QuantileForecast
from forecasts.domain.models import Question as Question
from forecasts.domain.models import QuestionKind as QuestionKind
from forecasts.domain.models import Resolution as Resolution
from forecasts.domain.models import ResolutionMethod as ResolutionMethod
from forecasts.domain.models import VerbalProbability as VerbalProbability
from forecasts.domain.probability import parse_probability as parse_probability
from forecasts.domain.rules import check_forecast_fits as check_forecast_fits
from forecasts.domain.rules import check_outcome as check_outcome
from forecasts.domain.rules import question_status as question_status
from forecasts.domain.verbal import SCALES as SCALES
from forecasts.domain.verbal import VerbalBand as VerbalBand
from forecasts.domain.verbal import lookup_phrase as lookup_phrase
from forecasts.vocab import CheckState as CheckState
from forecasts.vocab import Metric as Metric
from forecasts.vocab import QuestionStatus as QuestionStatus
from forecasts.vocab import SweepResult as SweepResult

__all__ = [
    "CLOCK_SKEW",
    "SCALES",
    "CheckState",
    "Correction",
    "Distribution",
    "Forecast",
    "Forecaster",
    "ForecasterKind",
    "IntervalForecast",
    "LognormalForecast",
    "Metric",
    "NormalForecast",
    "NumericScale",
    "Operationalization",
    "Origin",
    "Provenance",
    "QuantileForecast",
    "Question",
    "QuestionKind",
    "QuestionStatus",
    "Resolution",
    "ResolutionMethod",
    "SweepResult",
    "VerbalBand",
    "VerbalProbability",
    "check_forecast_fits",
    "check_outcome",
    "lookup_phrase",
    "parse_probability",
    "question_status",
]
