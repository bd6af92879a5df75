"""Bad input: a ValueError naming the rule, the argument, the first offending index and value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import scoring
from scoring import ScoringInputError


def error_of(func: Callable[..., Any], *args: Any, **kwargs: Any) -> ScoringInputError:
    with pytest.raises(ValueError) as info:
        func(*args, **kwargs)
    assert isinstance(info.value, ScoringInputError)
    return info.value


@pytest.mark.parametrize(
    ("func", "args", "argument", "index", "value"),
    [
        (scoring.brier_score, ([1, 0, 2], [0.7, 0.2, 0.9]), "outcome", 2, 2),
        (scoring.brier_score, ([1, 0, 0.5], [0.7, 0.2, 0.9]), "outcome", 2, 0.5),
        (scoring.log_score, ([1, 0, 0], [0.7, 1.2, 0.9]), "forecast", 1, 1.2),
        (scoring.spherical_score, ([1, 0, 0], [0.7, -0.1, 0.9]), "forecast", 1, -0.1),
        (scoring.brier_score, ([1, 0, 0], [0.7, np.nan, 0.9]), "forecast", 1, None),
        (scoring.brier_score, ([1, np.nan, 0], [0.7, 0.2, 0.9]), "outcome", 1, None),
        (scoring.brier_score, ([0, 3], [[0.5, 0.5, 0.0]] * 2), "outcome", 1, 3),
        (scoring.brier_score, ([0, 1], [[0.5, 0.5], [0.5, 0.6]]), "forecast", 1, [0.5, 0.6]),
        (scoring.crps_normal, ([0.0, 1.0], 0.0, [1.0, 0.0]), "sigma", 1, 0.0),
        (scoring.crps_normal, ([0.0, 1.0], 0.0, [-1.0, 1.0]), "sigma", 0, -1.0),
        (scoring.crps_lognormal, ([0.0, np.inf], 0.0, 1.0), "outcome", 1, np.inf),
        (scoring.crps_ensemble, ([0.0, 1.0], [[1.0, 2.0], [np.nan, 1.0]]), "members", (1, 0), None),
        (scoring.interval_score, ([0.0, 1.0], 0.1, [0.0, 2.0], [1.0, 1.5]), "lower", 1, 2.0),
        (scoring.interval_score, ([0.0], [1.5], [0.0], [1.0]), "alpha", 0, 1.5),
        (scoring.quantile_score, ([0.0], 0.0, [1.0]), "levels", 0, 0.0),
        (scoring.crps_quantiles, ([0.0], [0.1, 0.9], [[1.0, 0.0]]), "values", (0, 0), 0.0),
    ],
)
def test_error_names_argument_rule_index_value(
    func: Callable[..., Any], args: tuple[Any, ...], argument: str, index: Any, value: Any
) -> None:
    err = error_of(func, *args)
    assert err.rule == func.__name__
    assert err.argument == argument
    assert err.index == index
    if value is None:
        assert np.isnan(err.value)
        assert "nan_policy" in str(err)
    else:
        assert err.value == value
    message = str(err)
    assert func.__name__ in message and f"'{argument}'" in message and f"index {index}" in message


def test_mismatched_shapes() -> None:
    err = error_of(scoring.brier_score, [1, 0, 0], [0.7, 0.2])
    assert err.argument == "forecast" and "(2,)" in str(err) and "(3,)" in str(err)
    err = error_of(scoring.crps_ensemble, [1.0, 2.0], [[1.0, 2.0]])
    assert err.argument == "members"
    err = error_of(scoring.crps_normal, [1.0, 2.0], [0.0, 0.0, 0.0], 1.0)
    assert err.argument == "mu"


def test_column_outcome_does_not_silently_broadcast() -> None:
    # (n, 1) vs (n,) would broadcast to (n, n) in plain numpy
    with pytest.raises(ScoringInputError):
        scoring.brier_score(np.array([[1], [0], [0]]), np.array([0.7, 0.2, 0.9]))


def test_nan_policy_must_be_known() -> None:
    err = error_of(scoring.brier_score, [1], [0.5], nan_policy="propagate")
    assert err.argument == "nan_policy"


def test_string_input_is_rejected() -> None:
    err = error_of(scoring.brier_score, ["yes", "no"], [0.5, 0.5])
    assert err.argument == "outcome" and "numeric" in str(err)


def test_probability_one_plus_epsilon_is_rejected() -> None:
    err = error_of(scoring.brier_score, [1], [1.0 + 1e-12])
    assert err.index == 0


def test_wis_requires_ordered_quantiles() -> None:
    err = error_of(scoring.weighted_interval_score, [0.0], [0.5], [5.0], [[0.0]], [[1.0]])
    assert err.argument == "median"


def test_aggregates_need_items() -> None:
    err = error_of(scoring.corp_decomposition, [np.nan], [0.5], nan_policy="omit")
    assert "at least one" in str(err)


def test_multidimensional_index_is_a_tuple() -> None:
    err = error_of(scoring.brier_score, [[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 7.0]])
    assert err.index == (1, 1) and err.value == 7.0


def test_empty_input_gives_empty_scores() -> None:
    assert scoring.brier_score([], []).shape == (0,)
    assert scoring.crps_ensemble(np.empty(0), np.empty((0, 5))).shape == (0,)
