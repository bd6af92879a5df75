"""Parts of track records kept per process, so a record after a resolution rebuilds only
what the resolution changed: each question's bootstrap weights (they depend on its id
alone) and each kept row's line of the record."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

import scoring
from forecasts.records import QuestionScore
from forecasts.records.kept_read import question_score

__all__ = ["QuestionLines", "QuestionWeights"]


class QuestionWeights:
    """``scoring.keyed_poisson_weights`` rows kept by (question id, resamples, seed).

    At most ``size`` rows are kept, as bytes (Poisson(1) counts stay far below 256; 2,000
    resamples: 2 KB a row); past that the oldest half is dropped. A record after a
    resolution then draws one new row, not all of them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.rows: dict[tuple[str, int, int], NDArray[np.uint8]] = {}
        self.lock = threading.Lock()

    def __call__(self, keys: Sequence[str], n_resamples: int, seed: int) -> NDArray[np.float32]:
        out = np.empty((len(keys), n_resamples), dtype=np.float32)
        missing: list[int] = []
        for i, key in enumerate(keys):
            row = self.rows.get((key, n_resamples, seed))
            if row is None:
                missing.append(i)
            else:
                out[i] = row
        if missing:
            drawn = scoring.keyed_poisson_weights(
                [keys[i] for i in missing], n_resamples=n_resamples, seed=seed
            )
            out[missing] = drawn
            with self.lock:
                rows = self.rows
                if len(rows) + len(missing) > self.size:
                    for old in list(rows)[: max(len(rows) // 2, len(missing))]:
                        del rows[old]
                for i, row in zip(missing, drawn.astype(np.uint8), strict=True):
                    rows[(keys[i], n_resamples, seed)] = row
        return out


class QuestionLines:
    """Each kept row's :class:`QuestionScore`, keyed by the row's values (at most ``size``;
    past that the oldest half is dropped). Lines are shared between cached records, which
    never change them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lines: dict[tuple[Any, ...], QuestionScore] = {}
        self.lock = threading.Lock()

    def __call__(self, row: tuple[Any, ...]) -> QuestionScore:
        line = self.lines.get(row)
        if line is None:
            line = question_score(row)
            with self.lock:
                if len(self.lines) >= self.size:
                    for old in list(self.lines)[: len(self.lines) // 2]:
                        del self.lines[old]
                self.lines[row] = line
        return line
