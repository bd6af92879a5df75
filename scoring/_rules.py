"""Scoring rules for binary and categorical probability forecasts.

Every function takes ``(outcome, forecast)`` and returns one score per forecast.
A forecast with the same shape as ``outcome`` is binary (``forecast`` is the
probability of the outcome 1); a forecast with one more (last) axis than
``outcome`` is categorical (one probability per category, ``outcome`` holds the
index of the category that happened).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_float,
    as_numeric,
    check_binary_outcome,
    check_category_outcome,
    check_nan_policy,
    check_probability,
    check_rows_sum_to_one,
    check_same_shape,
)

__all__ = [
    "brier_score",
    "log_score",
    "prepare",
    "prob_of_outcome",
    "ranked_probability_score",
    "spherical_score",
]


def prepare(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    rule: str,
    nan_policy: NanPolicy,
) -> tuple[NDArray[Any], NDArray[np.float64], bool, bool]:
    """Validate a (binary or categorical) probability forecast.

    Returns ``(y, f, categorical, allow_nan)``.
    """
    allow_nan = check_nan_policy(nan_policy, rule)
    y = as_numeric(outcome, "outcome", rule)
    f = as_float(forecast, "forecast", rule)
    if f.ndim == y.ndim + 1:
        if f.shape[:-1] != y.shape:
            raise ScoringInputError(
                rule,
                "forecast",
                f"has shape {f.shape}, expected {y.shape + ('K',)} for outcome shape {y.shape}",
            )
        n_categories = f.shape[-1]
        if n_categories < 2:
            raise ScoringInputError(rule, "forecast", "needs at least 2 categories (last axis)")
        check_probability(f, "forecast", rule, allow_nan)
        check_rows_sum_to_one(f, "forecast", rule)
        check_category_outcome(y, n_categories, "outcome", rule, allow_nan)
        return y, f, True, allow_nan
    check_same_shape(rule, outcome=y, forecast=f)
    check_probability(f, "forecast", rule, allow_nan)
    check_binary_outcome(y, "outcome", rule, allow_nan)
    return y, f, False, allow_nan


def _category_index(y: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[np.bool_] | None]:
    """Integer category indices, with NaN outcomes mapped to 0 and reported as a mask."""
    if y.dtype.kind == "f":
        nan = np.isnan(y)
        if nan.any():
            return np.where(nan, 0, y).astype(np.intp), nan
    return y.astype(np.intp), None


def prob_of_outcome(
    y: NDArray[Any], f: NDArray[np.float64], categorical: bool
) -> NDArray[np.float64]:
    """Probability given to what happened (NaN where the outcome or forecast is NaN)."""
    if categorical:
        idx, nan = _category_index(y)
        q = np.asarray(np.take_along_axis(f, idx[..., np.newaxis], axis=-1)[..., 0])
        if nan is not None:
            q[nan] = np.nan
        return q
    q = np.where(y == 1, f, 1.0 - f)
    if y.dtype.kind == "f":
        q = q + 0.0 * y  # NaN outcome -> NaN score
    return np.asarray(q, dtype=np.float64)


def brier_score(
    outcome: npt.ArrayLike, forecast: npt.ArrayLike, *, nan_policy: NanPolicy = "raise"
) -> NDArray[np.float64]:
    r"""Brier score of each forecast (a loss: lower is better).

    Binary: :math:`(p - o)^2` with range 0..1. Categorical with :math:`K`
    categories: :math:`\sum_k (f_k - o_k)^2` with range 0..2, where
    :math:`o_k = 1` for the category that happened and 0 otherwise (so a binary
    forecast written as two categories scores twice its binary Brier score).

    Parameters
    ----------
    outcome : array_like
        0/1 (binary) or the index of the category that happened (categorical).
    forecast : array_like
        P(outcome = 1), same shape as ``outcome``; or probabilities per category
        along an extra last axis, each row summing to 1.
    nan_policy : {"raise", "omit"}
        ``"omit"`` leaves items whose outcome or forecast is NaN unscored: their
        score is NaN, so the output stays aligned with the input (use
        ``np.nanmean`` to aggregate).

    Returns
    -------
    ndarray
        One score per forecast, shaped like ``outcome``.

    References
    ----------
    Brier, G. W. (1950). Verification of forecasts expressed in terms of
    probability. Monthly Weather Review 78(1), 1-3.

    Examples
    --------
    >>> brier_score([1, 0, 0], [0.7, 0.2, 0.9])
    array([0.09, 0.04, 0.81])
    >>> brier_score([2, 0], [[0.1, 0.2, 0.7], [1.0, 0.0, 0.0]])
    array([0.14, 0.  ])
    """
    y, f, categorical, _ = prepare(outcome, forecast, "brier_score", nan_policy)
    if categorical:
        idx, nan = _category_index(y)
        fy = np.take_along_axis(f, idx[..., np.newaxis], axis=-1)[..., 0]
        out = np.asarray(np.einsum("...k,...k->...", f, f))
        out -= 2.0 * fy
        out += 1.0
        if nan is not None:
            out[nan] = np.nan
        return np.asarray(out, dtype=np.float64)
    d = np.asarray(np.subtract(f, y, dtype=np.float64))
    np.square(d, out=d)
    return d


def log_score(
    outcome: npt.ArrayLike, forecast: npt.ArrayLike, *, nan_policy: NanPolicy = "raise"
) -> NDArray[np.float64]:
    r"""Logarithmic score of each forecast (a loss: lower is better).

    :math:`-\ln q`, where :math:`q` is the probability the forecast gave to
    what happened (:math:`p` if the outcome is 1, :math:`1 - p` if 0, or the
    probability of the observed category). Natural logarithm. When
    :math:`q = 0` the score is ``inf``: probabilities are never clipped.

    Parameters
    ----------
    outcome, forecast, nan_policy
        As for :func:`brier_score`.

    Returns
    -------
    ndarray
        One score per forecast, in :math:`[0, \infty]`.

    References
    ----------
    Good, I. J. (1952). Rational decisions. Journal of the Royal Statistical
    Society B 14(1), 107-114.

    Examples
    --------
    >>> log_score([1, 0, 0], [0.7, 0.2, 0.9]).round(6)
    array([0.356675, 0.223144, 2.302585])
    >>> log_score([1], [0.0])
    array([inf])
    """
    y, f, categorical, _ = prepare(outcome, forecast, "log_score", nan_policy)
    q = prob_of_outcome(y, f, categorical)
    with np.errstate(divide="ignore"):
        out = -np.log(q)
    return np.asarray(out, dtype=np.float64)


def spherical_score(
    outcome: npt.ArrayLike, forecast: npt.ArrayLike, *, nan_policy: NanPolicy = "raise"
) -> NDArray[np.float64]:
    r"""Spherical score of each forecast (positively oriented: higher is better).

    :math:`q / \lVert f \rVert_2`, where :math:`q` is the probability given to
    what happened and :math:`\lVert f \rVert_2` the Euclidean norm of the whole
    probability vector (:math:`\sqrt{p^2 + (1 - p)^2}` for a binary forecast).
    Range 0..1; it is the one rule in this package that is not a loss.

    Parameters
    ----------
    outcome, forecast, nan_policy
        As for :func:`brier_score`.

    Returns
    -------
    ndarray
        One score per forecast, in :math:`[0, 1]`.

    References
    ----------
    Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules,
    prediction, and estimation. JASA 102(477), 359-378, section 3.

    Examples
    --------
    >>> spherical_score([1, 0, 0], [0.7, 0.2, 0.9]).round(6)
    array([0.919145, 0.970143, 0.110432])
    """
    y, f, categorical, _ = prepare(outcome, forecast, "spherical_score", nan_policy)
    q = prob_of_outcome(y, f, categorical)
    if categorical:
        norm = np.sqrt(np.einsum("...k,...k->...", f, f))
    else:
        norm = np.sqrt(f * f + (1.0 - f) ** 2)
    return np.asarray(q / norm, dtype=np.float64)


def ranked_probability_score(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    *,
    normalize: bool = False,
    nan_policy: NanPolicy = "raise",
) -> NDArray[np.float64]:
    r"""Ranked probability score for ordered categories (a loss: lower is better).

    :math:`\sum_{k=1}^{K-1} (F_k - O_k)^2`, where :math:`F_k` is the forecast
    probability of the first :math:`k` categories and :math:`O_k = 1` when the
    observed category is among them. Range :math:`0..K-1`, or 0..1 with
    ``normalize=True`` (divided by :math:`K - 1`), which is half the Good
    Judgment "ordered categorical" score. For a binary forecast (:math:`K = 2`)
    it is the Brier score.

    Parameters
    ----------
    outcome : array_like
        Index of the observed category (categories in their natural order).
    forecast : array_like
        Probabilities per category on the last axis, rows summing to 1 (or a
        binary probability shaped like ``outcome``).
    normalize : bool
        Divide by :math:`K - 1`.
    nan_policy : {"raise", "omit"}
        As for :func:`brier_score`.

    Returns
    -------
    ndarray
        One score per forecast.

    References
    ----------
    Epstein, E. S. (1969). A scoring system for probability forecasts of ranked
    categories. Journal of Applied Meteorology 8(6), 985-987.

    Examples
    --------
    >>> ranked_probability_score([2, 0], [[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]])
    array([0.29, 0.89])
    """
    rule = "ranked_probability_score"
    y, f, categorical, _ = prepare(outcome, forecast, rule, nan_policy)
    if not categorical:
        d = np.asarray(np.subtract(f, y, dtype=np.float64))
        np.square(d, out=d)
        return d
    n_categories = f.shape[-1]
    idx, nan = _category_index(y)
    cum = np.cumsum(f[..., :-1], axis=-1)
    cum -= np.arange(n_categories - 1) >= idx[..., np.newaxis]
    out = np.asarray(np.einsum("...k,...k->...", cum, cum))
    if nan is not None:
        out[nan] = np.nan
    if normalize:
        out /= n_categories - 1
    return np.asarray(out, dtype=np.float64)
