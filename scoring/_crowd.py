"""Crowd aggregates of binary probability forecasts: median, mean, geometric mean of odds
(= mean log-odds), optional extremizing, and the recency-weighted community line."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_float,
    check_nan_policy,
    check_probability,
    fail,
)

__all__ = ["aggregate", "community_prediction"]

Method = Literal["median", "mean", "geometric_mean_odds", "logit_mean"]
_METHODS = ("median", "mean", "geometric_mean_odds", "logit_mean")


def _weighted_median(p: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted median along the last axis (NaN values must carry weight 0).

    The smallest value whose cumulative weight reaches half the total; when the
    cumulative weight equals half exactly, the mean of that value and the next
    one with positive weight (so equal weights give the ordinary median).
    """
    order = np.argsort(p, axis=-1)  # NaN last
    ps = np.take_along_axis(p, order, axis=-1)
    cw = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1)
    total = cw[..., -1:]
    half, tol = 0.5 * total, 1e-12 * total
    low = np.argmax(cw >= half - tol, axis=-1)[..., np.newaxis]
    high = np.argmax(cw > half + tol, axis=-1)[..., np.newaxis]
    mid = 0.5 * (np.take_along_axis(ps, low, axis=-1) + np.take_along_axis(ps, high, axis=-1))
    return np.asarray(mid[..., 0], dtype=np.float64)


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(p) - np.log1p(-p), dtype=np.float64)


def _expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy.special import expit

    return np.asarray(expit(x), dtype=np.float64)


def aggregate(
    forecasts: npt.ArrayLike,
    *,
    method: Method = "median",
    weights: npt.ArrayLike | None = None,
    extremize: float = 1.0,
    axis: int = -1,
    nan_policy: NanPolicy = "raise",
) -> NDArray[np.float64]:
    r"""Aggregate binary probability forecasts of several forecasters into one.

    With weights :math:`w_i` (default equal) over the forecasters on ``axis``:

    * ``"mean"``: :math:`\sum_i w_i p_i / \sum_i w_i`.
    * ``"median"``: the weighted median (the smallest :math:`p` whose
      cumulative weight reaches half the total; the midpoint of the two middle
      values when it is exactly half).
    * ``"geometric_mean_odds"``: :math:`o = \prod_i o_i^{w_i / \sum w}` with
      :math:`o_i = p_i / (1 - p_i)`, then :math:`p = o / (1 + o)`: the
      aggregate Fatebook and Metaculus describe.
    * ``"logit_mean"``: :math:`\mathrm{expit}(\sum_i w_i\,\mathrm{logit}\,p_i /
      \sum_i w_i)`, the mean log-odds of Satopaa et al. It is the *same
      number* as the geometric mean of odds (the log of a geometric mean is
      the mean of the logs); both names are accepted.

    ``extremize`` :math:`a` then maps the aggregate :math:`\bar p` to
    :math:`\mathrm{expit}(a\,\mathrm{logit}\,\bar p) = \bar p^a / (\bar p^a +
    (1 - \bar p)^a)`: :math:`a > 1` pushes it away from 1/2, which corrects
    the under-confidence of averaged forecasts (Satopaa et al. fit
    :math:`a` of about 1.2 to 2.5); with ``"logit_mean"`` this is their
    extremized log-odds estimator.

    Parameters
    ----------
    forecasts : array_like
        Probabilities in [0, 1], forecasters along ``axis``.
    method : {"median", "mean", "geometric_mean_odds", "logit_mean"}
        The aggregate.
    weights : array_like, optional
        Non-negative weight per forecaster: shape ``(n,)`` (the length of
        ``axis``) or the shape of ``forecasts``. At least one positive weight
        per aggregate.
    extremize : float
        Exponent :math:`a > 0` applied to the aggregate's odds (1: none).
    axis : int
        The forecasters' axis.
    nan_policy : {"raise", "omit"}
        ``"omit"``: a NaN forecast is a forecaster who did not take part; an
        aggregate with nobody left is NaN.

    Returns
    -------
    ndarray
        The aggregate probabilities: ``forecasts``' shape without ``axis``.

    Raises
    ------
    ScoringInputError
        Also for the log-odds methods when one aggregate has forecasts of both
        exactly 0 and exactly 1 (the mean log-odds is undefined); 0 alone gives
        0 and 1 alone gives 1.

    References
    ----------
    Satopaa, V. A., Baron, J., Foster, D. P., Mellers, B. A., Tetlock, P. E. &
    Ungar, L. H. (2014). Combining multiple probability predictions using a
    simple logit model. International Journal of Forecasting 30(2), 344-356.
    Metaculus FAQ, "What is the Community Prediction?"; Fatebook's
    aggregation (geometric mean of odds).

    Examples
    --------
    >>> float(aggregate([0.6, 0.7, 0.95]))
    0.7
    >>> round(float(aggregate([0.6, 0.7, 0.95], method="mean")), 4)
    0.75
    >>> float(aggregate([0.5, 0.8], method="geometric_mean_odds"))  # odds sqrt(1 * 4) = 2
    0.666667
    >>> float(aggregate([0.5, 0.8], method="logit_mean", extremize=2.0))  # odds 2**2 = 4
    0.8
    >>> aggregate([[0.2, 0.4, 0.9], [0.5, 0.5, np.nan]], nan_policy="omit")  # one per row
    array([0.4, 0.5])
    """
    rule = "aggregate"
    allow_nan = check_nan_policy(nan_policy, rule)
    if method not in _METHODS:
        raise ScoringInputError(rule, "method", f"must be one of {list(_METHODS)}, not {method!r}")
    a = float(as_float(extremize, "extremize", rule))
    if not (np.isfinite(a) and a > 0):
        raise ScoringInputError(rule, "extremize", f"must be a finite number > 0, got {a!r}")
    p = as_float(forecasts, "forecasts", rule)
    if p.ndim == 0:
        raise ScoringInputError(rule, "forecasts", "must have a forecasters axis")
    try:
        p = np.moveaxis(p, axis, -1)
    except np.exceptions.AxisError:
        raise ScoringInputError(rule, "axis", f"is out of range for shape {p.shape}") from None
    check_probability(p, "forecasts", rule, allow_nan)
    w = _weights(weights, p, axis, rule)
    nan = np.isnan(p)
    if nan.any():
        w = np.where(nan, 0.0, w)
    total = np.asarray(w.sum(axis=-1))
    empty = np.asarray(total == 0)
    nobody = np.asarray(nan.all(axis=-1))
    if empty.any() and not (allow_nan and np.all(nobody[empty])):
        raise fail(rule, "weights", "must have a positive weight per aggregate", total, empty)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "median":
            out = _weighted_median(p, w)
        elif method == "mean":
            out = np.where(nan, 0.0, p * w).sum(axis=-1) / total
        else:
            used = np.where(w > 0, p, 0.5)
            both = (used == 0).any(axis=-1) & (used == 1).any(axis=-1)
            if both.any():
                index = tuple(int(i) for i in np.argwhere(both)[0])
                problem = "has both 0 and 1 in one aggregate (its mean log-odds is undefined)"
                raise ScoringInputError(rule, "forecasts", problem, index or None, "0 and 1")
            logits = np.where(w > 0, _logit(p), 0.0)
            out = _expit((logits * w).sum(axis=-1) / total)
        if a != 1.0:
            out = _expit(a * _logit(out))
    out = np.asarray(out, dtype=np.float64)
    if empty.any():
        out[empty] = np.nan
    return out


