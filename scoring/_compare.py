"""Comparing two forecasters on the same items: Diebold-Mariano test, sign-flip
permutation test and paired bootstrap interval of the mean score difference.

Pass per-item scores of both forecasters on the *same* items, in the same order
(the intersection of the questions both answered).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._results import BootstrapInterval, DieboldMarianoResult, PermutationTestResult
from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_float,
    check_finite,
    check_nan_policy,
    check_open_unit,
    make_rng,
)

__all__ = ["diebold_mariano", "paired_bootstrap", "permutation_test"]

#: Largest number of items for which the permutation test enumerates all sign flips by default.
EXACT_MAX_N = 16
_CHUNK_ELEMENTS = 2_000_000


def _differences(
    scores_a: npt.ArrayLike, scores_b: npt.ArrayLike, rule: str, nan_policy: NanPolicy
) -> NDArray[np.float64]:
    allow_nan = check_nan_policy(nan_policy, rule)
    a = as_float(scores_a, "scores_a", rule)
    b = as_float(scores_b, "scores_b", rule)
    if a.ndim != 1:
        raise ScoringInputError(rule, "scores_a", f"must be 1-d, got shape {a.shape}")
    if b.shape != a.shape:
        raise ScoringInputError(rule, "scores_b", f"has shape {b.shape}, expected {a.shape}")
    check_finite(a, "scores_a", rule, allow_nan)
    check_finite(b, "scores_b", rule, allow_nan)
    d = a - b
    if allow_nan:
        d = d[~np.isnan(d)]
    if d.size < 2:
        raise ScoringInputError(rule, "scores_a", f"needs at least 2 paired scores, got {d.size}")
    return d


def diebold_mariano(
    scores_a: npt.ArrayLike,
    scores_b: npt.ArrayLike,
    *,
    h: int = 1,
    nan_policy: NanPolicy = "raise",
) -> DieboldMarianoResult:
    r"""Diebold-Mariano test of equal expected score, with the HLN correction.

    With :math:`d_t = a_t - b_t`, autocovariances :math:`\hat\gamma_k`
    (divisor :math:`n`) and horizon :math:`h`:

    .. math::
        \mathrm{DM} = \frac{\bar d}{\sqrt{(\hat\gamma_0 + 2\sum_{k=1}^{h-1}
        \hat\gamma_k)/n}} \sqrt{\frac{n + 1 - 2h + h(h-1)/n}{n}},

    referred to Student's t with :math:`n - 1` degrees of freedom (two-sided).
    This matches R's ``forecast::dm.test`` given the score differences,
    including its fallback to :math:`h = 1` when the variance estimate is not
    positive.

    Parameters
    ----------
    scores_a, scores_b : array_like
        Per-item scores of two forecasters (same items, time order).
    h : int
        Forecast horizon (number of autocovariance lags is ``h - 1``).
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops pairs with a NaN.

    Returns
    -------
    DieboldMarianoResult

    References
    ----------
    Diebold, F. X. & Mariano, R. S. (1995). Comparing predictive accuracy. JBES
    13, 253-263. Harvey, D., Leybourne, S. & Newbold, P. (1997). Testing the
    equality of prediction mean squared errors. IJF 13, 281-291.

    Examples
    --------
    >>> r = diebold_mariano([0.1, 0.4, 0.2, 0.3, 0.5], [0.2, 0.6, 0.1, 0.5, 0.6])
    >>> round(r.statistic, 4), round(r.pvalue, 4)
    (-1.8257, 0.1419)
    """
    from scipy.special import stdtr

    rule = "diebold_mariano"
    d = _differences(scores_a, scores_b, rule, nan_policy)
    n = d.size
    if not isinstance(h, int | np.integer) or not 1 <= h < n:
        raise ScoringInputError(rule, "h", f"must be an integer in 1..{n - 1}, got {h!r}")
    mean = float(d.mean())
    dc = d - mean
    gamma = [float(dc[k:] @ dc[: n - k]) / n for k in range(h)]
    var = (gamma[0] + 2.0 * sum(gamma[1:])) / n
    if var <= 0 and h > 1:
        h, var = 1, gamma[0] / n
    if var <= 0:
        raise ScoringInputError(rule, "scores_a", "differences have zero variance; no test")
    k = math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    stat = mean / math.sqrt(var) * k
    pvalue = 2.0 * float(stdtr(n - 1, -abs(stat)))
    return DieboldMarianoResult(statistic=stat, pvalue=pvalue, mean_difference=mean, h=int(h), n=n)


def permutation_test(
    scores_a: npt.ArrayLike,
    scores_b: npt.ArrayLike,
    *,
    n_resamples: int | None = None,
    seed: int | np.random.Generator | None = None,
    nan_policy: NanPolicy = "raise",
) -> PermutationTestResult:
    r"""Two-sided paired sign-flip permutation test of the mean score difference.

    Under the null hypothesis the sign of each difference :math:`d_i = a_i -
    b_i` is equally likely to be + or -. The p-value is the share of sign
    assignments :math:`s` with :math:`|\overline{s d}| \ge |\bar d|`: all
    :math:`2^n` of them when that is at most ``n_resamples`` (default: when
    :math:`n \le 16`), otherwise ``n_resamples`` random ones (default 9999), with
    the observed assignment counted in (:math:`(k + 1)/(B + 1)`).

    Parameters
    ----------
    scores_a, scores_b : array_like
        Per-item scores of two forecasters on the same items.
    n_resamples : int, optional
        Number of random sign assignments.
    seed : int, numpy Generator or None
        Randomness for the Monte Carlo version.
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops pairs with a NaN.

    Returns
    -------
    PermutationTestResult
        ``statistic`` is the mean difference.

    References
    ----------
    Good, P. (2005). Permutation, Parametric and Bootstrap Tests of Hypotheses,
    3rd ed., Springer, section 3.

    Examples
    --------
    >>> r = permutation_test([0.1, 0.4, 0.2, 0.3, 0.5], [0.2, 0.6, 0.1, 0.5, 0.6])
    >>> r.exact, r.n_resamples, r.pvalue
    (True, 32, 0.25)
    """
    rule = "permutation_test"
    d = _differences(scores_a, scores_b, rule, nan_policy)
    n = d.size
    if n_resamples is not None and n_resamples < 1:
        raise ScoringInputError(rule, "n_resamples", f"must be >= 1, got {n_resamples}")
    observed = abs(float(d.sum()))
    tol = 1e-9 * float(np.abs(d).sum())
    exact = (n <= EXACT_MAX_N) if n_resamples is None else (n < 63 and 2**n <= n_resamples)
    total = float(d.sum())
    if exact:
        count, b = 0, 2**n
        bits = np.arange(n, dtype=np.int64)
        chunk = max(1, _CHUNK_ELEMENTS // n)
        for start in range(0, b, chunk):
            codes = np.arange(start, min(b, start + chunk), dtype=np.int64)
            plus = ((codes[:, np.newaxis] >> bits) & 1).astype(np.float64)
            sums = 2.0 * (plus @ d) - total
            count += int(np.count_nonzero(np.abs(sums) >= observed - tol))
        pvalue = count / b
    else:
        b = 9999 if n_resamples is None else n_resamples
        rng = make_rng(seed)
        count = 0
        chunk = max(1, _CHUNK_ELEMENTS // n)
        for start in range(0, b, chunk):
            size = min(chunk, b - start)
            plus = rng.integers(0, 2, size=(size, n)).astype(np.float64)
            sums = 2.0 * (plus @ d) - total
            count += int(np.count_nonzero(np.abs(sums) >= observed - tol))
        pvalue = (count + 1) / (b + 1)
    return PermutationTestResult(
        statistic=total / n, pvalue=pvalue, n_resamples=int(b), exact=bool(exact)
    )


def paired_bootstrap(
    scores_a: npt.ArrayLike,
    scores_b: npt.ArrayLike,
    *,
    level: float = 0.95,
    n_resamples: int = 9999,
    seed: int | np.random.Generator | None = None,
    nan_policy: NanPolicy = "raise",
) -> BootstrapInterval:
    r"""Percentile bootstrap interval for the mean score difference :math:`\overline{a - b}`.

    Items (pairs) are resampled with replacement ``n_resamples`` times and the
    :math:`(1 \mp \mathrm{level})/2` quantiles of the resampled means bound the
    interval. Items are assumed independent (for serially dependent scores
    prefer :func:`diebold_mariano` with ``h > 1``).

    Parameters
    ----------
    scores_a, scores_b : array_like
        Per-item scores of two forecasters on the same items.
    level : float
        Interval level in (0, 1).
    n_resamples : int
        Number of bootstrap resamples.
    seed : int, numpy Generator or None
        Randomness (None: fresh entropy).
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops pairs with a NaN.

    Returns
    -------
    BootstrapInterval

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap,
    Chapman & Hall, chapter 13.

    Examples
    --------
    >>> r = paired_bootstrap([0.1, 0.4, 0.2, 0.3, 0.5], [0.2, 0.6, 0.1, 0.5, 0.6], seed=0)
    >>> round(r.mean_difference, 6), r.low < r.mean_difference < r.high
    (-0.1, True)
    """
    rule = "paired_bootstrap"
    check_open_unit(as_float(level, "level", rule), "level", rule)
    if n_resamples < 1:
        raise ScoringInputError(rule, "n_resamples", f"must be >= 1, got {n_resamples}")
    d = _differences(scores_a, scores_b, rule, nan_policy)
    n = d.size
    rng = make_rng(seed)
    means = np.empty(n_resamples)
    chunk = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        idx = rng.integers(0, n, size=(size, n))
        means[start : start + size] = d[idx].mean(axis=1)
    low, high = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return BootstrapInterval(
        mean_difference=float(d.mean()),
        low=float(low),
        high=float(high),
        level=float(level),
        n_resamples=int(n_resamples),
    )
