"""Proper scoring rules for probabilistic forecasts: scores, decompositions, comparisons.

Conventions (they hold for every function unless its docstring says otherwise):

* **Argument order** (0.2): observations first, ``(outcome, forecast)``, as in
  scikit-learn and scoringrules; then the forecast's operands with the levels
  before the values they qualify (``levels`` before ``values`` for quantiles,
  ``alpha`` before ``median``/``lower``/``upper`` for central intervals).
  Options are keyword-only. The 0.1 orders still work with a
  DeprecationWarning until 0.3 (see docs/scoring.md, "Changes in 0.2").
* **Per-forecast results**: scoring rules are vectorised and return one score
  per forecast (an array shaped like ``outcome``); aggregate with ``.mean()``.
* **Orientation**: every score is a *loss* (lower is better) except
  :func:`spherical_score` and the Metaculus-style :func:`baseline_score` and
  :func:`peer_score` (higher is better) and :func:`brier_skill_score` (1 is
  perfect, 0 is the reference's skill).
* **Logarithms** are natural logarithms. The log score is ``inf`` when the
  forecast gave probability 0 to what happened; probabilities are never clipped.
* **Brier scale**: a binary forecast (``forecast`` = P(outcome = 1), same shape
  as ``outcome``) scores ``(p - o)**2`` in 0..1; a categorical forecast (an
  extra last axis of K probabilities, ``outcome`` = category index) scores
  ``sum_k (f_k - o_k)**2`` in 0..2, so a binary event written as two categories
  scores twice its binary Brier score.
* **Validation**: bad input raises :class:`ScoringInputError` (a ``ValueError``)
  naming the function, the argument, the constraint and the first offending
  index and value: outcomes outside {0, 1} or the category range,
  probabilities outside [0, 1] (no tolerance), category rows not summing to 1
  (tolerance 1e-6), NaN, mismatched shapes, non-positive scales, lower > upper
  bounds, levels outside (0, 1).
* **NaN and annulled questions**: annulled questions are never scored. By
  default (``nan_policy="raise"``) a NaN anywhere is an error. With
  ``nan_policy="omit"``, per-forecast functions return NaN for those items (the
  output stays aligned with the input; aggregate with ``np.nanmean``), and
  aggregates (decompositions, skill scores, tests) drop them.
* **Dependencies**: numpy only at import time; scipy is imported inside the
  functions that need it.
"""

from __future__ import annotations

from ._aggregate import baseline_score as baseline_score
from ._aggregate import brier_skill_score as brier_skill_score
from ._aggregate import peer_score as peer_score
from ._band import band_counts as band_counts
from ._band import band_from_counts as band_from_counts
from ._calibration import calibration_table as calibration_table
from ._calibration import corp_decomposition as corp_decomposition
from ._calibration import murphy_decomposition as murphy_decomposition
from ._compare import diebold_mariano as diebold_mariano
from ._compare import paired_bootstrap as paired_bootstrap
from ._compare import permutation_test as permutation_test
from ._crowd import aggregate as aggregate
from ._crowd import community_prediction as community_prediction
from ._crps import crps_ensemble as crps_ensemble
from ._crps import crps_lognormal as crps_lognormal
from ._crps import crps_normal as crps_normal
from ._crps import crps_quantiles as crps_quantiles
from ._intervals import interval_score as interval_score
from ._intervals import pinball_loss as pinball_loss
from ._intervals import quantile_score as quantile_score
from ._intervals import weighted_interval_score as weighted_interval_score
from ._keyed import interval_from_sums as interval_from_sums
from ._keyed import keyed_poisson_weights as keyed_poisson_weights
from ._keyed import keyed_uniforms as keyed_uniforms
from ._keyed import resample_sums as resample_sums
from ._keyed import weighted_bootstrap as weighted_bootstrap
from ._reliability import reliability_diagram as reliability_diagram
from ._results import BootstrapInterval as BootstrapInterval
from ._results import CalibrationBin as CalibrationBin
from ._results import ConsistencyBand as ConsistencyBand
from ._results import CorpDecomposition as CorpDecomposition
from ._results import DieboldMarianoResult as DieboldMarianoResult
from ._results import MurphyDecomposition as MurphyDecomposition
from ._results import PermutationTestResult as PermutationTestResult
from ._results import ReliabilityDiagram as ReliabilityDiagram
from ._results import WeightedIntervalScore as WeightedIntervalScore
from ._rules import brier_score as brier_score
from ._rules import log_score as log_score
from ._rules import ranked_probability_score as ranked_probability_score
from ._rules import spherical_score as spherical_score
from ._time import time_averaged_peer_score as time_averaged_peer_score
from ._time import time_weighted_score as time_weighted_score
from ._validation import ScoringInputError as ScoringInputError

__all__ = [
    "BootstrapInterval",
    "CalibrationBin",
    "ConsistencyBand",
    "CorpDecomposition",
    "DieboldMarianoResult",
    "MurphyDecomposition",
    "PermutationTestResult",
    "ReliabilityDiagram",
    "ScoringInputError",
    "WeightedIntervalScore",
    "aggregate",
    "band_counts",
    "band_from_counts",
    "baseline_score",
    "brier_score",
    "brier_skill_score",
    "calibration_table",
    "community_prediction",
    "corp_decomposition",
    "crps_ensemble",
    "crps_lognormal",
    "crps_normal",
    "crps_quantiles",
    "diebold_mariano",
    "interval_from_sums",
    "interval_score",
    "keyed_poisson_weights",
    "keyed_uniforms",
    "log_score",
    "murphy_decomposition",
    "paired_bootstrap",
    "peer_score",
    "permutation_test",
    "pinball_loss",
    "quantile_score",
    "ranked_probability_score",
    "reliability_diagram",
    "resample_sums",
    "spherical_score",
    "time_averaged_peer_score",
    "time_weighted_score",
    "weighted_bootstrap",
]