def _weights(
    weights: npt.ArrayLike | None, p: NDArray[np.float64], axis: int, rule: str
) -> NDArray[np.float64]:
    if weights is None:
        return np.ones_like(p)
    w = as_float(weights, "weights", rule)
    if w.ndim > 1:
        if w.shape != np.moveaxis(p, -1, axis).shape:
            raise ScoringInputError(
                rule, "weights", f"has shape {w.shape}, expected ({p.shape[-1]},) or the forecasts'"
            )
        w = np.moveaxis(w, axis, -1)
    elif w.shape != (p.shape[-1],):
        raise ScoringInputError(
            rule, "weights", f"has shape {w.shape}, expected ({p.shape[-1]},) or the forecasts'"
        )
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        raise fail(rule, "weights", "must be finite and >= 0", w, bad)
    return np.asarray(np.broadcast_to(w, p.shape), dtype=np.float64)


def recency_weights(n: int) -> NDArray[np.float64]:
    r"""Metaculus' recency weights :math:`w_k \propto e^{\sqrt{k}}` for :math:`k = 1..n`.

    ``k`` ranks the standing forecasts from oldest (1) to newest (``n``);
    with two forecasts or fewer all weights are equal. Normalised so the
    newest weighs 1.
    """
    if n <= 2:
        return np.ones(n)
    k = np.arange(1, n + 1, dtype=np.float64)
    return np.asarray(np.exp(np.sqrt(k) - np.sqrt(n)), dtype=np.float64)


