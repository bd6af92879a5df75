"""Calibration diagnostics for binary forecasts: Murphy and CORP decompositions and a
binned calibration table (the reliability diagram is in ``_reliability``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._deprecation import options_by_keyword
from ._isotonic import cep_per_group, group_binary
from ._results import (
    CalibrationBin,
    CorpDecomposition,
    MurphyDecomposition,
)
from ._rules import prepare
from ._validation import (
    NanPolicy,
    ScoringInputError,
    as_float,
    check_nonempty,
    check_open_unit,
)

__all__ = [
    "binary_inputs",
    "calibration_table",
    "corp_decomposition",
    "murphy_decomposition",
]


def binary_inputs(
    outcome: npt.ArrayLike, forecast: npt.ArrayLike, rule: str, nan_policy: NanPolicy
) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """Validated, flattened binary outcomes and forecasts, NaN items dropped under "omit"."""
    y, p, categorical, allow_nan = prepare(outcome, forecast, rule, nan_policy)
    if categorical:
        raise ScoringInputError(rule, "forecast", "must be binary (same shape as outcome)")
    shape = np.broadcast_shapes(y.shape, p.shape)
    y = np.broadcast_to(y, shape).ravel()
    p = np.broadcast_to(p, shape).ravel()
    if allow_nan:
        keep = ~np.isnan(p)
        if y.dtype.kind == "f":
            keep &= ~np.isnan(y)
        if not keep.all():
            y, p = y[keep], p[keep]
    check_nonempty(p.size, "forecast", rule)
    return y, p


def _bin_edges(bins: int | npt.ArrayLike, rule: str) -> NDArray[np.float64]:
    if isinstance(bins, int | np.integer):
        if bins < 1:
            raise ScoringInputError(rule, "bins", f"must be >= 1, got {bins}")
        return np.linspace(0.0, 1.0, int(bins) + 1)
    edges = as_float(bins, "bins", rule)
    if edges.ndim != 1 or edges.size < 2 or edges[0] != 0.0 or edges[-1] != 1.0:
        raise ScoringInputError(rule, "bins", "must be an int or increasing edges from 0 to 1")
    if np.any(np.diff(edges) <= 0):
        raise ScoringInputError(rule, "bins", "edges must be strictly increasing")
    return edges


def _bin_index(p: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.intp]:
    """Bin ``k`` is ``[edges[k], edges[k+1])``; the last bin also holds 1."""
    idx = np.searchsorted(edges, p, side="right") - 1
    return np.minimum(idx, edges.size - 2)


@options_by_keyword(2, ("bins",))
def murphy_decomposition(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    *,
    bins: int | npt.ArrayLike = 10,
    nan_policy: NanPolicy = "raise",
) -> MurphyDecomposition:
    r"""Binned Murphy decomposition of the mean binary Brier score.

    With bins :math:`k` holding :math:`n_k` forecasts of mean :math:`\bar f_k`
    and observed frequency :math:`\bar o_k`, and base rate :math:`\bar o`:

    .. math::
        \mathrm{REL} = \tfrac1N \sum_k n_k (\bar f_k - \bar o_k)^2, \quad
        \mathrm{RES} = \tfrac1N \sum_k n_k (\bar o_k - \bar o)^2, \quad
        \mathrm{UNC} = \bar o (1 - \bar o),

    and ``score = REL - RES + UNC + residual``. The residual (within-bin
    variance and covariance terms) is zero only when each bin holds a single
    forecast value; :func:`corp_decomposition` has no binning and no residual.

    Parameters
    ----------
    outcome, forecast : array_like
        Binary outcomes (0/1) and probabilities of the outcome 1.
    bins : int or array_like
        Number of equal-width bins on [0, 1], or the bin edges (from 0 to 1).
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops items with a NaN outcome or forecast.

    Returns
    -------
    MurphyDecomposition

    References
    ----------
    Murphy, A. H. (1973). A new vector partition of the probability score.
    Journal of Applied Meteorology 12, 595-600.

    Examples
    --------
    >>> d = murphy_decomposition([1, 0, 0, 1], [0.9, 0.1, 0.15, 0.8], bins=5)
    >>> round(d.reliability, 6), round(d.resolution, 6), round(d.uncertainty, 6)
    (0.019062, 0.25, 0.25)
    >>> round(d.reliability - d.resolution + d.uncertainty + d.residual - d.score, 12)
    0.0
    """
    rule = "murphy_decomposition"
    y, p = binary_inputs(outcome, forecast, rule, nan_policy)
    edges = _bin_edges(bins, rule)
    nb = edges.size - 1
    idx = _bin_index(p, edges)
    yf = y.astype(np.float64)
    n = p.size
    counts = np.bincount(idx, minlength=nb).astype(np.float64)
    sum_f = np.bincount(idx, weights=p, minlength=nb)
    sum_o = np.bincount(idx, weights=yf, minlength=nb)
    used = counts > 0
    fbar = sum_f[used] / counts[used]
    obar_k = sum_o[used] / counts[used]
    obar = float(yf.mean())
    d = p - yf
    score = float(d @ d / n)
    rel = float(counts[used] @ (fbar - obar_k) ** 2 / n)
    res = float(counts[used] @ (obar_k - obar) ** 2 / n)
    unc = obar * (1.0 - obar)
    return MurphyDecomposition(
        score=score,
        reliability=rel,
        resolution=res,
        uncertainty=unc,
        residual=score - (rel - res + unc),
        bins=nb,
    )


def _mean_log_loss(s: NDArray[np.float64], w: NDArray[np.float64], c: NDArray[np.float64]) -> float:
    """Sum over groups of -[s ln c + (w - s) ln(1 - c)], with 0 ln 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ones = np.where(s > 0, s * np.log(c), 0.0)
        zeros = np.where(w > s, (w - s) * np.log1p(-c), 0.0)
    return -float(ones.sum() + zeros.sum())


