"""Two forecasters head to head on the binary questions both answered.

Scores are paired by question and ordered by the questions' close (the time order the
Diebold-Mariano test assumes). Differences are ``a - b``: for a loss, negative favours ``a``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

import scoring
from forecasts.errors import FieldError
from forecasts.vocab import Metric

from .board import METRICS, metric_values
from .loader import RecordData
from .models import Comparison, ComparisonRow, Interval
from .pairs import binary_pairs
from .track import DEFAULT_MIN_N

__all__ = ["COMPARE_METRICS", "compare"]

COMPARE_METRICS = ("brier", "brier_time_weighted", "log_score")

T = TypeVar("T")


def _maybe(compute: Callable[[], T]) -> T | None:
    """The result, or None when scoring refuses the data (e.g. no variance in differences)."""
    try:
        return compute()
    except ValueError:
        return None


def compare(
    data: RecordData,
    a: str,
    b: str,
    *,
    metric: str = "brier",
    n_resamples: int = 9999,
    seed: int = 0,
) -> Comparison:
    """Mean difference, bootstrap interval, Diebold-Mariano and permutation p-values."""
    if metric not in COMPARE_METRICS:
        raise FieldError("metric", f"'{metric}' is not one of {', '.join(COMPARE_METRICS)}")
    ia, ib = data.forecaster_index(a), data.forecaster_index(b)
    if ia == ib:
        raise FieldError("b", "compare two different forecasters")
    pairs = binary_pairs(data, forecaster=[ia, ib])
    values = metric_values(
        pairs, metric, n_questions=len(data.questions), n_forecasters=len(data.forecasters)
    )
    by_a = {int(q): float(v) for q, v, f in zip(pairs.q, values, pairs.f, strict=True) if f == ia}
    by_b = {int(q): float(v) for q, v, f in zip(pairs.q, values, pairs.f, strict=True) if f == ib}
    both = sorted(set(by_a) & set(by_b), key=lambda q: (data.questions.closes[q], q))
    sa = np.array([by_a[q] for q in both], dtype=np.float64)
    sb = np.array([by_b[q] for q in both], dtype=np.float64)
    n = len(both)
    boot = dm = perm = None
    if n >= 1:
        with np.errstate(invalid="ignore"):
            boot = _maybe(
                lambda: scoring.paired_bootstrap(sa, sb, n_resamples=n_resamples, seed=seed)
            )
    if n >= 2:
        dm = _maybe(lambda: scoring.diebold_mariano(sa, sb))
        perm = _maybe(lambda: scoring.permutation_test(sa, sb, seed=seed))
    warning = None
    if n < DEFAULT_MIN_N:
        warning = (
            f"only {n} question{'s' if n != 1 else ''} answered by both (fewer than "
            f"{DEFAULT_MIN_N}): the tests have little power"
        )
    return Comparison(
        a=a,
        b=b,
        metric=metric,
        orientation=METRICS[Metric(metric)][0],
        as_of=data.as_of,
        filters=data.filters,
        n=n,
        mean_a=float(sa.mean()) if n else None,
        mean_b=float(sb.mean()) if n else None,
        mean_difference=float((sa - sb).mean()) if n else None,
        interval=None if boot is None else Interval(low=boot.low, high=boot.high, level=boot.level),
        diebold_mariano_statistic=None if dm is None else dm.statistic,
        diebold_mariano_pvalue=None if dm is None else dm.pvalue,
        permutation_pvalue=None if perm is None else perm.pvalue,
        warning=warning,
        questions=[
            ComparisonRow(question_id=data.questions.ids[q], score_a=by_a[q], score_b=by_b[q])
            for q in both
        ],
    )
