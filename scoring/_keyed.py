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

from ._isotonic import cep_per_group_rows
from ._results import BootstrapInterval
from ._validation import ScoringInputError, as_float, check_finite, check_open_unit

__all__ = ["keyed_poisson_weights", "keyed_uniforms", "redrawn_curves", "weighted_bootstrap"]

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
    s = as_float(scores, "scores", rule)
    if s.ndim != 1 or s.size == 0:
        raise ScoringInputError(rule, "scores", f"must be a non-empty 1-D array, got {s.shape}")
    check_finite(s, "scores", rule, allow_nan=False)
    w = np.asarray(weights)
    if w.ndim != 2 or w.shape[0] != s.size:
        raise ScoringInputError(
            rule, "weights", f"must have shape ({s.size}, B), got {tuple(w.shape)}"
        )
    if w.shape[1] == 0:
        raise ScoringInputError(rule, "weights", "must have at least one resample column")
    if not np.issubdtype(w.dtype, np.floating):
        w = w.astype(np.float64)
    if w.size and float(w.min()) < 0.0:
        raise ScoringInputError(rule, "weights", "must be non-negative")
    totals = w.sum(axis=0, dtype=np.float64)
    sums = s.astype(w.dtype) @ w
    used = totals > 0
    means = sums[used] / totals[used]
    if means.size == 0:
        raise ScoringInputError(rule, "weights", "every resample has zero total weight")
    low, high = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return BootstrapInterval(
        mean_difference=float(s.mean()),
        low=float(low),
        high=float(high),
        level=float(level),
        n_resamples=int(w.shape[1]),
    )


def redrawn_curves(
    p: NDArray[np.float64], counts: NDArray[np.float64], u: NDArray[np.float64], rule: str
) -> NDArray[np.float64]:
    """Isotonic curves (resamples x groups of distinct ``p``, whose sizes are ``counts``)
    refitted to outcomes redrawn as ``u < p`` (``u``: items x resamples)."""
    if u.ndim != 2 or u.shape[0] != p.size or u.shape[1] == 0:
        raise ScoringInputError(
            rule, "uniforms", f"must have shape ({p.size}, B) with B >= 1, got {u.shape}"
        )
    order = np.argsort(p, kind="stable")
    ps = p[order]
    starts = np.flatnonzero(np.concatenate(([True], ps[1:] != ps[:-1])))
    drawn = u[order] < ps[:, None]
    ones = np.add.reduceat(drawn, starts, axis=0, dtype=np.float64).T
    return cep_per_group_rows(counts, np.ascontiguousarray(ones))
