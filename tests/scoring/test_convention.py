"""The one calling convention of 0.2, and the 0.1 forms that keep working (with a warning).

Convention: outcome first, then the forecast's operands with the levels before the values
they qualify (``levels`` for quantiles, ``alpha`` for central intervals), every option
keyword-only, and a ScoringInputError for every bad input.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import scoring

FUNCTIONS = sorted(name for name in scoring.__all__ if inspect.isfunction(getattr(scoring, name)))
#: Functions without an outcome: they compare two score series, combine forecasts, or
#: draw and sum the keyed bootstrap of a score series, or count and refit a keyed band.
NO_OUTCOME = {
    "aggregate",
    "band_counts",
    "band_from_counts",
    "community_prediction",
    "diebold_mariano",
    "interval_from_sums",
    "keyed_poisson_weights",
    "keyed_uniforms",
    "paired_bootstrap",
    "permutation_test",
    "resample_sums",
    "weighted_bootstrap",
}
DEPRECATED = {"pinball_loss"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_signature_follows_the_convention(name: str) -> None:
    params = list(inspect.signature(getattr(scoring, name)).parameters.values())
    kinds = {p.kind for p in params}
    assert inspect.Parameter.VAR_POSITIONAL not in kinds
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    operands = [p for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    options = [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert operands + options == params, "operands first, then keyword-only options"
    assert all(p.default is inspect.Parameter.empty for p in operands), "options keyword-only"
    if name in DEPRECATED:
        return
    names = [p.name for p in operands]
    if name not in NO_OUTCOME:
        assert names[0] == "outcome"
    assert not {"alphas", "level", "value"} & set(names), "one name per kind of operand"
    if "levels" in names and "values" in names:
        assert names.index("levels") < names.index("values")
    if "alpha" in names:
        bounds = [names.index(n) for n in ("median", "lower", "upper") if n in names]
        assert names.index("alpha") < min(bounds)


def _warns_and_equals(old: Callable[[], Any], new: Callable[[], Any], match: str) -> None:
    with pytest.deprecated_call(match=match):
        got = old()
    expected = new()
    if hasattr(expected, "score"):
        got, expected = got.score, expected.score
    np.testing.assert_array_equal(got, expected)


Y, P = [1, 0, 0, 1], [0.9, 0.2, 0.6, 0.7]
LO, HI, MED = [[-1.0, 0.0], [-2.0, 1.0]], [[3.0, 2.0], [4.0, 2.0]], [1.0, 2.0]


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            lambda: scoring.murphy_decomposition(Y, P, 4),
            lambda: scoring.murphy_decomposition(Y, P, bins=4),
            "bins=",
        ),
        (
            lambda: scoring.calibration_table(Y, P, 4),
            lambda: scoring.calibration_table(Y, P, bins=4),
            "bins=",
        ),
        (
            lambda: scoring.corp_decomposition(Y, P, "log"),
            lambda: scoring.corp_decomposition(Y, P, score="log"),
            "score=",
        ),
        (
            lambda: scoring.brier_skill_score(Y, P, 0.5),
            lambda: scoring.brier_skill_score(Y, P, reference=0.5),
            "reference=",
        ),
        (
            lambda: scoring.pinball_loss([1.0, 3.0], [2.0, 2.5], 0.9),
            lambda: scoring.quantile_score([1.0, 3.0], 0.9, [2.0, 2.5]),
            "quantile_score",
        ),
        (
            lambda: scoring.interval_score([0.5, 3.0], 0.0, 1.0, 0.1),
            lambda: scoring.interval_score([0.5, 3.0], 0.1, 0.0, 1.0),
            r"\(outcome, lower, upper, alpha\)",
        ),
        (
            lambda: scoring.interval_score([0.5, 3.0], 0.0, 1.0, alpha=0.1),
            lambda: scoring.interval_score([0.5, 3.0], alpha=0.1, lower=0.0, upper=1.0),
            "lower/upper before alpha",
        ),
        (
            lambda: scoring.weighted_interval_score([1.0, -15.0], MED, LO, HI, [0.2, 0.5]),
            lambda: scoring.weighted_interval_score([1.0, -15.0], [0.2, 0.5], MED, LO, HI),
            "alphas",
        ),
        (
            lambda: scoring.weighted_interval_score(1.0, 1.0, [-1.0, 0.0], [3.0, 2.0], [0.2, 0.5]),
            lambda: scoring.weighted_interval_score(1.0, [0.2, 0.5], 1.0, [-1.0, 0.0], [3.0, 2.0]),
            "alphas",
        ),
        (
            lambda: scoring.weighted_interval_score([1.0, -15.0], MED, LO, HI, alphas=[0.2, 0.5]),
            lambda: scoring.weighted_interval_score([1.0, -15.0], [0.2, 0.5], MED, LO, HI),
            "'alphas'",
        ),
        (
            lambda: scoring.time_weighted_score([0, 3, 8], [0.6, 0.8, 0.9], 1, close=10),
            lambda: scoring.time_weighted_score(1, [0, 3, 8], [0.6, 0.8, 0.9], close=10),
            r"\(times, forecasts, outcome\)",
        ),
        (
            lambda: scoring.time_weighted_score([0, 3], [0.6, 0.8], outcome=1, close=10),
            lambda: scoring.time_weighted_score(1, [0, 3], [0.6, 0.8], close=10),
            "before outcome",
        ),
    ],
)
def test_old_forms_warn_and_still_work(
    old: Callable[[], Any], new: Callable[[], Any], match: str
) -> None:
    _warns_and_equals(old, new, match)


def test_ambiguous_positional_interval_call_warns_and_reads_the_new_order() -> None:
    # 0.1 reading: lower 0.05, upper 0.08, alpha 0.1; 0.2 reading: alpha 0.05, [0.08, 0.1]
    with pytest.deprecated_call(match="by keyword"):
        got = scoring.interval_score([0.09], 0.05, 0.08, 0.1)
    assert got == scoring.interval_score([0.09], alpha=0.05, lower=0.08, upper=0.1)


def test_new_forms_do_not_warn() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scoring.interval_score([0.5, 3.0], 0.1, 0.0, 1.0)
        scoring.interval_score([0.5], alpha=0.1, lower=[0.0], upper=[1.0])
        scoring.weighted_interval_score([1.0, -15.0], [0.2, 0.5], MED, LO, HI)
        scoring.weighted_interval_score(1.0, [0.2], 1.0, [0.0], [2.0])
        scoring.time_weighted_score(1, [0, 3], [0.6, 0.8], close=10)


STRING = ["a", "b"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: scoring.peer_score(1, STRING),
        lambda: scoring.peer_score(STRING, [[0.5, 0.5], [0.5, 0.5]]),
        lambda: scoring.time_weighted_score(1, [0, 1], STRING, close=2),
        lambda: scoring.time_weighted_score(1, STRING, [0.5, 0.5], close=2),
        lambda: scoring.time_weighted_score(1, [0, 1], [0.5, 0.5], close="x"),
        lambda: scoring.time_weighted_score(1, [0, 1], [0.5, 0.5], close=2, open=-1, prior="x"),
        lambda: scoring.time_averaged_peer_score(1, [0, 1], ["a", "b"], STRING, close=2),
        lambda: scoring.brier_skill_score([1, 0], [0.5, 0.5], reference="x"),
        lambda: scoring.reliability_diagram([1, 0], [0.5, 0.5], level="x"),  # type: ignore[arg-type]
        lambda: scoring.calibration_table([1, 0], [0.5, 0.5], level="x"),  # type: ignore[arg-type]
        lambda: scoring.paired_bootstrap([1.0, 2.0], [1.0, 2.0], level="x"),  # type: ignore[arg-type]
        lambda: scoring.murphy_decomposition([1, 0], [0.5, 0.5], bins="x"),
        lambda: scoring.quantile_score([1.0], STRING, [1.0]),
        lambda: scoring.interval_score([1.0], STRING, 0.0, 1.0),
        lambda: scoring.weighted_interval_score([1.0], STRING, [1.0], [[0.0]], [[2.0]]),
        lambda: scoring.crps_quantiles([1.0], STRING, [[0.0, 1.0]]),
        lambda: scoring.crps_ensemble([1.0], [STRING]),
        lambda: scoring.crps_normal([1.0], STRING[:1], 1.0),
        lambda: scoring.diebold_mariano(STRING, STRING),
        lambda: scoring.aggregate(STRING),
        lambda: scoring.aggregate([0.5, 0.5], weights=STRING),
        lambda: scoring.community_prediction([0, 1], ["a", "b"], STRING),
    ],
)
def test_string_input_raises_scoring_input_error(call: Callable[[], Any]) -> None:
    with pytest.raises(scoring.ScoringInputError):
        call()
