"""Result models of track records, leaderboards and comparisons (JSON-ready).

Figures that are undefined or infinite (a log score after a forecast of 0 on what happened,
a skill score when every outcome was the same) are ``None``: JSON has no NaN or infinity.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .filters import RecordFilter

__all__ = [
    "CONVENTIONS",
    "CalibrationBinOut",
    "Comparison",
    "ComparisonRow",
    "CorpOut",
    "Figure",
    "Interval",
    "Leaderboard",
    "LeaderboardEntry",
    "MurphyOut",
    "PlatformScore",
    "QuestionScore",
    "ReliabilityOut",
    "TrackRecord",
    "VerbalRange",
]


def _finite_or_none(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


Figure = Annotated[float | None, BeforeValidator(_finite_or_none)]
"""A float, or None when it is undefined (NaN) or infinite."""

CONVENTIONS: dict[str, str] = {
    "brier": "(p - o)^2 on a 0..1 scale for the standing forecast at close, mean over "
    "binary questions; lower is better",
    "brier_time_weighted": "Brier of the standing forecast averaged over the open window "
    "after the forecaster's first forecast (time before it excluded)",
    "log_score": "-ln(probability given to what happened), natural log; lower is better",
    "brier_multiple_choice": "sum over options of (f_k - o_k)^2, 0..2 scale",
    "coverage": "fraction of the question's open window [opens_at, close] with a standing forecast",
    "close": "the earlier of closes_at and the resolution time",
    "questions": "resolved, non-annulled questions only, outcome after corrections",
    "sharpness": "mean of |2p - 1| over binary standing forecasts: 0 always 50%, 1 always certain",
    "verbal": "for forecasts stated in words, the score range as each probability moves "
    "across its stated band (other forecasts fixed)",
    "interval_score": "central interval: the stated one for interval forecasts, the 90% "
    "interval of normal/lognormal forecasts, the widest symmetric pair of quantiles",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Interval(_Model):
    """A percentile bootstrap interval."""

    low: Figure
    high: Figure
    level: float


class CalibrationBinOut(_Model):
    """One calibration bin with its Wilson interval."""

    lower: float
    upper: float
    count: int
    mean_forecast: Figure
    observed_frequency: Figure
    wilson_low: Figure
    wilson_high: Figure


class MurphyOut(_Model):
    """Murphy decomposition of the mean Brier: score = rel - res + unc + residual."""

    score: Figure
    reliability: Figure
    resolution: Figure
    uncertainty: Figure
    residual: Figure
    bins: int


class CorpOut(_Model):
    """CORP decomposition: score = mcb - dsc + unc."""

    score: Figure
    mcb: Figure
    dsc: Figure
    unc: Figure
    rule: str


class ReliabilityOut(_Model):
    """CORP reliability diagram points and its consistency band."""

    x: list[float]
    cep: list[float]
    band_low: list[float]
    band_high: list[float]
    level: float


class VerbalRange(_Model):
    """How the mean scores move across the stated bands of verbal forecasts."""

    n_verbal: int
    brier_low: Figure
    brier_high: Figure
    log_score_low: Figure
    log_score_high: Figure


class QuestionScore(_Model):
    """One question of a track record."""

    question_id: str
    title: str
    kind: str
    outcome: str
    forecast: str
    made_at: datetime
    n_forecasts: int
    coverage: Figure
    brier: Figure = None
    brier_time_weighted: Figure = None
    log_score: Figure = None
    crps: Figure = None
    interval_score: Figure = None
    in_interval: bool | None = None
    band: tuple[float, float] | None = None


class PlatformScore(_Model):
    """A platform's own score beside ours, over the same questions."""

    platform: str
    metric: str
    n: int = Field(description="Questions of this record the platform's export scored.")
    theirs: Figure = Field(description="The platform's mean score, on its own scale.")
    theirs_on_our_scale: Figure
    ours: Figure = Field(description="Our mean score over the same questions.")
    why_they_differ: str


class TrackRecord(_Model):
    """A forecaster's record over resolved, non-annulled questions."""

    handle: str
    name: str
    as_of: datetime
    filters: RecordFilter
    n: int = Field(description="Resolved, non-annulled questions the forecaster answered.")
    n_binary: int
    n_multiple_choice: int
    n_numeric: int
    questions_available: int = Field(description="Resolved questions matching the filter.")
    backdated: int = Field(
        description="Scored forecasts made (by their own account) before they were recorded."
    )
    coverage: Figure
    brier: Figure
    brier_interval: Interval | None
    brier_time_weighted: Figure
    log_score: Figure
    brier_skill_vs_half: Figure
    brier_skill_vs_base_rate: Figure
    base_rate: Figure
    sharpness: Figure
    murphy: MurphyOut | None
    corp: CorpOut | None
    calibration: list[CalibrationBinOut]
    reliability: ReliabilityOut | None
    verbal: VerbalRange | None
    brier_multiple_choice: Figure
    log_score_multiple_choice: Figure
    crps: Figure
    interval_score: Figure
    interval_coverage: Figure
    warning: str | None
    conventions: dict[str, str]
    questions: list[QuestionScore]
    platform_scores: list[PlatformScore] = Field(default_factory=list)


class LeaderboardEntry(_Model):
    """One forecaster's line on a leaderboard."""

    rank: int
    handle: str
    name: str
    n: int
    coverage: Figure
    score: Figure
    score_infinite: int = Field(
        default=0,
        description="1 or -1 when the mean score is +inf or -inf (a certain forecast that "
        "was wrong has an infinite log score); ``score`` is then null, and an infinitely bad "
        "score ranks last.",
    )
    interval: Interval | None
    brier: Figure
    brier_time_weighted: Figure
    log_score: Figure


class Leaderboard(_Model):
    """Forecasters ranked by one metric."""

    metric: str
    orientation: Literal["lower is better", "higher is better"]
    description: str
    as_of: datetime
    filters: RecordFilter
    min_n: int
    common_questions: bool
    n_questions: int
    entries: list[LeaderboardEntry]
    warning: str | None = None


class ComparisonRow(_Model):
    """Both forecasters' scores on one question."""

    question_id: str
    score_a: Figure
    score_b: Figure


class Comparison(_Model):
    """Two forecasters on the questions both answered (differences are a - b)."""

    a: str
    b: str
    metric: str
    orientation: Literal["lower is better", "higher is better"]
    as_of: datetime
    filters: RecordFilter
    n: int
    mean_a: Figure
    mean_b: Figure
    mean_difference: Figure
    interval: Interval | None
    diebold_mariano_statistic: Figure
    diebold_mariano_pvalue: Figure
    permutation_pvalue: Figure
    warning: str | None
    questions: list[ComparisonRow]
