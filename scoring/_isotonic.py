"""Pool-adjacent-violators (PAV) for binary outcomes, vectorised with numpy.

The isotonic (non-decreasing) regression of binary outcomes on forecast values
is computed in three steps:

1. *Sort once and group ties.* The forecast's IEEE bit pattern (non-negative
   floats order like their integer bit patterns) is shifted left by one bit and
   the outcome stored in the freed lowest bit, so a single ``int64`` sort orders
   the forecasts and carries the outcomes along (no ``argsort`` and gather).
2. *Pool in vectorised passes.* Adjacent blocks whose means are non-increasing
   (``mean[i] >= mean[i + 1]``) always end up in the same block of the solution,
   so every maximal non-increasing run is pooled at once with
   ``np.add.reduceat``. Each pass is O(number of blocks) in numpy.
3. *Finish on a stack.* Should the passes stop making progress (adversarial
   inputs can need many), the few remaining blocks are pooled with the classic
   stack algorithm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "band_bounds",
    "cep_per_group",
    "cep_per_group_rows",
    "group_binary",
    "isotonic_rows",
    "pav_blocks",
]


def group_binary(
    p: NDArray[np.float64], y: NDArray[Any]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Sorted distinct forecast values with their counts and numbers of outcomes 1.

    ``p`` must be validated probabilities (no NaN, ``p >= 0``) and ``y`` 0/1.
    """
    n = p.size
    if n == 0:
        empty = np.empty(0)
        return empty, empty, empty
    key = np.ascontiguousarray(p, dtype=np.float64).ravel().view(np.int64) << 1  # -0.0 -> 0
    key |= np.asarray(y).ravel().astype(np.int64)
    key.sort()
    ones = key & 1
    key >>= 1
    starts = np.flatnonzero(key[1:] != key[:-1])
    starts += 1
    starts = np.concatenate(([0], starts))
    counts = np.diff(starts, append=n).astype(np.float64)
    sums = np.add.reduceat(ones, starts).astype(np.float64)
    values = key[starts].view(np.float64)
    return values, counts, sums


