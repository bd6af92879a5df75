"""Aggregate scores: the Brier skill score and the Metaculus-style baseline and peer
scores (their averages over a question's life are in ``_time``)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._deprecation import options_by_keyword
from ._rules import brier_score, prepare, prob_of_outcome
from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_float,
    as_numeric,
    check_nonempty,
)

__all__ = ["baseline_score", "brier_skill_score", "peer_score"]


@options_by_keyword(2, ("reference",))
def brier_skill_score(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    *,
    reference: npt.ArrayLike | None = None,
    nan_policy: NanPolicy = "raise",
) -> float:
    r"""Brier skill score :math:`1 - \bar B / \bar B_{\mathrm{ref}}` (higher is better).

    1 is perfect, 0 is no better than the reference, negative is worse.

    Parameters
    ----------
    outcome, forecast : array_like
        As for :func:`brier_score` (binary or categorical).
    reference : None, float or array_like
        None: the sample base rate (climatology) as a constant forecast (per
        category for categorical forecasts). A number (or one category row): a
        constant forecast. An array shaped like ``forecast``: a reference
        forecast per item.
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops items with a NaN in outcome, forecast or reference.

    Returns
    -------
    float

    References
    ----------
    Wilks, D. S. (2011). Statistical Methods in the Atmospheric Sciences, 3rd
    ed., section 8.4.

    Examples
    --------
    >>> round(brier_skill_score([1, 0, 0], [0.7, 0.2, 0.9]), 6)
    -0.41
    >>> round(brier_skill_score([1, 0, 0], [0.7, 0.2, 0.1], reference=0.5), 6)
    0.813333
    """
    rule = "brier_skill_score"
    y, f, categorical, allow_nan = prepare(outcome, forecast, rule, nan_policy)
    scores = brier_score(y, f, nan_policy=nan_policy)
    if reference is None:
        keep = ~np.isnan(scores) if allow_nan else None
        yk = y if keep is None else y[keep]
        check_nonempty(yk.size, "outcome", rule)
        if categorical:
            counts = np.bincount(yk.astype(np.intp).ravel(), minlength=f.shape[-1])
            ref_f: NDArray[np.float64] = counts / counts.sum()
        else:
            ref_f = np.asarray(np.mean(yk, dtype=np.float64))
        ref_scores = brier_score(y, np.broadcast_to(ref_f, f.shape), nan_policy=nan_policy)
    else:
        ref = as_float(reference, "reference", rule)
        try:
            ref_full = np.broadcast_to(ref, f.shape)
        except ValueError:
            raise ScoringInputError(
                rule, "reference", f"has shape {ref.shape}, expected {f.shape} or a constant"
            ) from None
        ref_scores = brier_score(y, ref_full, nan_policy=nan_policy)
    keep_all = ~(np.isnan(scores) | np.isnan(ref_scores))
    check_nonempty(int(keep_all.sum()), "outcome", rule)
    bs = float(scores[keep_all].mean())
    bs_ref = float(ref_scores[keep_all].mean())
    if bs_ref == 0.0:
        raise ScoringInputError(
            rule, "reference", "has a mean Brier score of 0, so skill is undefined"
        )
    return 1.0 - bs / bs_ref


def baseline_score(
    outcome: npt.ArrayLike, forecast: npt.ArrayLike, *, nan_policy: NanPolicy = "raise"
) -> NDArray[np.float64]:
    r"""Metaculus baseline score of each forecast (positively oriented: higher is better).

    .. math::
        S_B = 100\,\frac{\ln(N q)}{\ln N},

    where :math:`q` is the probability given to what happened and :math:`N`
    the number of options (2 for binary). 0 for the uniform forecast, 100 for
    certainty on the right answer, :math:`-\infty` for :math:`q = 0`. This is
    the instantaneous score; Metaculus averages it over the question's life.

    Parameters
    ----------
    outcome, forecast, nan_policy
        As for :func:`brier_score`.

    Returns
    -------
    ndarray

    References
    ----------
    Metaculus scores FAQ, "baseline score"; see docs/scoring.md.

    Examples
    --------
    >>> baseline_score([1, 0, 1], [0.5, 0.2, 0.9]).round(4)
    array([ 0.    , 67.8072, 84.7997])
    """
    y, f, categorical, _ = prepare(outcome, forecast, "baseline_score", nan_policy)
    n_options = f.shape[-1] if categorical else 2
    q = prob_of_outcome(y, f, categorical)
    with np.errstate(divide="ignore"):
        out = 100.0 * np.log(n_options * q) / math.log(n_options)
    return np.asarray(out, dtype=np.float64)


def peer_score(
    outcome: npt.ArrayLike, forecasts: npt.ArrayLike, *, nan_policy: NanPolicy = "raise"
) -> NDArray[np.float64]:
    r"""Metaculus peer score of each forecaster on a question (higher is better).

    For the :math:`n` forecasters with a forecast on the same question,

    .. math::
        S_{P,i} = 100\,\frac{n}{n-1}\,\ln\frac{q_i}{\mathrm{GM}(q)}
        = 100\left[\ln q_i - \frac{1}{n-1}\sum_{j \ne i}\ln q_j\right],

    with :math:`q` the probability each gave to what happened and GM the
    geometric mean over all :math:`n` (including :math:`i`). Scores on a
    question sum to 0; a lone forecaster scores 0. A forecaster who gave
    probability 0 to what happened scores :math:`-\infty` (and the others
    :math:`+\infty`); two such forecasters score NaN against each other.

    Parameters
    ----------
    outcome : array_like
        Outcome per question, shape ``S`` (0/1 or category index).
    forecasts : array_like
        Forecasters on the last axis: shape ``S + (n,)`` for binary
        probabilities, ``S + (n, K)`` for categorical ones.
    nan_policy : {"raise", "omit"}
        ``"omit"``: a NaN forecast means the forecaster did not take part; it
        gets a NaN score and is left out of everyone else's comparison.

    Returns
    -------
    ndarray
        Shape ``S + (n,)``.

    References
    ----------
    Metaculus scores FAQ, "peer score"; see docs/scoring.md.

    Examples
    --------
    >>> peer_score(1, [0.8, 0.5, 0.2]).round(3)
    array([  92.815,   22.314, -115.129])
    """
    rule = "peer_score"
    y = as_numeric(outcome, "outcome", rule)
    f = as_float(forecasts, "forecasts", rule)
    if f.ndim not in (y.ndim + 1, y.ndim + 2) or f.shape[: y.ndim] != y.shape:
        raise ScoringInputError(
            rule, "forecasts", f"has shape {f.shape}, expected {y.shape + ('n',)} (+ categories)"
        )
    yb = np.broadcast_to(y[..., np.newaxis], f.shape[: y.ndim + 1])
    yv, fv, categorical, _ = prepare(yb, f, rule, nan_policy)
    with np.errstate(divide="ignore", invalid="ignore"):
        logq = np.log(prob_of_outcome(yv, fv, categorical))
        present = ~np.isnan(logq)
        finite = np.isfinite(logq)
        zero = present & ~finite  # probability 0 on what happened: log q = -inf
        n = present.sum(axis=-1, keepdims=True)
        fin = np.where(finite, logq, 0.0)
        others_fin = fin.sum(axis=-1, keepdims=True) - fin
        others_zero = zero.sum(axis=-1, keepdims=True) - zero
        others = np.where(others_zero > 0, -np.inf, others_fin / (n - 1))
        out = 100.0 * (logq - others)
    out = np.where(n == 1, 0.0, out)
    out[~present] = np.nan
    return np.asarray(out, dtype=np.float64)
