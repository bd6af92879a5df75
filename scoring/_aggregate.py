"""Aggregate scores: time-weighted scores over a question's life, the Brier skill
score, and the Metaculus-style baseline and peer scores."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._rules import brier_score, log_score, prepare, prob_of_outcome, spherical_score
from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_numeric,
    check_nonempty,
    fail,
)

__all__ = ["baseline_score", "brier_skill_score", "peer_score", "time_weighted_score"]

TimeLike = float | int | np.datetime64 | dt.datetime
_RULES = {"brier": brier_score, "log": log_score, "spherical": spherical_score}


def _seconds(value: Any, argument: str, rule: str) -> float:
    """A time as seconds: floats as they are, datetime64 and aware datetimes since the epoch."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ScoringInputError(rule, argument, f"must be timezone-aware, got {value!r}")
        return value.timestamp()
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ScoringInputError(rule, argument, "must not be NaT")
        return float(value.astype("datetime64[ns]").astype(np.int64)) / 1e9
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if not math.isfinite(float(value)):
            raise ScoringInputError(rule, argument, f"must be finite, got {value!r}")
        return float(value)
    raise ScoringInputError(
        rule, argument, f"must be a number, numpy datetime64 or datetime, got {value!r}"
    )


def _times(times: Sequence[TimeLike] | npt.NDArray[Any], rule: str) -> NDArray[np.float64]:
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            raise fail(rule, "times", "must not be NaT", arr, np.isnat(arr))
        return arr.astype("datetime64[ns]").astype(np.int64) / 1e9
    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64)
        if not np.isfinite(out).all():
            raise fail(rule, "times", "must be finite", out, ~np.isfinite(out))
        return out
    return np.array([_seconds(t, f"times[{i}]", rule) for i, t in enumerate(arr.ravel())])


def time_weighted_score(
    times: Sequence[TimeLike] | npt.NDArray[Any],
    forecasts: npt.ArrayLike,
    outcome: npt.ArrayLike,
    *,
    close: TimeLike,
    open: TimeLike | None = None,  # noqa: A002 - the issue's name for the opening time
    prior: npt.ArrayLike | None = None,
    rule: Literal["brier", "log", "spherical"] = "brier",
) -> float:
    r"""Time average of a question's standing forecast score from first forecast to close.

    Forecast :math:`i`, made at :math:`t_i`, stands until the next forecast (or
    ``close``), so with :math:`t_{n+1} = ` ``close``:

    .. math::
        \bar S = \frac{\sum_i S(f_i, y)\,(t_{i+1} - t_i)}{t_{n+1} - t_1}.

    The time before the first forecast is not scored, unless ``open`` and
    ``prior`` are both given: then ``prior`` stands from ``open`` to
    :math:`t_1` and the average runs over ``[open, close]``. Forecasts made at
    the same time: the last one listed stands. Annulled questions are not
    scored: do not call this for them.

    Parameters
    ----------
    times : sequence
        Forecast times, non-decreasing: numbers (any unit), numpy
        ``datetime64`` or timezone-aware ``datetime`` (converted to seconds).
    forecasts : array_like
        One binary probability per time, or one row of category probabilities
        per time.
    outcome : int
        0/1, or the index of the category that happened.
    close : time
        End of scoring (question close); not before the last forecast.
    open : time, optional
        Question opening time (with ``prior``); not after the first forecast.
    prior : float or array_like, optional
        Forecast standing from ``open`` to the first forecast (e.g. 0.5).
    rule : {"brier", "log", "spherical"}
        Per-instant score (spherical is positively oriented; the others are losses).

    Returns
    -------
    float

    References
    ----------
    Good Judgment Open and Metaculus score the standing forecast over the
    question's life (see docs/scoring.md); this is the continuous-time version.

    Examples
    --------
    >>> time_weighted_score([0, 3, 8], [0.6, 0.8, 0.9], 1, close=10)
    0.07
    >>> time_weighted_score([0, 3, 8], [0.6, 0.8, 0.9], 1, close=10, open=-2, prior=0.5)
    0.1
    """
    name = "time_weighted_score"
    if rule not in _RULES:
        raise ScoringInputError(name, "rule", f"must be one of {sorted(_RULES)}, not {rule!r}")
    if (open is None) != (prior is None):
        raise ScoringInputError(name, "prior", "must be given together with 'open'")
    t = _times(times, name)
    f = np.asarray(forecasts, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or f.ndim == 0 or f.shape[0] != t.size:
        raise ScoringInputError(
            name, "forecasts", f"has shape {f.shape}, expected one per time ({t.size})"
        )
    if t.size > 1 and np.any(np.diff(t) < 0):
        raise fail(name, "times", "must be non-decreasing", t[1:], np.diff(t) < 0)
    t_close = _seconds(close, "close", name)
    if t_close < t[-1]:
        raise ScoringInputError(name, "close", "must not be before the last forecast")
    if open is not None and prior is not None:
        t_open = _seconds(open, "open", name)
        if t_open > t[0]:
            raise ScoringInputError(name, "open", "must not be after the first forecast")
        p0 = np.asarray(prior, dtype=np.float64)
        if p0.shape != f.shape[1:]:
            raise ScoringInputError(name, "prior", f"has shape {p0.shape}, expected {f.shape[1:]}")
        t = np.concatenate(([t_open], t))
        f = np.concatenate((p0[np.newaxis], f))
    durations = np.diff(np.append(t, t_close))
    total = float(durations.sum())
    if total <= 0:
        raise ScoringInputError(name, "close", "must be after the first forecast (or 'open')")
    y = np.full(t.size, outcome) if np.ndim(outcome) == 0 else np.asarray(outcome)
    yv, fv, _, _ = prepare(y, f, name, "raise")
    scores = _RULES[rule](yv, fv)
    return float(scores @ durations / total)


def brier_skill_score(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    reference: npt.ArrayLike | None = None,
    *,
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
        ref = np.asarray(reference, dtype=np.float64)
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
    f = np.asarray(forecasts, dtype=np.float64)
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
