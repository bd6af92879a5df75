"""Bootstrap by Poisson weights fixed per item key: intervals that stay put as items arrive.

Each item (a question) carries its own resampling weights, ``n_resamples`` independent
Poisson(1) counts derived from its key and a seed alone. The resampled means are
weighted means over the items, so the interval of a set of items does not depend on their
order, and adding one item changes each resample by that item's term only: a caller can
keep every item's weights and compute the interval of any subset with one matrix product.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._results import BootstrapInterval
from ._validation import ScoringInputError, as_float, check_finite, check_open_unit

__all__ = [
    "interval_from_sums",
    "keyed_poisson_weights",
    "keyed_uniforms",
    "resample_sums",
    "weighted_bootstrap",
]

_MAX_RESAMPLES = 1_000_000


def keyed_poisson_weights(
    keys: Sequence[str], *, n_resamples: int = 2000, seed: int = 0
) -> NDArray[np.float32]:
    r"""Poisson(1) bootstrap weights, one row per key, fixed by the key and ``seed``.

    Row :math:`i` holds :math:`w_{i1}, \dots, w_{iB} \sim \mathrm{Poisson}(1)`, drawn by
    inverting the Poisson CDF on a PCG64 stream whose state and increment are the BLAKE2b
    digest of ``keys[i]`` salted with ``seed``: the same key gives the same row in any
    call, whatever the other keys.

    Parameters
    ----------
    keys : sequence of str
        Item identifiers (question ids).
    n_resamples : int
        Number of bootstrap resamples :math:`B`.
    seed : int
        Seed shared by all keys, in 0 .. 2**64 - 1.

    Returns
    -------
    ndarray of float32, shape (len(keys), n_resamples)

    References
    ----------
    Hanley, J. A. & MacGibbon, B. (2006). Creating non-parametric bootstrap samples
    using Poisson frequencies. Computer Methods and Programs in Biomedicine 83(1), 57-62.

    Examples
    --------
    >>> w = keyed_poisson_weights(["q1", "q2"], n_resamples=4, seed=0)
    >>> w.shape, bool((w == keyed_poisson_weights(["q2"], n_resamples=4, seed=0)[0]).all())
    ((2, 4), False)
    >>> bool((w[1] == keyed_poisson_weights(["q2"], n_resamples=4, seed=0)[0]).all())
    True
    """
    raw = _keyed_raw(keys, n_resamples, seed, b"poisson1", "keyed_poisson_weights")
    # Inverse CDF on the raw 64-bit draws: several times faster than Generator.poisson.
    counts = np.searchsorted(_poisson_thresholds(), raw, side="right")
    return counts.astype(np.float32)


def _keyed_raw(
    keys: Sequence[str], n_resamples: int, seed: int, stream: bytes, rule: str
) -> NDArray[np.uint64]:
    """Raw 64-bit PCG64 draws, one row per key, the generator set from the key's digest."""
    if not 1 <= n_resamples <= _MAX_RESAMPLES:
        raise ScoringInputError(
            rule, "n_resamples", f"must be in 1..{_MAX_RESAMPLES}, got {n_resamples}"
        )
    if not 0 <= seed < 2**64:
        raise ScoringInputError(rule, "seed", f"must be in 0..2**64-1, got {seed}")
    raw = np.empty((len(keys), n_resamples), dtype=np.uint64)
    # One generator, its 128-bit state and stream set from each key's digest in turn
    # (seeding a fresh generator per key costs twice as much as the draws).
    generator = np.random.PCG64()
    salt = seed.to_bytes(8, "little") + stream
    for i, key in enumerate(keys):
        if not isinstance(key, str):
            raise ScoringInputError(rule, "keys", f"must be strings, got {type(key).__name__}")
        digest = hashlib.blake2b(key.encode(), digest_size=32, person=salt).digest()
        generator.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(digest[:16], "little"),
                "inc": int.from_bytes(digest[16:], "little") | 1,
            },
            "has_uint32": 0,
            "uinteger": 0,
        }
        raw[i] = generator.random_raw(n_resamples)
    return raw


