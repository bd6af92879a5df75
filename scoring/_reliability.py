"""The CORP reliability diagram with its consistency band (seeded, or keyed by item)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._band import band_from_counts, grouped_counts
from ._calibration import binary_inputs
from ._isotonic import band_bounds, cep_per_group, cep_per_group_rows, group_binary
from ._results import ConsistencyBand, ReliabilityDiagram
from ._validation import NanPolicy, ScoringInputError, as_float, check_open_unit, make_rng

__all__ = ["reliability_diagram"]


def reliability_diagram(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    *,
    level: float = 0.9,
    n_resamples: int = 100,
    seed: int | np.random.Generator | None = None,
    subsample: int = 50_000,
    nan_policy: NanPolicy = "raise",
    uniforms: npt.ArrayLike | None = None,
    band: ConsistencyBand | None = None,
) -> ReliabilityDiagram:
    r"""CORP reliability diagram with a consistency band.

    The curve is the isotonic (PAV) recalibration :math:`\hat c(x)` at every
    distinct forecast value :math:`x`. The consistency band is found by
    resampling under the hypothesis of calibration: outcomes are redrawn as
    :math:`y^* \sim \mathrm{Bernoulli}(x)`, the curve is refitted, and the
    pointwise :math:`(1 \mp \mathrm{level})/2` quantiles of the refitted curves
    bound the band. A calibrated forecaster's curve stays inside it with
    probability about ``level`` at each point. When there are more than
    ``subsample`` forecasts the band is simulated on a random subsample of that
    size and interpolated, which widens it (a conservative band).

    With ``uniforms`` (:math:`u_{ib}`, one row per item, e.g.
    :func:`keyed_uniforms` of the items' keys) the band is keyed: resample :math:`b`
    redraws item :math:`i` as :math:`y^*_{ib} = 1\{u_{ib} < x_i\}`, so each item keeps
    its draws whatever the other items, and a caller keeping them per item draws only a
    new item's. Every item is used (no subsample); ``n_resamples`` is the number of
    columns of ``uniforms``, and ``seed`` is not read. A caller keeping the band of
    the items (:func:`band_from_counts`) passes it as ``band`` instead.

    Parameters
    ----------
    outcome, forecast : array_like
        Binary outcomes (0/1) and probabilities of the outcome 1.
    level : float
        Band level in (0, 1).
    n_resamples : int
        Number of resampled curves.
    seed : int, numpy Generator or None
        Randomness of the band (None: fresh entropy).
    subsample : int
        Largest number of forecasts used for the band.
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops items with a NaN outcome or forecast.
    uniforms : array_like, shape (n, B), optional
        Uniform(0, 1) draws of each item for a keyed band (with ``nan_policy="omit"``,
        the rows of the items kept only).
    band : ConsistencyBand, optional
        The keyed band of these items at ``level`` (:func:`band_from_counts` of
        :func:`band_counts`), used as it is.

    Returns
    -------
    ReliabilityDiagram
        Arrays ``x``, ``cep``, ``band_low``, ``band_high`` of equal length.

    References
    ----------
    Dimitriadis, T., Gneiting, T. & Jordan, A. I. (2021). Stable reliability
    diagrams for probabilistic classifiers. PNAS 118(8), e2016191118.

    Examples
    --------
    >>> r = reliability_diagram([1, 0, 0], [0.7, 0.2, 0.9], n_resamples=50, seed=1)
    >>> r.x, r.cep
    (array([0.2, 0.7, 0.9]), array([0. , 0.5, 0.5]))
    >>> bool(np.all(r.band_low <= r.band_high))
    True
    >>> from scoring import keyed_uniforms
    >>> u = keyed_uniforms(["q1", "q2", "q3"], n_resamples=50, seed=1)
    >>> k = reliability_diagram([1, 0, 0], [0.7, 0.2, 0.9], uniforms=u)
    >>> k.cep.tolist(), k.n_resamples, bool(np.all(k.band_low <= k.band_high))
    ([0.0, 0.5, 0.5], 50, True)
    """
    rule = "reliability_diagram"
    check_open_unit(as_float(level, "level", rule), "level", rule)
    if n_resamples < 1:
        raise ScoringInputError(rule, "n_resamples", f"must be >= 1, got {n_resamples}")
    if subsample < 1:
        raise ScoringInputError(rule, "subsample", f"must be >= 1, got {subsample}")
    y, p = binary_inputs(outcome, forecast, rule, nan_policy)
    x, counts, sums = group_binary(p, y)
    cep = cep_per_group(counts, sums)
    if uniforms is not None and band is not None:
        raise ScoringInputError(rule, "band", "give either uniforms or band, not both")
    if uniforms is not None:
        band = band_from_counts(*grouped_counts(p, uniforms, rule), level=level)
    if band is not None:
        _check_band(band, x, counts, level, rule)
        low, high = band.band_low, band.band_high
        n_resamples = band.n_resamples
        subsample = p.size
        xb = x
    else:
        xb, low, high = _seeded_band(p, x, counts, level, n_resamples, seed, subsample)
    if xb is not x:
        low, high = np.interp(x, xb, low), np.interp(x, xb, high)
    return ReliabilityDiagram(
        x=x,
        cep=cep,
        band_low=np.asarray(low, dtype=np.float64),
        band_high=np.asarray(high, dtype=np.float64),
        level=float(level),
        n_resamples=int(n_resamples),
        n=int(p.size),
        subsample=int(min(p.size, subsample)),
    )


def _check_band(
    band: ConsistencyBand,
    x: NDArray[np.float64],
    counts: NDArray[np.float64],
    level: float,
    rule: str,
) -> None:
    if not isinstance(band, ConsistencyBand):
        raise ScoringInputError(rule, "band", f"must be a ConsistencyBand, got {type(band)}")
    if band.level != level:
        raise ScoringInputError(rule, "band", f"must be at level {level}, got {band.level}")
    if not (np.array_equal(band.x, x) and np.array_equal(band.counts, counts)):
        raise ScoringInputError(
            rule, "band", "must be the band of these forecasts (their values and counts)"
        )


def _seeded_band(
    p: NDArray[np.float64],
    x: NDArray[np.float64],
    counts: NDArray[np.float64],
    level: float,
    n_resamples: int,
    seed: int | np.random.Generator | None,
    subsample: int,
) -> tuple[NDArray[np.float64], Any, Any]:
    """(band's x, low, high) from binomial redraws of the groups by ``seed``."""
    rng = make_rng(seed)
    if p.size > subsample:
        sample = rng.choice(p, size=subsample, replace=False)
        xb, counts_b = np.unique(sample, return_counts=True)
    else:
        xb, counts_b = x, counts.astype(np.int64)
    # One draw for all resamples (the same stream as drawing them row by row).
    ones = rng.binomial(counts_b, xb, size=(n_resamples, xb.size)).astype(np.float64)
    curves = cep_per_group_rows(counts_b.astype(np.float64), ones)
    low, high = band_bounds(curves, level)
    return xb, low, high
