"""Leaderboards whose per-question figures and per-forecaster sums are computed by
PostgreSQL (``forecasts.db.board_sql``): only each forecaster's metric values reach Python,
one forecaster at a time, for the bootstrap interval. The board equals
:func:`forecasts.records.board.leaderboard` on the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from forecasts.db.board_sql import BoardQuery, board_source, stream_board
from forecasts.db.store import Store
from forecasts.domain import Metric
from forecasts.errors import FieldError

from .board import METRICS, interval_of
from .filters import RecordFilter
from .models import Leaderboard, LeaderboardEntry

__all__ = ["leaderboard_in_sql"]


def _direct(_key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return compute()


def leaderboard_in_sql(
    store: Store,
    *,
    as_of: datetime,
    metric: str = "brier",
    min_n: int = 1,
    common: bool = False,
    filters: RecordFilter | None = None,
    intervals: bool = True,
    n_resamples: int = 1000,
    seed: int = 0,
    memo: Callable[[tuple[Any, ...], Callable[[], Any]], Any] = _direct,
    settled_only: bool = False,
) -> Leaderboard | None:
    """The leaderboard computed in SQL; None when this query is not (SQLite, ``common``,
    the platform filter, or a metric the source cannot rank by in SQL) or, with
    ``settled_only``, when the board depends on ``as_of`` (an outcome took effect after it)."""
    if metric not in METRICS:
        raise FieldError("metric", f"'{metric}' is not one of {', '.join(METRICS)}")
    if min_n < 1:
        raise FieldError("min_n", "must be at least 1")
    filters = filters or RecordFilter()
    if common or filters.platform is not None:
        return None
    query = BoardQuery(
        as_of=as_of,
        metric=metric,
        min_n=min_n,
        tag=filters.tag,
        kind=None if filters.kind is None else filters.kind.value,
        since=filters.since,
        until=filters.until,
        min_horizon_days=filters.min_horizon_days,
        exclude_backdated=filters.exclude_backdated,
    )
    source = board_source(store, query, settled_only=settled_only)
    if source is None:
        return None
    orientation, description = METRICS[Metric(metric)]
    sign = 1.0 if orientation == "lower is better" else -1.0
    lines: list[tuple[float, str, dict[str, Any]]] = []
    seen = np.zeros(0, dtype=np.bool_)
    for row in stream_board(store, source, query):
        top = int(row.questions.max()) + 1
        if top > seen.size:
            seen = np.concatenate([seen, np.zeros(top - seen.size, dtype=np.bool_)])
        seen[row.questions] = True
        score = row.score_sum / row.n
        interval = interval_of(row.values, n_resamples, seed, memo) if intervals else None
        lines.append(
            (
                sign * score,
                row.handle,
                {
                    "handle": row.handle,
                    "name": row.name,
                    "n": row.n,
                    "coverage": row.coverage_sum / row.n,
                    "score": score,
                    "score_infinite": int(np.sign(score)) if math.isinf(score) else 0,
                    "interval": interval,
                    "brier": row.brier_sum / row.n,
                    "brier_time_weighted": row.time_weighted_sum / row.n,
                    "log_score": row.log_sum / row.n,
                },
            )
        )
    order = np.lexsort(
        (np.asarray([h for _, h, _ in lines]), np.asarray([k for k, _, _ in lines], dtype=float))
    )
    entries = [
        LeaderboardEntry(rank=rank, **lines[int(i)][2]) for rank, i in enumerate(order, start=1)
    ]
    return Leaderboard(
        metric=metric,
        orientation=orientation,
        description=description,
        as_of=as_of,
        filters=filters,
        min_n=min_n,
        common_questions=False,
        n_questions=int(seen.sum()),
        entries=entries,
    )