def _stack_pav(
    w: NDArray[np.float64], s: NDArray[np.float64], st: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    sw: list[float] = []
    ss: list[float] = []
    sst: list[int] = []
    for wi, si, ti in zip(w.tolist(), s.tolist(), st.tolist(), strict=True):
        while sw and ss[-1] * wi >= si * sw[-1]:  # previous mean >= current mean
            wi += sw.pop()
            si += ss.pop()
            ti = sst.pop()
        sw.append(wi)
        ss.append(si)
        sst.append(ti)
    return np.array(sst, dtype=np.intp), np.array(sw), np.array(ss)


def pav_blocks(
    weights: NDArray[np.float64], sums: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """PAV on grouped data: return block starts (group indices), block weights and sums.

    The fitted value of block ``b`` is ``sums[b] / weights[b]``; consecutive
    blocks have strictly increasing fitted values.
    """
    w, s = weights, sums
    starts = np.arange(w.size, dtype=np.intp)
    while w.size > 1:
        mean = s / w
        pool = mean[:-1] >= mean[1:]
        n_pool = int(np.count_nonzero(pool))
        if n_pool == 0:
            break
        if n_pool * 64 < w.size and w.size < 100_000:
            return _stack_pav(w, s, starts)
        idx, w, s = _pool(pool, w, s)
        starts = starts[idx]
    return starts, w, s


def _pool(
    pool: NDArray[np.bool_], w: NDArray[np.float64], s: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """Merge each block into its left neighbour where ``pool`` (one shorter than ``w``)
    says so: the first kept block of each run, and the runs' weights and sums."""
    keep = np.empty(w.size, dtype=bool)
    keep[0] = True
    np.logical_not(pool, out=keep[1:])
    idx = np.flatnonzero(keep)
    return idx, np.add.reduceat(w, idx), np.add.reduceat(s, idx)


def cep_per_group(counts: NDArray[np.float64], sums: NDArray[np.float64]) -> NDArray[np.float64]:
    """Isotonic conditional event probability for each group (sorted distinct value)."""
    if counts.size == 0:
        return np.empty(0)
    starts, w, s = pav_blocks(counts, sums)
    return np.repeat(s / w, np.diff(starts, append=counts.size))


_ROW_PASSES = 64


def cep_per_group_rows(
    counts: NDArray[np.float64], sums: NDArray[np.float64]
) -> NDArray[np.float64]:
    """:func:`cep_per_group` of each row of ``sums`` (R x G) over the same ``counts`` (G,)."""
    return isotonic_rows(counts, sums)[0]


def isotonic_rows(
    counts: NDArray[Any], sums: NDArray[Any], starts: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """:func:`cep_per_group` of each row of ``sums`` (R x G) over the same ``counts`` (G,),
    with the fit's block starts (R x G, True where a block begins).

    ``starts`` (R x G) begins the pooling from blocks already pooled: each must be one
    block of the fit of its groups alone (as a block of an earlier fit is while none of
    its groups changed), since pooling adjacent violators in any order ends in the same
    fit. None: every group alone. The rows are pooled together in one flat sequence, with
    no pooling across a row's end, so each pass is a few numpy calls for all rows at once.
    Rows still unfinished after ``_ROW_PASSES`` passes (adversarial inputs) are finished
    one at a time.
    """
    n_rows, n_groups = sums.shape
    total = n_rows * n_groups
    if total == 0:
        return np.empty((n_rows, n_groups)), np.empty((n_rows, n_groups), dtype=bool)
    w_all = np.tile(np.asarray(counts, dtype=np.float64), n_rows)
    s_all = np.asarray(sums, dtype=np.float64).ravel()
    if starts is None:
        begin = np.arange(total, dtype=np.intp)
        w, s = w_all, s_all.copy()
    else:
        mask = np.array(starts, dtype=bool).reshape(n_rows, n_groups)
        mask[:, 0] = True
        begin = np.flatnonzero(mask)
        w, s = np.add.reduceat(w_all, begin), np.add.reduceat(s_all, begin)
    row = begin // n_groups
    for _ in range(_ROW_PASSES):
        mean = s / w
        pool = (mean[:-1] >= mean[1:]) & (row[:-1] == row[1:])
        if not pool.any():
            break
        idx, w, s = _pool(pool, w, s)
        begin, row = begin[idx], row[idx]
    fitted = np.repeat(s / w, np.diff(begin, append=total)).reshape(n_rows, n_groups)
    out = np.zeros(total, dtype=bool)
    out[begin] = True
    out = out.reshape(n_rows, n_groups)
    mean = s / w
    unfinished = np.unique(row[:-1][(mean[:-1] >= mean[1:]) & (row[:-1] == row[1:])])
    for r in unfinished:
        weights = np.asarray(counts, dtype=np.float64)
        first, bw, bs = pav_blocks(weights, np.asarray(sums[r], dtype=np.float64))
        fitted[r] = np.repeat(bs / bw, np.diff(first, append=n_groups))
        out[r] = False
        out[r, first] = True
    return fitted, out


def band_bounds(
    curves: NDArray[np.float64], level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``np.quantile(curves, [(1 - level) / 2, (1 + level) / 2], axis=0)`` (its default,
    linear method: the same values) from one sort of the columns, several times faster
    than numpy's partition of each column for a band of a hundred curves."""
    ordered = np.sort(curves, axis=0)
    last = ordered.shape[0] - 1
    bounds = []
    for q in ((1.0 - level) / 2.0, (1.0 + level) / 2.0):
        virtual = last * q
        below = float(np.floor(virtual))
        gamma = virtual - below
        i = min(max(int(below), 0), last)
        a, b = ordered[i], ordered[min(i + 1, last)]
        diff = b - a
        # numpy's interpolation: from the nearer end, so the bound is exact at the ends.
        bounds.append(b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return bounds[0], bounds[1]
