"""Interval, weighted interval and quantile (pinball) scores. All are losses."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

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
    for name, arr in (("outcome", y), ("median", m), ("lower", lo), ("upper", hi)):
        check_finite(arr, name, rule, allow_nan)
    mb = np.broadcast_to(
        m[..., np.newaxis], np.broadcast_shapes(lo.shape, hi.shape, y.shape + (1,))
    )
    check_not_greater(lo, hi, "lower", "upper", rule)
    check_not_greater(lo, mb, "lower", "median", rule)
    check_not_greater(mb, hi, "median", "upper", rule)
    yk = y[..., np.newaxis]
    norm = a.size + 0.5
    half = 0.5 * a
    dispersion = ((hi - lo) * half).sum(axis=-1) / norm
    over = (np.maximum(lo - yk, 0.0).sum(axis=-1) + 0.5 * np.maximum(m - y, 0.0)) / norm
    under = (np.maximum(yk - hi, 0.0).sum(axis=-1) + 0.5 * np.maximum(y - m, 0.0)) / norm
    score = dispersion + over + under
    return WeightedIntervalScore(
        score=np.asarray(score, dtype=np.float64),
        dispersion=np.asarray(dispersion, dtype=np.float64),
        overprediction=np.asarray(over, dtype=np.float64),
        underprediction=np.asarray(under, dtype=np.float64),
    )


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