def keyed_uniforms(
    keys: Sequence[str], *, n_resamples: int = 100, seed: int = 0
) -> NDArray[np.float64]:
    r"""Uniform(0, 1) draws, one row per key, fixed by the key and ``seed``.

    Row :math:`i` holds :math:`u_{i1}, \dots, u_{iB}`, :math:`u_{ib} = \lfloor r_{ib} /
    2^{11} \rfloor \, 2^{-53}` for the raw 64-bit outputs :math:`r_{ib}` of a PCG64 stream
    whose state and increment are the BLAKE2b digest of ``keys[i]`` salted with ``seed``
    (a stream of its own, independent of :func:`keyed_poisson_weights`): the same key gives
    the same row in any call, whatever the other keys. They drive the keyed consistency
    band of :func:`reliability_diagram` (resampled outcome :math:`y^*_{ib} = 1\{u_{ib} <
    x_i\}`, a Bernoulli(:math:`x_i`) draw).

    Parameters
    ----------
    keys : sequence of str
        Item identifiers (question ids).
    n_resamples : int
        Number of draws per key :math:`B`.
    seed : int
        Seed shared by all keys, in 0 .. 2**64 - 1.

    Returns
    -------
    ndarray of float64, shape (len(keys), n_resamples)
        Values in [0, 1), multiples of :math:`2^{-53}`.

    References
    ----------
    O'Neill, M. E. (2014). PCG: A family of simple fast space-efficient statistically good
    algorithms for random number generation. Harvey Mudd College, HMC-CS-2014-0905.

    Examples
    --------
    >>> u = keyed_uniforms(["q1", "q2"], n_resamples=3, seed=0)
    >>> u.shape, bool(((0 <= u) & (u < 1)).all())
    ((2, 3), True)
    >>> bool((u[1] == keyed_uniforms(["q2"], n_resamples=3, seed=0)[0]).all())
    True
    """
    raw = _keyed_raw(keys, n_resamples, seed, b"uniform1", "keyed_uniforms")
    return (raw >> np.uint64(11)).astype(np.float64) * 2.0**-53


@functools.cache
def _poisson_thresholds() -> NDArray[np.uint64]:
    """``floor(P(X <= k) * 2**64)`` for Poisson(1), k = 0, 1, ... while below 2**64."""
    bounds: list[int] = []
    total = 0.0
    for k in range(40):
        total += math.exp(-1.0) / math.factorial(k)
        bound = int(total * 2.0**64)
        if bound >= 2**64:
            break
        bounds.append(bound)
    return np.asarray(bounds, dtype=np.uint64)


def weighted_bootstrap(
    scores: npt.ArrayLike, weights: npt.ArrayLike, *, level: float = 0.95
) -> BootstrapInterval:
    r"""Percentile interval of the mean score from per-item bootstrap weights.

    With scores :math:`s_i` and weights :math:`w_{ib}` (items by resamples, e.g. from
    :func:`keyed_poisson_weights`), resample :math:`b` has the mean
    :math:`\bar s_b = \sum_i w_{ib} s_i / \sum_i w_{ib}` (a resample whose weights are all
    zero is left out); the :math:`(1 \mp \mathrm{level})/2` quantiles of the
    :math:`\bar s_b` bound the interval.

    Parameters
    ----------
    scores : array_like, shape (n,)
        Per-item scores (finite).
    weights : array_like, shape (n, B)
        Non-negative resampling weights of each item.
    level : float
        Interval level in (0, 1).

    Returns
    -------
    BootstrapInterval
        ``mean_difference`` is the plain mean of ``scores``.

    References
    ----------
    Chamandy, N., Muralidharan, O., Najmi, A. & Naik, S. (2012). Estimating uncertainty
    for massive data streams. Google technical report.

    Examples
    --------
    >>> s = [0.1, 0.4, 0.2, 0.3, 0.5]
    >>> r = weighted_bootstrap(s, keyed_poisson_weights(list("abcde"), seed=0))
    >>> round(r.mean_difference, 6), r.low < r.mean_difference < r.high, r.n_resamples
    (0.3, True, 2000)
    """
    rule = "weighted_bootstrap"
    level_arr = as_float(level, "level", rule)
    check_open_unit(level_arr, "level", rule)
    s = _checked_scores(scores, rule, empty=False)
    w = _checked_weights(weights, s.size, rule)
    sums, totals = _sums_kernel(s, w)
    return _interval_kernel(float(s.mean()), sums, totals, float(level), rule, "weights")