def community_prediction(
    times: Sequence[Any] | npt.NDArray[Any],
    forecasters: Sequence[Hashable] | npt.NDArray[Any],
    forecasts: npt.ArrayLike,
    *,
    method: Method = "median",
    recency: bool = True,
    extremize: float = 1.0,
) -> NDArray[np.float64]:
    r"""The crowd's aggregate after each forecast: a "community prediction" line.

    After each event ``(times[e], forecasters[e], forecasts[e])`` (and all
    events at the same time), every forecaster's latest forecast is standing;
    :func:`aggregate` combines them. With ``recency=True`` the standing
    forecasts are weighted as Metaculus weights its Community Prediction:
    ranked from the least recently updated (:math:`k = 1`) to the most recent
    (:math:`k = n`), with :math:`w_k \propto e^{\sqrt{k}}` (equal weights for
    :math:`n \le 2`), so about :math:`\sqrt{n}` new forecasts are needed to
    move a line that :math:`n` forecasters hold.

    Parameters
    ----------
    times : sequence
        Event times (any comparable values: numbers, datetime64, datetimes),
        in any order; equal times are taken together, the last listed of a
        forecaster standing.
    forecasters : sequence
        Who made each forecast (hashable, sortable labels).
    forecasts : array_like
        One binary probability per event.
    method, extremize
        As for :func:`aggregate`.
    recency : bool
        Weight by recency (True) or equally (False).

    Returns
    -------
    ndarray
        The line's value right after each event, aligned with the input. Pass
        it with ``times`` to :func:`time_weighted_score` to score the
        community line like a forecaster.

    References
    ----------
    Metaculus FAQ, "What is the Community Prediction?" (recency weights
    :math:`e^{\sqrt{n}}`).

    Examples
    --------
    >>> community_prediction([0, 1, 2, 3], ["a", "b", "a", "c"], [0.2, 0.6, 0.4, 0.9]).round(3)
    array([0.2, 0.4, 0.5, 0.6])
    """
    rule = "community_prediction"
    t = np.asarray(times)
    ids = np.asarray(forecasters)
    p = as_float(forecasts, "forecasts", rule)
    for argument, arr in (("times", t), ("forecasters", ids), ("forecasts", p)):
        if arr.ndim != 1 or arr.shape != p.shape:
            raise ScoringInputError(
                rule, argument, f"has shape {arr.shape}, expected one value per forecast"
            )
    check_probability(p, "forecasts", rule, allow_nan=False)
    try:
        order = np.argsort(t, kind="stable")
    except TypeError:
        raise ScoringInputError(rule, "times", "must be mutually comparable") from None
    labels, who = np.unique(ids, return_inverse=True)
    ts = t[order]
    boundary = np.append(ts[1:] != ts[:-1], True)
    # The standing forecasts after each group of equal times, a block of groups at a time,
    # aggregated in one call per block (one call per group costs more than the arithmetic).
    block = max(1, _BLOCK_CELLS // labels.size)
    latest = np.full(labels.size, np.nan)
    updated = np.full(labels.size, -1)
    values, snapshots, ranks = [], [], []
    for rank, e in enumerate(order):
        latest[who[e]], updated[who[e]] = p[e], rank
        if boundary[rank]:
            snapshots.append(latest.copy())
            ranks.append(updated.copy())
            if len(snapshots) == block or rank == order.size - 1:
                values.append(
                    _standing(np.array(snapshots), np.array(ranks), recency, method, extremize)
                )
                snapshots, ranks = [], []
    line = np.concatenate(values) if values else np.empty(0)
    group = np.concatenate(([0], np.cumsum(boundary[:-1]))) if p.size else np.empty(0, np.intp)
    out = np.empty(p.size)
    out[order] = line[group]
    return out


#: Cells (groups x forecasters) aggregated per call by :func:`community_prediction`.
_BLOCK_CELLS = 1 << 18


def _standing(
    p: NDArray[np.float64],
    updated: NDArray[np.intp],
    recency: bool,
    method: Method,
    extremize: float,
) -> NDArray[np.float64]:
    """The aggregate of each row's standing forecasts (NaN: not standing yet)."""
    standing = updated >= 0
    if recency:
        # k: 1 for the least recently updated standing forecast .. n for the newest.
        position = np.argsort(np.argsort(updated, axis=-1, kind="stable"), axis=-1)
        n = standing.sum(axis=-1, keepdims=True)
        k = position - (updated.shape[-1] - n) + 1
        w = np.where(n > 2, np.exp(np.sqrt(np.maximum(k, 1)) - np.sqrt(n)), 1.0)
    else:
        w = np.ones_like(p)
    w = np.where(standing, w, 0.0)
    return aggregate(p, method=method, weights=w, extremize=extremize, nan_policy="omit")
