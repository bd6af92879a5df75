"""Interval, weighted interval and quantile (pinball) scores. All are losses."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._compiled import COMPILED_MIN_ELEMENTS, wis_kernel
from ._crps import pinball_terms
from ._deprecation import interval_args, reorder, warn, wis_args
from ._results import WeightedIntervalScore
from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_float,
    check_finite,
    check_nan_policy,
    check_not_greater,
    check_open_unit,
    check_same_shape,
    check_shapes,
)

__all__ = ["interval_score", "pinball_loss", "quantile_score", "weighted_interval_score"]


@reorder(interval_args)
def interval_score(
    outcome: npt.ArrayLike,
    alpha: npt.ArrayLike,
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    *,
    nan_policy: NanPolicy = "raise",
) -> NDArray[np.float64]:
    r"""Interval score of a central :math:`(1 - \alpha)` prediction interval (a loss).

    .. math::
        \mathrm{IS}_\alpha = (u - l) + \frac{2}{\alpha}(l - y)\,1\{y < l\}
        + \frac{2}{\alpha}(y - u)\,1\{y > u\}.

    Parameters
    ----------
    outcome : array_like
        Observed values.
    alpha : array_like
        Nominal non-coverage in (0, 1), e.g. 0.1 for a 90 % interval.
    lower, upper : array_like
        Interval bounds (``lower <= upper``), shaped like ``outcome`` or scalar.
    nan_policy : {"raise", "omit"}
        ``"omit"`` returns NaN for items with a NaN input.

    Returns
    -------
    ndarray
        One score per forecast.

    References
    ----------
    Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules,
    prediction, and estimation. JASA 102(477), 359-378, section 6.2.

    Examples
    --------
    >>> interval_score([0.5, 3.0, -1.0], 0.1, 0.0, 1.0)
    array([ 1., 41., 21.])

    Changed in 0.2: ``alpha`` comes before the bounds (it was last). The 0.1
    order still works, with a DeprecationWarning, until 0.3.
    """
    rule = "interval_score"
    allow_nan = check_nan_policy(nan_policy, rule)
    y = as_float(outcome, "outcome", rule)
    lo = as_float(lower, "lower", rule)
    hi = as_float(upper, "upper", rule)
    a = as_float(alpha, "alpha", rule)
    check_same_shape(rule, outcome=y, lower=lo, upper=hi, alpha=a)
    for name, arr in (("outcome", y), ("lower", lo), ("upper", hi)):
        check_finite(arr, name, rule, allow_nan)
    check_open_unit(a, "alpha", rule)
    check_not_greater(lo, hi, "lower", "upper", rule)
    below = np.maximum(lo - y, 0.0)
    above = np.maximum(y - hi, 0.0)
    return np.asarray((hi - lo) + (2.0 / a) * (below + above), dtype=np.float64)


@reorder(wis_args)
def weighted_interval_score(
    outcome: npt.ArrayLike,
    alpha: npt.ArrayLike,
    median: npt.ArrayLike,
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    *,
    nan_policy: NanPolicy = "raise",
) -> WeightedIntervalScore:
    r"""Weighted interval score of a median and :math:`K` central intervals (a loss).

    .. math::
        \mathrm{WIS} = \frac{1}{K + 1/2}\left( \tfrac12 |y - m|
        + \sum_{k=1}^{K} \tfrac{\alpha_k}{2}\, \mathrm{IS}_{\alpha_k} \right),

    split into dispersion (the interval widths), overprediction (the outcome
    below intervals and median) and underprediction (above), which add up to
    the score. It equals the sum of the pinball losses of the :math:`2K + 1`
    quantiles divided by :math:`K + 1/2`.

    The bounds are read in one pass, in blocks that stay in cache, with every
    term a difference of two inputs (so a large common offset loses no
    precision); the validation of finiteness and of ``lower <= median <=
    upper`` is folded into that pass and only re-run in full to report an
    offending value. With numba installed, inputs of a million bounds or more
    run through one compiled loop (compiled once, cached on disk) that gives
    the same values and errors; the first such call in a process pays for
    importing numba (about a second on a busy machine).

    Parameters
    ----------
    outcome : array_like
        Observed values, shape ``S``.
    alpha : array_like
        Shape ``(K,)``, each in (0, 1): interval ``k`` is the central
        ``1 - alpha[k]`` prediction interval.
    median : array_like
        Forecast medians, shape ``S`` (or scalar).
    lower, upper : array_like
        Interval bounds, shape ``S + (K,)``. Quantiles must not cross
        (``lower <= median <= upper``).
    nan_policy : {"raise", "omit"}
        ``"omit"`` returns NaN for items with a NaN input.

    Returns
    -------
    WeightedIntervalScore
        ``score``, ``dispersion``, ``overprediction``, ``underprediction``
        arrays of shape ``S``.

    References
    ----------
    Bracher, J., Ray, E. L., Gneiting, T. & Reich, N. G. (2021). Evaluating
    epidemic forecasts in an interval format. PLOS Computational Biology 17(2),
    e1008618.

    Examples
    --------
    >>> lower, upper = [[-1.0, 0.0], [-2.0, 1.0]], [[3.0, 2.0], [4.0, 2.0]]
    >>> wis = weighted_interval_score([1.0, -15.0], [0.2, 0.5], [1.0, 2.0], lower, upper)
    >>> wis.score.round(2)
    array([ 0.36, 15.34])
    >>> wis.overprediction.round(2)
    array([ 0., 15.])

    Changed in 0.2: ``alpha`` (formerly ``alphas``, last) comes right after
    ``outcome``. The 0.1 order and keyword still work, with a
    DeprecationWarning, until 0.3.
    """
    rule = "weighted_interval_score"
    allow_nan = check_nan_policy(nan_policy, rule)
    y = as_float(outcome, "outcome", rule)
    m = as_float(median, "median", rule)
    lo = as_float(lower, "lower", rule)
    hi = as_float(upper, "upper", rule)
    a = as_float(alpha, "alpha", rule)
    if a.ndim != 1 or a.size == 0:
        raise ScoringInputError(rule, "alpha", f"must be a non-empty 1-d array, got {a.shape}")
    check_shapes(rule, y.shape, median=m)
    check_shapes(rule, y.shape + a.shape, lower=lo, upper=hi)
    check_open_unit(a, "alpha", rule)
    n, k = y.size, a.size
    m1 = _rows(m, y.shape, (n,))
    lo2 = _rows(lo, y.shape + a.shape, (n, k))
    hi2 = _rows(hi, y.shape + a.shape, (n, k))
    norm = k + 0.5
    kernel = wis_kernel() if n * k >= COMPILED_MIN_ELEMENTS else None
    with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN are reported below
        if kernel is not None:
            dispersion, over, under, score = (np.empty(n) for _ in range(4))
            parts = (dispersion, over, under, score)
            suspect = kernel(y.reshape(n), m1, lo2, hi2, 0.5 * a, *parts, norm)
        else:
            d = m1 - y.reshape(n)  # m - y
            sums, crossed = _wis_sums(d, m1, lo2, hi2, 0.5 * a)
            lower_sum, lower_max, upper_sum, upper_min = sums
            kd = k * d
            dispersion = (upper_sum - lower_sum) / norm
            over = (lower_max + kd + 0.5 * np.maximum(d, 0.0)) / norm
            under = (0.5 * np.maximum(-d, 0.0) - upper_min - kd) / norm
            score = dispersion + over + under
            suspect = crossed or not np.isfinite(score).all()
    if suspect:
        # the slow, exact checks find and report the offending value (NaN passes them
        # under nan_policy="omit", where the scores are NaN)
        for name, arr in (("outcome", y), ("median", m), ("lower", lo), ("upper", hi)):
            check_finite(arr, name, rule, allow_nan)
        mb = np.broadcast_to(m[..., np.newaxis], y.shape + a.shape)
        check_not_greater(lo, hi, "lower", "upper", rule)
        check_not_greater(lo, mb, "lower", "median", rule)
        check_not_greater(mb, hi, "median", "upper", rule)
    return WeightedIntervalScore(
        score=score.reshape(y.shape),
        dispersion=dispersion.reshape(y.shape),
        overprediction=over.reshape(y.shape),
        underprediction=under.reshape(y.shape),
    )


def _rows(
    x: NDArray[np.float64], shape: tuple[int, ...], rows: tuple[int, ...]
) -> NDArray[np.float64]:
    """``x`` broadcast to ``shape`` and reshaped to ``rows``; a plain view when no broadcast
    is needed (read-only broadcast views take a slower path through compiled kernels)."""
    if x.shape == shape:
        return x.reshape(rows)
    return np.broadcast_to(x, shape).reshape(rows)


#: Rows per block of the WIS kernel: a block of bounds (and its scratch copy) stays in cache.
_WIS_BLOCK = 4096


def _wis_sums(
    d: NDArray[np.float64],
    m: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    half: NDArray[np.float64],
) -> tuple[tuple[NDArray[np.float64], ...], bool]:
    """One pass over the bounds, block by block, centred on the median (kernel of WIS).

    For each row returns ``sum_k a_k/2 (l_k - m)``, ``sum_k max(l_k - m, y - m)``,
    ``sum_k a_k/2 (u_k - m)`` and ``sum_k min(u_k - m, y - m)``, from which the
    dispersion, over- and underprediction follow without cancellation (every term is
    relative to the median, so a large common offset costs no precision). ``crossed``
    is True when some block may have ``l > m`` or ``u < m`` (or NaN): the caller then
    runs the exact checks. The only temporary is one block-sized scratch array.
    """
    n, k = lo.shape
    ones = np.ones(k)
    nd = -d
    out = tuple(np.empty(n) for _ in range(4))
    lower_sum, lower_max, upper_sum, upper_min = out
    scratch = np.empty((min(n, _WIS_BLOCK), k))
    crossed = False
    for start in range(0, n, _WIS_BLOCK):
        stop = min(start + _WIS_BLOCK, n)
        b = scratch[: stop - start]
        mc = m[start:stop, np.newaxis]
        ndc = nd[start:stop, np.newaxis]
        np.subtract(lo[start:stop], mc, out=b)  # l - m, <= 0
        crossed |= not b.max() <= 0.0
        np.matmul(b, half, out=lower_sum[start:stop])
        np.maximum(b, ndc, out=b)
        np.matmul(b, ones, out=lower_max[start:stop])
        np.subtract(hi[start:stop], mc, out=b)  # u - m, >= 0
        crossed |= not b.min() >= 0.0
        np.matmul(b, half, out=upper_sum[start:stop])
        np.minimum(b, ndc, out=b)
        np.matmul(b, ones, out=upper_min[start:stop])
    return out, crossed


def quantile_score(
    outcome: npt.ArrayLike,
    levels: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    nan_policy: NanPolicy = "raise",
) -> NDArray[np.float64]:
    r"""Quantile (pinball) loss of forecast quantiles.

    .. math::
        \rho_\tau(y, q) = (y - q)\,(\tau - 1\{y < q\})
        = \max(\tau (y - q),\ (\tau - 1)(y - q)).

    Parameters
    ----------
    outcome : array_like
        Observed values, shape ``S``.
    levels : array_like
        Quantile level(s) in (0, 1): scalar, shape ``S``, or ``(Q,)`` with
        ``values`` of shape ``S + (Q,)``.
    values : array_like
        Forecast quantile(s): shape ``S`` (or scalar), or ``S + (Q,)`` for
        several levels at once.
    nan_policy : {"raise", "omit"}
        ``"omit"`` returns NaN for items with a NaN input.

    Returns
    -------
    ndarray
        Losses shaped like ``values`` (or ``outcome`` if ``values`` is scalar).

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. Econometrica 46,
    33-50.

    Examples
    --------
    >>> quantile_score([1.0, 3.0], 0.9, 2.0)
    array([0.1, 0.9])
    >>> quantile_score([1.0], [0.1, 0.5, 0.9], [[0.0, 1.0, 2.0]])
    array([[0.1, 0. , 0.1]])

    New in 0.2: replaces ``pinball_loss(outcome, value, level)``, whose
    operands were in the opposite order to :func:`crps_quantiles`.
    """
    rule = "quantile_score"
    allow_nan = check_nan_policy(nan_policy, rule)
    y = as_float(outcome, "outcome", rule)
    tau = as_float(levels, "levels", rule)
    q = as_float(values, "values", rule)
    if q.ndim == y.ndim + 1 and q.shape[:-1] == y.shape:
        check_shapes(rule, q.shape[-1:], levels=tau)
        yb = y[..., np.newaxis]
    else:
        check_same_shape(rule, outcome=y, levels=tau, values=q)
        yb = y
    check_open_unit(tau, "levels", rule)
    check_finite(y, "outcome", rule, allow_nan)
    check_finite(q, "values", rule, allow_nan)
    return pinball_terms(yb, q, tau)


def pinball_loss(
    outcome: npt.ArrayLike,
    value: npt.ArrayLike,
    level: npt.ArrayLike,
    *,
    nan_policy: NanPolicy = "raise",
) -> NDArray[np.float64]:
    """Deprecated alias of :func:`quantile_score` with the 0.1 operand order.

    ``pinball_loss(outcome, value, level)`` is ``quantile_score(outcome, level,
    value)``. It warns (DeprecationWarning) and is removed in 0.3.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     pinball_loss([1.0, 3.0], 2.0, 0.9)
    array([0.1, 0.9])
    """
    warn(
        "pinball_loss",
        "pinball_loss(outcome, value, level)",
        "use quantile_score(outcome, levels, values)",
        stacklevel=3,
    )
    return quantile_score(outcome, level, value, nan_policy=nan_policy)
