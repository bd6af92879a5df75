"""Crowd aggregates against hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring import ScoringInputError, aggregate, community_prediction, time_weighted_score

P = [0.1, 0.4, 0.5, 0.8]


def odds(p: float) -> float:
    return p / (1 - p)


def prob(o: float) -> float:
    return o / (1 + o)


def test_median_and_mean_by_hand() -> None:
    assert float(aggregate(P)) == pytest.approx(0.45)  # even count: midpoint of 0.4 and 0.5
    assert float(aggregate(P[:3])) == pytest.approx(0.4)
    assert float(aggregate(P, method="mean")) == pytest.approx(1.8 / 4)


def test_weighted_median_and_mean_by_hand() -> None:
    w = [1.0, 1.0, 1.0, 3.0]  # total 6, half 3: cumulative 1, 2, 3 (= half at 0.5), 6
    assert float(aggregate(P, weights=w)) == pytest.approx((0.5 + 0.8) / 2)
    w = [1.0, 1.0, 1.0, 4.0]  # half 3.5 first reached at 0.8
    assert float(aggregate(P, weights=w)) == pytest.approx(0.8)
    assert float(aggregate(P, method="mean", weights=w)) == pytest.approx(
        (0.1 + 0.4 + 0.5 + 4 * 0.8) / 7
    )
    # zero weights are ignored, also between the two middle values
    assert float(aggregate([0.2, 0.3, 0.6, 0.9], weights=[1, 0, 0, 1])) == pytest.approx(0.55)


def test_geometric_mean_of_odds_by_hand() -> None:
    expected = prob(math.prod(odds(p) for p in P) ** (1 / 4))
    assert float(aggregate(P, method="geometric_mean_odds")) == pytest.approx(expected)
    # the mean log-odds is the same estimator (Satopaa et al.)
    assert float(aggregate(P, method="logit_mean")) == pytest.approx(expected)
    w = [2.0, 1.0, 1.0, 4.0]
    weighted = prob(math.prod(odds(p) ** (wi / 8) for p, wi in zip(P, w, strict=True)))
    assert float(aggregate(P, method="geometric_mean_odds", weights=w)) == pytest.approx(weighted)


def test_extremizing_by_hand() -> None:
    # Satopaa et al.: logit p = a * mean logit p_i; equivalently odds ** a
    gm = math.prod(odds(p) for p in P) ** (1 / 4)
    got = float(aggregate(P, method="logit_mean", extremize=2.5))
    assert got == pytest.approx(prob(gm**2.5))
    # p^a / (p^a + (1 - p)^a) applied to the median
    m = 0.45
    expected = m**1.5 / (m**1.5 + (1 - m) ** 1.5)
    assert float(aggregate(P, extremize=1.5)) == pytest.approx(expected)
    assert float(aggregate([0.5, 0.5], extremize=3.0)) == pytest.approx(0.5)


def test_axis_nan_and_certain_forecasts() -> None:
    f = np.array([[0.1, 0.2], [0.4, np.nan], [0.7, 0.8]])  # forecasters on axis 0
    np.testing.assert_allclose(aggregate(f, axis=0, nan_policy="omit"), [0.4, 0.5])
    with pytest.raises(ScoringInputError, match="nan_policy"):
        aggregate(f, axis=0)
    assert np.isnan(aggregate([np.nan, np.nan], nan_policy="omit"))
    assert float(aggregate([0.0, 0.3], method="geometric_mean_odds")) == 0.0
    assert float(aggregate([1.0, 0.3], method="geometric_mean_odds")) == 1.0
    with pytest.raises(ScoringInputError, match="both 0 and 1"):
        aggregate([0.0, 1.0, 0.5], method="logit_mean")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"method": "trimmed"}, "method"),
        ({"extremize": 0.0}, "extremize"),
        ({"weights": [1.0, -1.0, 1.0, 1.0]}, "weights"),
        ({"weights": [1.0, 1.0]}, "weights"),
        ({"weights": [0.0, 0.0, 0.0, 0.0]}, "weights"),
        ({"axis": 3}, "axis"),
    ],
)
def test_aggregate_bad_arguments(kwargs: dict, argument: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScoringInputError) as info:
        aggregate(P, **kwargs)
    assert info.value.argument == argument


def test_community_prediction_recency_weights_by_hand() -> None:
    # a 0.2, b 0.6, a updates to 0.4, c 0.9: after the last event the standing forecasts,
    # oldest update first, are b 0.6 (k=1), a 0.4 (k=2), c 0.9 (k=3); w_k ~ e^sqrt(k)
    line = community_prediction([0, 1, 2, 3], ["a", "b", "a", "c"], [0.2, 0.6, 0.4, 0.9])
    w = {0.6: math.exp(1), 0.4: math.exp(math.sqrt(2)), 0.9: math.exp(math.sqrt(3))}
    total = sum(w.values())  # cumulative in value order: 0.4 -> 4.11, 0.6 -> 6.83 >= 7.76 / 2
    assert w[0.4] < total / 2 <= w[0.4] + w[0.6]
    np.testing.assert_allclose(line, [0.2, 0.4, 0.5, 0.6])
    # without recency weights: the plain median of 0.4, 0.6, 0.9
    flat = community_prediction([0, 1, 2, 3], ["a", "b", "a", "c"], [0.2, 0.6, 0.4, 0.9],
                                recency=False)  # fmt: skip
    assert flat[-1] == pytest.approx(0.6)


def test_community_prediction_recency_moves_the_line_towards_new_forecasts() -> None:
    # ten forecasters at 0.2, then three update to 0.9: the recency-weighted median moves
    # (three newest of ten carry more than half the weight), the plain median does not
    n = 10
    times = list(range(n + 3))
    who = [f"f{i}" for i in range(n)] + ["f0", "f1", "f2"]
    p = [0.2] * n + [0.9] * 3
    assert community_prediction(times, who, p)[-1] == pytest.approx(0.9)
    assert community_prediction(times, who, p, recency=False)[-1] == pytest.approx(0.2)


def test_community_line_is_scored_like_a_forecaster() -> None:
    times, who, p = [0, 2, 5], ["a", "b", "c"], [0.6, 0.8, 0.9]
    line = community_prediction(times, who, p, method="mean", recency=False)
    np.testing.assert_allclose(line, [0.6, 0.7, (0.6 + 0.8 + 0.9) / 3])
    got = time_weighted_score(1, times, line, close=10)
    expected = (2 * 0.4**2 + 3 * 0.3**2 + 5 * (1 - 2.3 / 3) ** 2) / 10
    assert got == pytest.approx(expected)


def test_community_prediction_same_time_events_and_errors() -> None:
    line = community_prediction([5, 5, 0], ["a", "a", "b"], [0.3, 0.7, 0.1], recency=False)
    np.testing.assert_allclose(line, [0.4, 0.4, 0.1])  # a's last listed forecast at 5 stands
    with pytest.raises(ScoringInputError, match="forecasters"):
        community_prediction([0, 1], ["a"], [0.5, 0.5])
    with pytest.raises(ScoringInputError, match="probability"):
        community_prediction([0, 1], ["a", "b"], [0.5, 1.5])


def _line_one_group_at_a_time(
    times: np.ndarray, who: np.ndarray, p: np.ndarray, method: str, recency: bool
) -> np.ndarray:
    """The definition, step by step: after each group of equal times, aggregate the standing
    forecasts ordered from least to most recently updated."""
    order = np.argsort(times, kind="stable")
    latest: dict[str, tuple[int, float]] = {}
    out = np.empty(p.size)
    start = 0
    for rank, e in enumerate(order):
        latest[str(who[e])] = (rank, float(p[e]))
        if rank + 1 < order.size and times[order[rank + 1]] == times[e]:
            continue
        standing = sorted(latest.values())
        n = len(standing)
        k = np.arange(1, n + 1, dtype=float)
        w = np.exp(np.sqrt(k) - np.sqrt(n)) if recency and n > 2 else np.ones(n)
        value = aggregate([v for _, v in standing], method=method, weights=w)  # type: ignore[arg-type]
        out[order[start : rank + 1]] = value
        start = rank + 1
    return out


@pytest.mark.parametrize("method", ["median", "mean", "geometric_mean_odds"])
@pytest.mark.parametrize("recency", [True, False])
def test_community_prediction_equals_the_step_by_step_definition(
    method: str, recency: bool
) -> None:
    rng = np.random.default_rng(5)
    for size, people in ((1, 1), (7, 3), (400, 25), (3000, 400)):
        times = rng.integers(0, max(size // 3, 1), size)  # many equal times
        who = np.array([f"f{i}" for i in rng.integers(0, people, size)])
        p = rng.uniform(0.01, 0.99, size)
        got = community_prediction(times, who, p, method=method, recency=recency)  # type: ignore[arg-type]
        want = _line_one_group_at_a_time(times, who, p, method, recency)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