@options_by_keyword(2, ("score",))
def corp_decomposition(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    *,
    score: Literal["brier", "log"] = "brier",
    nan_policy: NanPolicy = "raise",
) -> CorpDecomposition:
    r"""CORP decomposition ``score = MCB - DSC + UNC`` of the mean Brier or log score.

    The forecasts are recalibrated by isotonic regression of the outcomes on the
    forecast values (pool-adjacent-violators, ties grouped): the conditional
    event probabilities :math:`\hat c`. With :math:`\bar S` the mean score,

    .. math::
        \mathrm{MCB} = \bar S(f) - \bar S(\hat c), \quad
        \mathrm{DSC} = \bar S(\bar o) - \bar S(\hat c), \quad
        \mathrm{UNC} = \bar S(\bar o),

    where :math:`\bar o` is the constant base-rate forecast. The identity holds
    exactly, and MCB, DSC >= 0.

    Parameters
    ----------
    outcome, forecast : array_like
        Binary outcomes (0/1) and probabilities of the outcome 1.
    score : {"brier", "log"}
        The scoring rule decomposed.
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops items with a NaN outcome or forecast.

    Returns
    -------
    CorpDecomposition

    References
    ----------
    Dimitriadis, T., Gneiting, T. & Jordan, A. I. (2021). Stable reliability
    diagrams for probabilistic classifiers. PNAS 118(8), e2016191118.

    Examples
    --------
    >>> d = corp_decomposition([1, 0, 0], [0.7, 0.2, 0.9])
    >>> round(d.score, 6), round(d.mcb, 6), round(d.dsc, 6), round(d.unc, 6)
    (0.313333, 0.146667, 0.055556, 0.222222)
    """
    rule = "corp_decomposition"
    if score not in ("brier", "log"):
        raise ScoringInputError(rule, "score", f"must be 'brier' or 'log', not {score!r}")
    y, p = binary_inputs(outcome, forecast, rule, nan_policy)
    n = p.size
    _, counts, sums = group_binary(p, y)
    cep = cep_per_group(counts, sums)
    total = float(sums.sum())
    base = total / n
    if score == "brier":
        d = np.subtract(p, y, dtype=np.float64)
        s_fc = float(d @ d) / n
        s_cal = float(sums @ (1.0 - cep)) / n
        s_ref = base * (1.0 - base)
    else:
        q = np.where(y == 1, p, 1.0 - p)
        with np.errstate(divide="ignore"):
            s_fc = -float(np.log(q).sum()) / n
        s_cal = _mean_log_loss(sums, counts, cep) / n
        s_ref = _mean_log_loss(np.array([total]), np.array([float(n)]), np.array([base])) / n
    return CorpDecomposition(score=s_fc, mcb=s_fc - s_cal, dsc=s_ref - s_cal, unc=s_ref, rule=score)


