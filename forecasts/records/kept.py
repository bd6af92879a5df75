"""Kept scores: the per-question rows a record is assembled from, computed once when a
question resolves (or is corrected, or gains a backdated forecast) and stored by
:mod:`forecasts.db.scores`.

The rows are exactly what the compute path derives from the raw forecasts: the standing
forecast at close and its Brier, log and time-weighted Brier scores, coverage, the Brier
relative to the others' median and the peer score (both per question, so they do not
depend on which questions a filter keeps), and the multiple-choice and numeric scores.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from forecasts.domain import QuestionKind

from .board import metric_values
from .loader import RecordData, to_datetime
from .others import describe_distribution, multiple_choice_scores, numeric_score, standing_others
from .pairs import binary_pairs

__all__ = ["SCORE_COLUMNS", "binary_forecast_text", "score_rows"]

SCORE_COLUMNS = (
    "p",
    "low",
    "high",
    "brier",
    "brier_time_weighted",
    "log_score",
    "brier_relative",
    "peer_score",
    "crps",
    "interval_score",
)
"""The float columns of a kept score (NaN is stored as NULL)."""


def binary_forecast_text(p: float, low: float | None, high: float | None) -> str:
    """How a record shows a binary standing forecast."""
    said = "" if low is None or high is None else f" (said: band {low:g}-{high:g})"
    return f"p={p:g}{said}"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _coverage(data: RecordData, q: int, first: float) -> float:
    opens, close = data.questions.opens[q], data.questions.closes[q]
    if close <= opens:
        return 1.0
    return float(np.clip((close - max(first, opens)) / (close - opens), 0.0, 1.0))


def _binary_rows(data: RecordData, late: Counter[tuple[int, int]]) -> list[dict[str, Any]]:
    qs = data.questions
    pairs = binary_pairs(data)
    sizes = {"n_questions": len(qs), "n_forecasters": len(data.forecasters)}
    relative = metric_values(pairs, "brier_relative", **sizes)
    peer = metric_values(pairs, "peer_score", **sizes)
    rows = []
    for k in range(len(pairs)):
        f, q = int(pairs.f[k]), int(pairs.q[k])
        low, high = _number(pairs.low[k]), _number(pairs.high[k])
        rows.append(
            {
                "question_id": qs.ids[q],
                "forecaster": data.forecasters[f],
                "kind": qs.kinds[q].value,
                "forecast": binary_forecast_text(float(pairs.p[k]), low, high),
                "made_at": to_datetime(pairs.made_at[k]),
                "first_at": to_datetime(pairs.first_at[k]),
                "n_forecasts": int(pairs.n_forecasts[k]),
                "n_backdated": late[(f, q)],
                "coverage": float(pairs.coverage[k]),
                "p": float(pairs.p[k]),
                "low": low,
                "high": high,
                "brier": _number(pairs.brier[k]),
                "brier_time_weighted": _number(pairs.brier_time_weighted[k]),
                "log_score": _number(pairs.log_score[k]),
                "brier_relative": _number(relative[k]),
                "peer_score": _number(peer[k]),
                "crps": None,
                "interval_score": None,
                "in_interval": None,
            }
        )
    return rows


def _other_rows(data: RecordData, late: Counter[tuple[int, int]]) -> list[dict[str, Any]]:
    qs = data.questions
    rows = []
    for who in sorted({o.forecaster for o in data.others}):
        for q, (other, count, first) in sorted(standing_others(data, who).items()):
            row: dict[str, Any] = dict.fromkeys(SCORE_COLUMNS)
            row.update(
                question_id=qs.ids[q],
                forecaster=data.forecasters[who],
                kind=qs.kinds[q].value,
                made_at=to_datetime(other.t),
                first_at=to_datetime(first),
                n_forecasts=count,
                n_backdated=late[(who, q)],
                coverage=_coverage(data, q, first),
                in_interval=None,
            )
            if qs.kinds[q] is QuestionKind.MULTIPLE_CHOICE and other.probabilities is not None:
                b, lg = multiple_choice_scores(
                    qs.options[q], other.probabilities, int(qs.outcome[q])
                )
                text = ", ".join(f"{k}={v:g}" for k, v in other.probabilities.items())
                row.update(forecast=text, brier=_number(b), log_score=_number(lg))
            elif qs.kinds[q] is QuestionKind.NUMERIC and other.distribution is not None:
                s = numeric_score(other.distribution, float(qs.outcome[q]))
                row.update(
                    forecast=describe_distribution(other.distribution),
                    crps=_number(s.crps),
                    interval_score=_number(s.interval_score),
                    in_interval=s.inside,
                )
            else:
                continue
            rows.append(row)
    return rows


def score_rows(data: RecordData) -> list[dict[str, Any]]:
    """One row per (forecaster, question) with a standing forecast in ``data`` (which must be
    unfiltered: every forecaster's forecasts on the questions to keep)."""
    late: Counter[tuple[int, int]] = Counter(
        zip(data.f[data.backdated].tolist(), data.q[data.backdated].tolist(), strict=True)
    )
    for other in data.others:
        if other.backdated:
            late[(other.forecaster, other.question)] += 1
    return _binary_rows(data, late) + _other_rows(data, late)
