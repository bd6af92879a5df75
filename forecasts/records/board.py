"""Leaderboards: forecasters ranked by one metric over their binary standing forecasts.

Metrics (per forecaster: the mean over the binary questions they answered):

* ``brier``: Brier of the standing forecast at close (lower is better);
* ``brier_time_weighted``: the time-weighted Brier (lower is better);
* ``log_score``: log score of the standing forecast at close (lower is better);
* ``brier_relative``: Good Judgment style: the Brier at close minus the median Brier of the
  *other* forecasters on the same question (lower is better; questions nobody else
  answered are left out);
* ``peer_score``: Metaculus-style peer score (``scoring.peer_score``) of the standing
  forecasts at close (higher is better; a lone forecaster scores 0).

With ``common=True`` only the questions every ranked forecaster answered count. Intervals
are percentile bootstrap intervals of the mean (``scoring.paired_bootstrap`` against 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

import scoring
from forecasts.errors import FieldError
from forecasts.vocab import Metric

from .filters import RecordFilter
from .loader import RecordData
from .models import Interval, Leaderboard, LeaderboardEntry
from .pairs import BinaryPairs, binary_pairs

__all__ = ["METRICS", "interval_of", "leaderboard", "metric_values", "rank"]

Orientation = Literal["lower is better", "higher is better"]

METRICS: dict[Metric, tuple[Orientation, str]] = {
    Metric.BRIER: ("lower is better", "mean Brier (0..1) of the standing forecast at close"),
    Metric.BRIER_TIME_WEIGHTED: ("lower is better", "mean time-weighted Brier (0..1)"),
    Metric.LOG_SCORE: ("lower is better", "mean log score of the standing forecast at close"),
    Metric.BRIER_RELATIVE: (
        "lower is better",
        "mean of (Brier at close - median Brier of the other forecasters on the question)",
    ),
    Metric.PEER_SCORE: (
        "higher is better",
        "mean Metaculus-style peer score of the standing forecast at close",
    ),
}

_PEER_CHUNK = 20_000_000  # matrix cells per peer_score call: bounds memory


def _relative_to_median(pairs: BinaryPairs) -> NDArray[np.float64]:
    """Brier minus the median Brier of the others on the same question (NaN when alone)."""
    order = np.lexsort((pairs.brier, pairs.q))
    s, q = pairs.brier[order], pairs.q[order]
    n = s.size
    if n == 0:
        return np.zeros(0)
    starts_at = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    sizes = np.diff(np.r_[starts_at, n])
    group = np.repeat(np.arange(starts_at.size), sizes)
    start, size = starts_at[group], sizes[group]
    rank = np.arange(n) - start
    m = size - 1  # the others
    alone = m == 0
    m_safe = np.where(alone, 1, m)
    lo, hi = (m_safe - 1) // 2, m_safe // 2
    # position k among the others is position k (or k + 1, past oneself) in the sorted group
    at_lo = np.minimum(start + lo + (lo >= rank), n - 1)
    at_hi = np.minimum(start + hi + (hi >= rank), n - 1)
    relative = np.where(alone, np.nan, s - (s[at_lo] + s[at_hi]) / 2)
    out = np.empty(n)
    out[order] = relative
    return out


def _peer(pairs: BinaryPairs, n_questions: int, n_forecasters: int) -> NDArray[np.float64]:
    out = np.full(len(pairs), np.nan)
    if len(pairs) == 0:
        return out
    active_q = np.unique(pairs.q)
    dense_q = np.full(n_questions, -1, dtype=np.intp)
    dense_q[active_q] = np.arange(active_q.size)
    rows = max(1, _PEER_CHUNK // max(n_forecasters, 1))
    pq = dense_q[pairs.q]
    for begin in range(0, active_q.size, rows):
        end = min(begin + rows, active_q.size)
        sel = np.flatnonzero((pq >= begin) & (pq < end))
        matrix = np.full((end - begin, n_forecasters), np.nan)
        matrix[pq[sel] - begin, pairs.f[sel]] = pairs.p[sel]
        outcome = np.full(end - begin, 0.0)
        outcome[pq[sel] - begin] = pairs.outcome[sel]
        scores = scoring.peer_score(outcome, matrix, nan_policy="omit")
        out[sel] = scores[pq[sel] - begin, pairs.f[sel]]
    return out


def metric_values(
    pairs: BinaryPairs, metric: str, *, n_questions: int, n_forecasters: int
) -> NDArray[np.float64]:
    """The metric per pair (NaN where it is undefined)."""
    if metric == "brier":
        return pairs.brier
    if metric == "brier_time_weighted":
        return pairs.brier_time_weighted
    if metric == "log_score":
        return pairs.log_score
    if metric == "brier_relative":
        return _relative_to_median(pairs)
    if metric == "peer_score":
        return _peer(pairs, n_questions, n_forecasters)
    raise FieldError("metric", f"'{metric}' is not one of {', '.join(METRICS)}")


def _means(
    f: NDArray[np.intp], values: NDArray[np.float64], counts: NDArray[np.intp], size: int
) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(f, weights=values, minlength=size) / np.where(counts > 0, counts, 1)


def leaderboard(
    data: RecordData,
    *,
    metric: str = "brier",
    min_n: int = 1,
    common: bool = False,
    intervals: bool = True,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Leaderboard:
    """Rank forecasters with at least ``min_n`` scored questions by ``metric``."""
    if metric not in METRICS:
        raise FieldError("metric", f"'{metric}' is not one of {', '.join(METRICS)}")
    if min_n < 1:
        raise FieldError("min_n", "must be at least 1")
    nf, nq = len(data.forecasters), len(data.questions)
    pairs = binary_pairs(data)
    values = metric_values(pairs, metric, n_questions=nq, n_forecasters=nf)
    return rank(
        pairs,
        values,
        forecasters=data.forecasters,
        names=data.names,
        n_questions=nq,
        as_of=data.as_of,
        filters=data.filters,
        metric=metric,
        min_n=min_n,
        common=common,
        intervals=intervals,
        n_resamples=n_resamples,
        seed=seed,
    )


def _interval(scores: NDArray[np.float64], n_resamples: int, seed: int) -> Any:
    return scoring.paired_bootstrap(
        scores, np.zeros_like(scores), n_resamples=n_resamples, seed=seed
    )


def _direct(_key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return compute()


def interval_of(
    scores: NDArray[np.float64],
    n_resamples: int,
    seed: int,
    memo: Callable[[tuple[Any, ...], Callable[[], Any]], Any] = _direct,
) -> Interval | None:
    """The bootstrap interval of one forecaster's mean score (None when it has none)."""
    # A bootstrap needs two scores at least, all finite (a certain forecast that was
    # wrong has an infinite log score: its mean is infinite and has no interval).
    if scores.size < 2 or not np.isfinite(scores).all():
        return None
    boot = memo(
        ("board_interval", scores.tobytes(), n_resamples, seed),
        partial(_interval, scores, n_resamples, seed),
    )
    return Interval(low=boot.low, high=boot.high, level=boot.level)