def _wilson(k: float, n: float, z: float) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    phat = k / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(phat * (1.0 - phat) / n + z * z / (4.0 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@options_by_keyword(2, ("bins",))
def calibration_table(
    outcome: npt.ArrayLike,
    forecast: npt.ArrayLike,
    *,
    bins: int | npt.ArrayLike = 10,
    level: float = 0.95,
    nan_policy: NanPolicy = "raise",
) -> tuple[CalibrationBin, ...]:
    r"""Binned calibration table with a Wilson score interval per bin.

    Bin :math:`k` is :math:`[e_k, e_{k+1})` (the last bin includes 1). Every bin
    is reported, empty ones included (count 0, NaN means, interval (0, 1)).
    The Wilson interval for :math:`k` outcomes 1 among :math:`n` is

    .. math::
        \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}.

    Parameters
    ----------
    outcome, forecast : array_like
        Binary outcomes (0/1) and probabilities of the outcome 1.
    bins : int or array_like
        Number of equal-width bins on [0, 1], or the bin edges (from 0 to 1).
    level : float
        Level of the Wilson interval.
    nan_policy : {"raise", "omit"}
        ``"omit"`` drops items with a NaN outcome or forecast.

    Returns
    -------
    tuple of CalibrationBin
        One per bin: ``lower, upper, count, mean_forecast, observed_frequency,
        wilson_low, wilson_high``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22, 209-212.

    Examples
    --------
    >>> table = calibration_table([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.8], bins=2)
    >>> [(b.count, b.mean_forecast, b.observed_frequency) for b in table]
    [(1, 0.2, 0.0), (3, 0.766667, 1.0)]
    >>> round(table[1].wilson_low, 4), table[1].wilson_high
    (0.4385, 1.0)
    """
    rule = "calibration_table"
    check_open_unit(as_float(level, "level", rule), "level", rule)
    y, p = binary_inputs(outcome, forecast, rule, nan_policy)
    edges = _bin_edges(bins, rule)
    nb = edges.size - 1
    idx = _bin_index(p, edges)
    counts = np.bincount(idx, minlength=nb)
    sum_f = np.bincount(idx, weights=p, minlength=nb)
    sum_o = np.bincount(idx, weights=y.astype(np.float64), minlength=nb)
    from statistics import NormalDist  # stdlib; imported here to keep `import scoring` light

    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    table = []
    for k in range(nb):
        n_k = int(counts[k])
        low, high = _wilson(float(sum_o[k]), float(n_k), z)
        table.append(
            CalibrationBin(
                lower=float(edges[k]),
                upper=float(edges[k + 1]),
                count=n_k,
                mean_forecast=float(sum_f[k] / n_k) if n_k else math.nan,
                observed_frequency=float(sum_o[k] / n_k) if n_k else math.nan,
                wilson_low=low,
                wilson_high=high,
            )
        )
    return tuple(table)
