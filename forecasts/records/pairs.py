"""One row per (forecaster, binary question): the standing forecast and its scores, vectorised.

Conventions (stated once, used by every record, leaderboard and comparison):

* **Standing forecast at close**: the forecaster's last forecast made at or before the
  question's effective close (the earlier of ``closes_at`` and the resolution time);
  forecasts made at the same instant keep their recorded order, the last one stands.
* **Time-weighted**: each forecast stands until the forecaster's next one (or the close);
  the score is averaged over the part of the open window ``[opens_at, close]`` after the
  forecaster's first forecast. The time before the first forecast is excluded, not imputed.
  When that stretch has zero length (a single forecast made at the close) the score of the
  standing forecast is used.
* **Coverage**: the fraction of the open window ``[opens_at, close]`` during which the
  forecaster had a standing forecast (1 when the window has zero length).

The per-forecast Brier and log scores come from :mod:`scoring`; this module only sorts,
groups and weights them. ``scoring.time_weighted_score`` gives the same time-weighted figure
one question at a time (the tests check that they agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

import scoring

from .loader import RecordData

__all__ = ["BinaryPairs", "binary_pairs"]


@dataclass(frozen=True, eq=False)
class BinaryPairs:
    """Aligned arrays, one entry per (forecaster, binary question) with a forecast."""

    f: NDArray[np.intp]
    q: NDArray[np.intp]
    p: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    outcome: NDArray[np.float64]
    made_at: NDArray[np.float64]
    first_at: NDArray[np.float64]
    n_forecasts: NDArray[np.intp]
    coverage: NDArray[np.float64]
    brier: NDArray[np.float64]
    log_score: NDArray[np.float64]
    brier_time_weighted: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.f.size)

    def subset(self, mask: NDArray[np.bool_]) -> BinaryPairs:
        """The pairs where ``mask`` holds."""
        return BinaryPairs(**{x.name: getattr(self, x.name)[mask] for x in fields(self)})


def binary_pairs(data: RecordData, forecaster: int | Sequence[int] | None = None) -> BinaryPairs:
    """Standing forecast, scores and coverage of every (forecaster, binary question) pair.

    ``forecaster`` (an index or several) restricts the result to those forecasters' pairs.
    """
    questions = data.questions
    nq = max(len(questions), 1)
    order = np.lexsort((data.t, data.q, data.f))  # stable: ties keep their recorded order
    if forecaster is not None:
        order = order[np.isin(data.f[order], np.asarray(forecaster, dtype=np.intp))]
    f, q, p = data.f[order], data.q[order], data.p[order]
    opens, close = questions.opens[q], questions.closes[q]
    t = np.maximum(data.t[order], opens)  # the window starts when the question opens
    n = f.size
    if n == 0:
        empty_i = np.zeros(0, dtype=np.intp)
        empty = np.zeros(0, dtype=np.float64)
        return BinaryPairs(
            empty_i, empty_i, empty, empty, empty, empty, empty, empty, empty_i, empty, empty,
            empty, empty,
        )  # fmt: skip
    key = f * nq + q
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], n] - 1
    outcome = questions.outcome[q]
    row_brier = scoring.brier_score(outcome, p)
    following = np.r_[t[1:], 0.0]
    following[ends] = close[ends]
    duration = following - t
    weighted = np.add.reduceat(row_brier * duration, starts)
    total = np.add.reduceat(duration, starts)
    standing = row_brier[ends]
    safe_total = np.where(total > 0, total, 1.0)
    time_weighted = np.where(total > 0, weighted / safe_total, standing)
    window = close[ends] - opens[ends]
    covered = close[ends] - t[starts]
    coverage = np.where(window > 0, np.clip(covered / np.where(window > 0, window, 1.0), 0, 1), 1.0)
    low, high = data.low[order], data.high[order]
    return BinaryPairs(
        f=f[ends],
        q=q[ends],
        p=p[ends],
        low=low[ends],
        high=high[ends],
        outcome=outcome[ends],
        made_at=data.t[order][ends],
        first_at=data.t[order][starts],
        n_forecasts=(ends - starts + 1).astype(np.intp),
        coverage=coverage,
        brier=standing,
        log_score=scoring.log_score(outcome[ends], p[ends]),
        brier_time_weighted=time_weighted,
    )
