"""Result types: small frozen dataclasses with named parts.

Array fields are read-only numpy arrays; classes holding arrays compare by
identity (``eq=False``) because elementwise ``==`` has no single truth value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BootstrapInterval",
    "CalibrationBin",
    "ConsistencyBand",
    "CorpDecomposition",
    "DieboldMarianoResult",
    "MurphyDecomposition",
    "PermutationTestResult",
    "ReliabilityDiagram",
    "WeightedIntervalScore",
]


def _freeze(*arrays: NDArray[Any]) -> None:
    for arr in arrays:
        if isinstance(arr, np.ndarray):
            arr.setflags(write=False)


@dataclass(frozen=True, eq=False)
class WeightedIntervalScore:
    """Weighted interval score per forecast and its three additive parts.

    ``score == dispersion + overprediction + underprediction``.
    """

    score: NDArray[np.float64]
    dispersion: NDArray[np.float64]
    overprediction: NDArray[np.float64]
    underprediction: NDArray[np.float64]

    def __post_init__(self) -> None:
        _freeze(self.score, self.dispersion, self.overprediction, self.underprediction)


@dataclass(frozen=True)
class MurphyDecomposition:
    """Binned Murphy (1973) decomposition of the mean binary Brier score.

    ``score == reliability - resolution + uncertainty + residual``. The residual
    is the within-bin part that the binned identity leaves out (zero only when
    every forecast in a bin has the same value).
    """

    score: float
    reliability: float
    resolution: float
    uncertainty: float
    residual: float
    bins: int


@dataclass(frozen=True)
class CorpDecomposition:
    """CORP decomposition of a mean score: ``score == mcb - dsc + unc`` (exactly).

    ``mcb`` (miscalibration) is the score minus the score of the isotonically
    recalibrated forecasts, ``dsc`` (discrimination) the climatological score
    minus that recalibrated score, ``unc`` (uncertainty) the score of the
    constant base-rate forecast. ``rule`` is ``"brier"`` or ``"log"``.
    """

    score: float
    mcb: float
    dsc: float
    unc: float
    rule: str


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of a calibration table.

    ``mean_forecast`` and ``observed_frequency`` are NaN for an empty bin, and the
    Wilson interval is then (0, 1).
    """

    lower: float
    upper: float
    count: int
    mean_forecast: float
    observed_frequency: float
    wilson_low: float
    wilson_high: float


@dataclass(frozen=True, eq=False)
class ReliabilityDiagram:
    """CORP reliability diagram with a consistency band, ready to draw.

    ``x`` are the sorted distinct forecast values, ``cep`` the conditional event
    probabilities (isotonic recalibration) at ``x``. ``band_low``/``band_high``
    bound the ``level`` consistency band: where the curve of a calibrated
    forecaster with these forecast values falls with probability ``level``.
    ``subsample`` is the number of forecasts the band was simulated with (less
    than ``n`` when subsampled, which makes the band wider, i.e. conservative).
    """

    x: NDArray[np.float64]
    cep: NDArray[np.float64]
    band_low: NDArray[np.float64]
    band_high: NDArray[np.float64]
    level: float
    n_resamples: int
    n: int
    subsample: int

    def __post_init__(self) -> None:
        _freeze(self.x, self.cep, self.band_low, self.band_high)


@dataclass(frozen=True, eq=False)
class ConsistencyBand:
    """A keyed consistency band of a reliability diagram, with what a later band of
    nearly the same items can start from.

    ``x`` are the sorted distinct forecast values, ``band_low``/``band_high`` the band's
    bounds at ``x`` at ``level`` from ``n_resamples`` refitted curves. ``counts`` (G,) are
    the items at each value, ``ones`` (B x G) those redrawn as 1 in each resample, and
    ``blocks`` (B x G) marks where each refit's pooled blocks begin.
    """

    x: NDArray[np.float64]
    band_low: NDArray[np.float64]
    band_high: NDArray[np.float64]
    level: float
    n_resamples: int
    counts: NDArray[np.int64]
    ones: NDArray[np.int32]
    blocks: NDArray[np.bool_]

    def __post_init__(self) -> None:
        _freeze(self.x, self.band_low, self.band_high, self.counts, self.ones, self.blocks)


@dataclass(frozen=True)
class DieboldMarianoResult:
    """Diebold-Mariano test with the Harvey-Leybourne-Newbold correction.

    ``mean_difference`` is ``mean(scores_a - scores_b)``; for losses a negative
    value favours ``a``. ``h`` is the horizon used (1 when the variance estimate
    for the requested horizon was not positive, as in R's ``dm.test``).
    """

    statistic: float
    pvalue: float
    mean_difference: float
    h: int
    n: int


@dataclass(frozen=True)
class PermutationTestResult:
    """Two-sided paired sign-flip permutation test of the mean difference."""

    statistic: float
    pvalue: float
    n_resamples: int
    exact: bool


@dataclass(frozen=True)
class BootstrapInterval:
    """Percentile bootstrap interval for ``mean(scores_a - scores_b)``."""

    mean_difference: float
    low: float
    high: float
    level: float
    n_resamples: int
