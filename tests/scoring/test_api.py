"""The public surface of the package and its import-time behaviour."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

import scoring


def test_exported_members() -> None:
    assert scoring.__all__ == sorted(scoring.__all__)
    assert set(scoring.__all__) == {
        "BootstrapInterval", "CalibrationBin", "ConsistencyBand", "CorpDecomposition",
        "DieboldMarianoResult", "band_counts", "band_from_counts",
        "MurphyDecomposition", "PermutationTestResult", "ReliabilityDiagram",
        "ScoringInputError", "WeightedIntervalScore", "aggregate", "baseline_score",
        "brier_score", "brier_skill_score", "calibration_table", "community_prediction",
        "corp_decomposition", "crps_ensemble",
        "crps_lognormal", "crps_normal", "crps_quantiles", "diebold_mariano",
        "interval_from_sums", "interval_score", "keyed_poisson_weights", "keyed_uniforms",
        "log_score", "murphy_decomposition", "paired_bootstrap", "peer_score",
        "permutation_test", "pinball_loss", "quantile_score", "ranked_probability_score",
        "reliability_diagram", "resample_sums", "spherical_score", "time_averaged_peer_score",
        "time_weighted_score", "weighted_bootstrap",
    }  # fmt: skip
    for name in scoring.__all__:
        assert getattr(scoring, name).__doc__, name


def test_import_does_not_load_scipy() -> None:
    code = "import sys, scoring; print(any(m.startswith('scipy') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_results_are_frozen() -> None:
    d = scoring.corp_decomposition([1, 0, 0], [0.7, 0.2, 0.9])
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.mcb = 0.0  # type: ignore[misc]


def test_scoring_input_error_is_a_value_error() -> None:
    assert issubclass(scoring.ScoringInputError, ValueError)