def resample_sums(
    scores: npt.ArrayLike, weights: npt.ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Each resample's weighted sum of scores and total weight, the state a caller keeps to
    update a bootstrap item by item.

    :math:`S_b = \sum_i w_{ib} s_i` and :math:`W_b = \sum_i w_{ib}`, in float64. Adding an
    item adds its term to both; removing one subtracts it; :func:`interval_from_sums` turns
    them into the interval :func:`weighted_bootstrap` gives for the same items.

    Parameters
    ----------
    scores : array_like, shape (n,)
        Per-item scores (finite).
    weights : array_like, shape (n, B)
        Non-negative resampling weights of each item (:func:`keyed_poisson_weights`).

    Returns
    -------
    tuple of ndarray, each shape (B,)
        ``(sums, totals)``.

    References
    ----------
    Chamandy, N., Muralidharan, O., Najmi, A. & Naik, S. (2012). Estimating uncertainty
    for massive data streams. Google technical report.

    Examples
    --------
    >>> w = keyed_poisson_weights(list("abc"), n_resamples=3, seed=0)
    >>> sums, totals = resample_sums([0.1, 0.2, 0.3], w)
    >>> bool(np.allclose(sums, [0.1, 0.2, 0.3] @ w)), bool((totals == w.sum(axis=0)).all())
    (True, True)
    """
    rule = "resample_sums"
    s = _checked_scores(scores, rule, empty=True)
    w = _checked_weights(weights, s.size, rule)
    return _sums_kernel(s, w)


def interval_from_sums(
    mean: float,
    sums: npt.ArrayLike,
    totals: npt.ArrayLike,
    *,
    level: float = 0.95,
) -> BootstrapInterval:
    r"""Percentile interval from each resample's weighted sum and total weight.

    Resample :math:`b` has the mean :math:`S_b / W_b` (resamples with :math:`W_b = 0` are
    left out); the :math:`(1 \mp \mathrm{level})/2` quantiles of those means bound the
    interval, as in :func:`weighted_bootstrap`.

    Parameters
    ----------
    mean : float
        The plain mean of the scores, reported as ``mean_difference``.
    sums, totals : array_like, shape (B,)
        :math:`S_b` and :math:`W_b` (:func:`resample_sums`, possibly updated since).
    level : float
        Interval level in (0, 1).

    Returns
    -------
    BootstrapInterval

    References
    ----------
    Chamandy, N., Muralidharan, O., Najmi, A. & Naik, S. (2012). Estimating uncertainty
    for massive data streams. Google technical report.

    Examples
    --------
    >>> w = keyed_poisson_weights(list("abcd"), seed=0)
    >>> sums, totals = resample_sums([0.1, 0.4, 0.2], w[:3])
    >>> sums, totals = sums + 0.3 * w[3], totals + w[3]  # item "d" arrives
    >>> r = interval_from_sums(0.25, sums, totals)
    >>> full = weighted_bootstrap([0.1, 0.4, 0.2, 0.3], w)
    >>> bool(np.isclose(r.low, full.low) and np.isclose(r.high, full.high))
    True
    """
    rule = "interval_from_sums"
    level_arr = as_float(level, "level", rule)
    check_open_unit(level_arr, "level", rule)
    mean_arr = as_float(mean, "mean", rule)
    check_finite(mean_arr, "mean", rule, allow_nan=False)
    s = as_float(sums, "sums", rule)
    t = as_float(totals, "totals", rule)
    if s.ndim != 1 or s.size == 0:
        raise ScoringInputError(rule, "sums", f"must be a non-empty 1-D array, got {s.shape}")
    if t.shape != s.shape:
        raise ScoringInputError(rule, "totals", f"must have shape {s.shape}, got {t.shape}")
    check_finite(s, "sums", rule, allow_nan=False)
    check_finite(t, "totals", rule, allow_nan=False)
    if float(t.min()) < 0.0:
        raise ScoringInputError(rule, "totals", "must be non-negative")
    return _interval_kernel(float(mean_arr), s, t, float(level), rule, "totals")


def _checked_scores(scores: npt.ArrayLike, rule: str, *, empty: bool) -> NDArray[np.float64]:
    s = as_float(scores, "scores", rule)
    if s.ndim != 1 or (s.size == 0 and not empty):
        wanted = "a 1-D array" if empty else "a non-empty 1-D array"
        raise ScoringInputError(rule, "scores", f"must be {wanted}, got {s.shape}")
    check_finite(s, "scores", rule, allow_nan=False)
    return s


def _checked_weights(weights: npt.ArrayLike, n: int, rule: str) -> NDArray[np.floating]:
    w = np.asarray(weights)
    if w.ndim != 2 or w.shape[0] != n:
        raise ScoringInputError(rule, "weights", f"must have shape ({n}, B), got {tuple(w.shape)}")
    if w.shape[1] == 0:
        raise ScoringInputError(rule, "weights", "must have at least one resample column")
    if not np.issubdtype(w.dtype, np.floating):
        w = w.astype(np.float64)
    if w.size and float(w.min()) < 0.0:
        raise ScoringInputError(rule, "weights", "must be non-negative")
    return w


_BLOCK = 64  # rows of weights widened to float64 at a time (they stay in cache)


def _sums_kernel(
    s: NDArray[np.float64], w: NDArray[np.floating]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    # Float64 sums whatever the weights' dtype: a sum kept and updated item by item then
    # agrees with one computed afresh to rounding, not to float32's seven digits. Totals
    # as a product with ones: numpy's sum down the rows is several times slower.
    sums = np.zeros(w.shape[1], dtype=np.float64)
    totals = np.zeros(w.shape[1], dtype=np.float64)
    ones = np.ones(min(_BLOCK, s.size), dtype=np.float64)
    for start in range(0, s.size, _BLOCK):
        block = w[start : start + _BLOCK].astype(np.float64, copy=False)
        sums += s[start : start + _BLOCK] @ block
        totals += ones[: block.shape[0]] @ block
    return sums, totals


def _interval_kernel(
    mean: float,
    sums: NDArray[np.float64],
    totals: NDArray[np.float64],
    level: float,
    rule: str,
    field: str,
) -> BootstrapInterval:
    used = totals > 0
    means = sums[used] / totals[used]
    if means.size == 0:
        raise ScoringInputError(rule, field, "every resample has zero total weight")
    low, high = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return BootstrapInterval(
        mean_difference=mean, low=float(low), high=float(high), level=level,
        n_resamples=int(sums.size),
    )  # fmt: skip