def rank(
    pairs: BinaryPairs,
    values: NDArray[np.float64],
    *,
    forecasters: Sequence[str],
    names: Sequence[str],
    n_questions: int,
    as_of: datetime,
    filters: RecordFilter,
    metric: str,
    min_n: int = 1,
    common: bool = False,
    intervals: bool = True,
    n_resamples: int = 1000,
    seed: int = 0,
    memo: Callable[[tuple[Any, ...], Callable[[], Any]], Any] = _direct,
) -> Leaderboard:
    """The leaderboard from the pairs and their ``metric`` values (``memo`` may cache the
    bootstrap intervals, keyed by the scores they resample)."""
    if metric not in METRICS:
        raise FieldError("metric", f"'{metric}' is not one of {', '.join(METRICS)}")
    if min_n < 1:
        raise FieldError("min_n", "must be at least 1")
    nf, nq = len(forecasters), n_questions
    keep = ~np.isnan(values)
    counts = np.bincount(pairs.f[keep], minlength=nf)
    ranked = counts >= min_n
    if common:
        answered = np.bincount(pairs.q[keep & ranked[pairs.f]], minlength=nq)
        everyone = answered == int(ranked.sum())
        keep &= everyone[pairs.q]
        counts = np.bincount(pairs.f[keep], minlength=nf)
        ranked &= counts > 0
    keep &= ranked[pairs.f]
    n_questions = int(np.unique(pairs.q[keep]).size)
    kept = pairs.subset(keep)
    v = values[keep]
    counts = np.bincount(kept.f, minlength=nf)
    score = _means(kept.f, v, counts, nf)
    brier = _means(kept.f, kept.brier, counts, nf)
    weighted = _means(kept.f, kept.brier_time_weighted, counts, nf)
    log = _means(kept.f, kept.log_score, counts, nf)
    coverage = _means(kept.f, kept.coverage, counts, nf)
    orientation, description = METRICS[Metric(metric)]
    sign = 1.0 if orientation == "lower is better" else -1.0
    who = np.flatnonzero(ranked)
    who = who[np.lexsort((np.asarray(forecasters)[who], sign * score[who]))]
    by_f = np.argsort(kept.f, kind="stable")
    bounds = np.searchsorted(kept.f[by_f], np.arange(nf + 1))
    entries = []
    for rank, i in enumerate(who, start=1):
        mine = v[by_f[bounds[i] : bounds[i + 1]]]
        interval = interval_of(mine, n_resamples, seed, memo) if intervals else None
        entries.append(
            LeaderboardEntry(
                rank=rank,
                handle=forecasters[int(i)],
                name=names[int(i)],
                n=int(counts[i]),
                coverage=float(coverage[i]),
                score=float(score[i]),
                score_infinite=int(np.sign(score[i])) if np.isinf(score[i]) else 0,
                interval=interval,
                brier=float(brier[i]),
                brier_time_weighted=float(weighted[i]),
                log_score=float(log[i]),
            )
        )
    warning = None
    if common and not entries:
        warning = "no question was answered by every forecaster with enough questions"
    return Leaderboard(
        metric=metric,
        orientation=orientation,
        description=description,
        as_of=as_of,
        filters=filters,
        min_n=min_n,
        common_questions=common,
        n_questions=n_questions,
        entries=entries,
        warning=warning,
    )
