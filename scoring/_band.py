"""The keyed consistency band of a reliability diagram, kept and brought up to date.

Each item redraws its outcome from its own uniforms (:func:`keyed_uniforms`), so the band
of a set of items is a function of the items' redraw counts per distinct forecast value
(:func:`band_counts`), which a caller can update by the items that came and went. The
refits start from the previous band's pooled blocks where none of their groups changed
(:func:`band_from_counts` with ``previous``): a record after one resolution refits around
one value instead of a hundred whole curves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._isotonic import band_bounds, isotonic_rows
from ._results import ConsistencyBand
from ._validation import ScoringInputError, as_float, as_numeric, check_open_unit, check_probability

__all__ = ["band_counts", "band_from_counts", "grouped_counts"]


def band_counts(
    forecast: npt.ArrayLike, uniforms: npt.ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int32]]:
    r"""Redraw counts of a keyed consistency band, per distinct forecast value.

    Item :math:`i` (forecast :math:`x_i`, uniforms :math:`u_{i1}, \dots, u_{iB}`) is
    redrawn in resample :math:`b` as :math:`y^*_{ib} = 1\{u_{ib} < x_i\}`. For the sorted
    distinct values :math:`v_g` this returns :math:`n_g = \#\{i : x_i = v_g\}` and
    :math:`k_{bg} = \sum_{i : x_i = v_g} y^*_{ib}`, all the band depends on. Counts of
    disjoint sets of items add up, so a caller may keep them and add or take out items.

    Parameters
    ----------
    forecast : array_like, shape (n,)
        Probabilities of the outcome 1.
    uniforms : array_like, shape (n, B)
        Uniform(0, 1) draws of each item, e.g. :func:`keyed_uniforms` of the items' keys.

    Returns
    -------
    values : ndarray of float64, shape (G,)
        Sorted distinct forecast values :math:`v_g`.
    counts : ndarray of int64, shape (G,)
        Items at each value :math:`n_g`.
    ones : ndarray of int32, shape (B, G)
        Items redrawn as 1 :math:`k_{bg}`.

    References
    ----------
    Dimitriadis, T., Gneiting, T. & Jordan, A. I. (2021). Stable reliability
    diagrams for probabilistic classifiers. PNAS 118(8), e2016191118.

    Examples
    --------
    >>> values, counts, ones = band_counts([0.5, 0.2, 0.5], [[0.1, 0.9], [0.3, 0.1], [0.7, 0.2]])
    >>> values.tolist(), counts.tolist(), ones.tolist()
    ([0.2, 0.5], [1, 2], [[0, 1], [1, 1]])
    """
    return grouped_counts(forecast, uniforms, "band_counts")


def grouped_counts(
    forecast: npt.ArrayLike, uniforms: npt.ArrayLike, rule: str
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int32]]:
    """:func:`band_counts`, its errors named after ``rule``."""
    p = as_float(forecast, "forecast", rule)
    if p.ndim != 1:
        raise ScoringInputError(rule, "forecast", f"must be one-dimensional, got shape {p.shape}")
    check_probability(p, "forecast", rule, allow_nan=False)
    u = as_float(uniforms, "uniforms", rule)
    if u.ndim != 2 or u.shape[0] != p.size or u.shape[1] == 0:
        raise ScoringInputError(
            rule, "uniforms", f"must have shape ({p.size}, B) with B >= 1, got {u.shape}"
        )
    if p.size == 0:
        return np.empty(0), np.empty(0, np.int64), np.empty((u.shape[1], 0), np.int32)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    starts = np.flatnonzero(np.concatenate(([True], ps[1:] != ps[:-1])))
    drawn = u[order] < ps[:, None]
    ones = np.add.reduceat(drawn, starts, axis=0, dtype=np.int32).T
    counts = np.diff(starts, append=p.size).astype(np.int64)
    return ps[starts], counts, np.ascontiguousarray(ones)


def band_from_counts(
    values: npt.ArrayLike,
    counts: npt.ArrayLike,
    ones: npt.ArrayLike,
    *,
    level: float = 0.9,
    previous: ConsistencyBand | None = None,
) -> ConsistencyBand:
    r"""The consistency band of :func:`band_counts`' counts, optionally refitted from an
    earlier band.

    Resample :math:`b`'s curve is the isotonic (PAV) fit of the redrawn outcomes,
    :math:`\hat c_b(v_g)`, pooling groups :math:`g` of weight :math:`n_g` and sum
    :math:`k_{bg}`; the band is the pointwise :math:`(1 \mp \mathrm{level})/2` quantiles
    (numpy's linear method) of the :math:`B` curves at each :math:`v_g`. With
    ``previous``, each refit starts from ``previous``'s pooled blocks whose groups are
    unchanged (same value, count and ones, same neighbours): pooling adjacent violators
    in any order ends in the same fit, and the sums are whole numbers, so the band is the
    one computed afresh, to the bit.

    Parameters
    ----------
    values : array_like, shape (G,)
        Sorted distinct forecast values in [0, 1], G >= 1.
    counts : array_like, shape (G,)
        Items at each value, whole numbers >= 1.
    ones : array_like, shape (B, G)
        Items redrawn as 1 in each resample, whole numbers in 0 .. ``counts``.
    level : float
        Band level in (0, 1).
    previous : ConsistencyBand, optional
        A band of mostly the same items, with the same number of resamples.

    Returns
    -------
    ConsistencyBand

    References
    ----------
    Dimitriadis, T., Gneiting, T. & Jordan, A. I. (2021). Stable reliability
    diagrams for probabilistic classifiers. PNAS 118(8), e2016191118.

    Best, M. J. & Chakravarti, N. (1990). Active set algorithms for isotonic
    regression; a unifying framework. Mathematical Programming 47, 425-439.

    Examples
    --------
    >>> from scoring import keyed_uniforms
    >>> keys, p = ["q1", "q2", "q3", "q4"], [0.2, 0.7, 0.7, 0.9]
    >>> band = band_from_counts(*band_counts(p, keyed_uniforms(keys, n_resamples=50)))
    >>> band.x.tolist(), bool(np.all(band.band_low <= band.band_high))
    ([0.2, 0.7, 0.9], True)
    >>> later = band_counts(p + [0.4], keyed_uniforms(keys + ["q5"], n_resamples=50))
    >>> again = band_from_counts(*later, previous=band)
    >>> bool(np.array_equal(again.band_low, band_from_counts(*later).band_low))
    True
    """
    rule = "band_from_counts"
    check_open_unit(as_float(level, "level", rule), "level", rule)
    x = np.array(as_float(values, "values", rule), dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ScoringInputError(rule, "values", f"must be a non-empty 1-D array, got {x.shape}")
    check_probability(x, "values", rule, allow_nan=False)
    if x.size > 1 and not bool(np.all(x[1:] > x[:-1])):
        raise ScoringInputError(rule, "values", "must be sorted and distinct")
    n = _whole(counts, "counts", rule, (x.size,)).astype(np.int64)
    if bool(np.any(n < 1)):
        raise ScoringInputError(rule, "counts", "must be >= 1 at every value")
    k_raw = as_numeric(ones, "ones", rule)
    if k_raw.ndim != 2 or k_raw.shape[0] == 0:
        raise ScoringInputError(
            rule, "ones", f"must have shape (B, {x.size}) with B >= 1, got {k_raw.shape}"
        )
    k = _whole(k_raw, "ones", rule, (k_raw.shape[0], x.size)).astype(np.int32)
    if bool(np.any((k < 0) | (k > n))):
        raise ScoringInputError(rule, "ones", "must be in 0 .. counts at every value")
    starts = None
    if previous is not None and previous.n_resamples == k.shape[0]:
        starts = _starts_from(x, n, k, previous)
    fitted, blocks = isotonic_rows(n, k, starts)
    low, high = band_bounds(fitted, float(level))
    return ConsistencyBand(
        x=x,
        band_low=np.asarray(low, dtype=np.float64),
        band_high=np.asarray(high, dtype=np.float64),
        level=float(level),
        n_resamples=int(k.shape[0]),
        counts=n,
        ones=k,
        blocks=blocks,
    )


def _whole(values: npt.ArrayLike, argument: str, rule: str, shape: tuple[int, ...]) -> NDArray[Any]:
    arr = as_numeric(values, argument, rule)
    if arr.shape != shape:
        raise ScoringInputError(rule, argument, f"must have shape {shape}, got {arr.shape}")
    if arr.dtype.kind not in "biuf" or (
        arr.dtype.kind == "f" and not bool(np.all(np.isfinite(arr) & (arr == np.floor(arr))))
    ):
        raise ScoringInputError(rule, argument, "must hold whole numbers")
    return arr


def _starts_from(
    x: NDArray[np.float64],
    n: NDArray[np.int64],
    k: NDArray[np.int32],
    previous: ConsistencyBand,
) -> NDArray[np.bool_]:
    """Block starts for the refits: ``previous``'s blocks, each dissolved into single
    groups in the rows where one of its groups changed or left, or where a new group
    arrived between two of its groups."""
    px = previous.x
    rows, g = k.shape
    at = np.searchsorted(px, x)
    found = at < px.size
    found[found] = px[at[found]] == x[found]
    same = np.flatnonzero(found)
    before = at[same]
    bad = np.ones((rows, px.size), dtype=bool)  # a group gone is bad in every row
    bad[:, before] = previous.ones[:, before] != k[:, same]
    bad[:, before[previous.counts[before] != n[same]]] = True
    inside = np.unique(at[~found])  # the old group each new one comes before
    inside = inside[(inside > 0) & (inside < px.size)]
    bad[:, inside] |= ~previous.blocks[:, inside]
    block = np.cumsum(previous.blocks.ravel()) - 1  # each cell's block, numbered across rows
    dissolve = np.zeros(int(block[-1]) + 1, dtype=bool)
    dissolve[block[bad.ravel()]] = True
    kept = previous.blocks | dissolve[block].reshape(rows, px.size)
    starts = np.ones((rows, g), dtype=bool)
    starts[:, same] = kept[:, before]
    starts[:, 0] = True
    return starts
