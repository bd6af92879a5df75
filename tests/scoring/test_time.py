"""Scores over a question's life against the worked examples of the platforms' documentation.

Metaculus examples: scores FAQ (https://www.metaculus.com/help/scores-faq/), sections "Do all
my predictions on a question count toward my score?" (a 5-day question) and "Why did I get a
small score when I was right?" (the expandable "Score truncation example", 52 weeks).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from scoring import ScoringInputError, peer_score, time_averaged_peer_score, time_weighted_score


def baseline(q: float) -> float:
    """Metaculus binary baseline score of probability q on what happened."""
    return 100 * math.log(2 * q) / math.log(2)


def test_metaculus_five_day_example() -> None:
    # open 5 days, resolves Yes; 40 % on day 2, 70 % on day 3, 80 % on day 5 (days 1..5 are
    # the intervals [0, 1), ..., [4, 5)). FAQ: daily scores 0, -32, +49, +49, +68; average +27.
    args = (1, [1, 2, 4], [0.4, 0.7, 0.8])
    got = time_weighted_score(*args, close=5, open=0, prior=0.5, rule="baseline")
    daily = [0.0, baseline(0.4), baseline(0.7), baseline(0.7), baseline(0.8)]
    assert [round(s) for s in daily] == [0, -32, 49, 49, 68]
    assert got == pytest.approx(np.mean(daily))
    assert round(got) == 27
    same = time_weighted_score(
        *args, close=5, open=0, prior=0.5, rule="baseline", granularity="day"
    )
    assert same == pytest.approx(got)


@pytest.mark.parametrize(
    ("outcome", "times", "forecasts", "close", "faq"),
    [
        # honest strategy: 24 % this week, then 5 % for the other 51 weeks
        (1, [0], [0.24], 1, -2),  # fired this week (resolves Yes early)
        (1, [0, 1], [0.24, 0.05], 52, -328),  # fired at the end of the year
        (0, [0, 1], [0.24, 0.05], 52, 92),  # not fired
        # gaming strategy: 99 % this week, then 5 %
        (1, [0], [0.99], 1, 2),
        (1, [0, 1], [0.99, 0.05], 52, -324),
        (0, [0, 1], [0.99, 0.05], 52, 80),
    ],
)
def test_metaculus_truncation_example(
    outcome: int, times: list[int], forecasts: list[float], close: int, faq: int
) -> None:
    got = time_weighted_score(
        outcome, times, forecasts, close=close, scheduled_close=52, rule="baseline"
    )
    assert round(got) == faq


def test_metaculus_truncation_expected_scores() -> None:
    def expected(first: float, truncate: bool) -> float:
        sched = 52 if truncate else None

        def score(outcome: int, close: int) -> float:
            times, forecasts = ([0], [first]) if close == 1 else ([0, 1], [first, 0.05])
            return time_weighted_score(
                outcome, times, forecasts, close=close, scheduled_close=sched, rule="baseline"
            )

        # fired this week (20 %), fired at the end of the year (4 %), not fired (76 %)
        return 0.2 * score(1, 1) + 0.04 * score(1, 52) + 0.76 * score(0, 52)

    # FAQ: without truncation the gaming strategy wins (+68 > +36), with it honesty wins
    assert round(expected(0.24, False)) == 36 and round(expected(0.99, False)) == 68
    assert round(expected(0.24, True)) == 56 and round(expected(0.99, True)) == 48


def test_scheduled_close_divides_by_the_scheduled_duration() -> None:
    early = time_weighted_score(1, [0, 3], [0.6, 0.8], close=6)
    truncated = time_weighted_score(1, [0, 3], [0.6, 0.8], close=6, scheduled_close=10)
    assert truncated == pytest.approx(early * 6 / 10)
    with pytest.raises(ScoringInputError, match="scheduled_close"):
        time_weighted_score(1, [0, 3], [0.6, 0.8], close=6, scheduled_close=5)


def test_day_granularity_scores_whole_days_like_gj_open() -> None:
    # forecasts at 0.9, 3.5 and 8.25 days stand for their whole day: like forecasts at 0, 3, 8
    got = time_weighted_score(1, [0.9, 3.5, 8.25], [0.6, 0.8, 0.9], close=10, granularity="day")
    assert got == pytest.approx(0.07)
    continuous = time_weighted_score(1, [0.9, 3.5, 8.25], [0.6, 0.8, 0.9], close=10)
    assert continuous != pytest.approx(0.07)
    # the same with dates: intraday times are floored to the UTC day; a partial last day is
    # not scored
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    times = [start + dt.timedelta(days=d) for d in (0.9, 3.5, 8.25)]
    close = start + dt.timedelta(days=10.5)
    assert time_weighted_score(
        1, times, [0.6, 0.8, 0.9], close=close, granularity="day"
    ) == pytest.approx(0.07)
    with pytest.raises(ScoringInputError, match="granularity"):
        time_weighted_score(1, [0], [0.5], close=1, granularity="hour")  # type: ignore[arg-type]


def hand_peer(q: dict[str, float]) -> dict[str, float]:
    """100 [ln q_i - mean_{j != i} ln q_j] over the forecasters standing."""
    if len(q) == 1:
        return dict.fromkeys(q, 0.0)
    out = {}
    for k, v in q.items():
        others = [math.log(w) for j, w in q.items() if j != k]
        out[k] = 100 * (math.log(v) - sum(others) / len(others))
    return out


def test_instant_peer_score_reproduces_the_faq_table() -> None:
    # FAQ: log scores -1, 1, 2 give Peer scores -2.5, 0.5, 2 (times 100); shift by -3 to get
    # probabilities (the Peer score only depends on differences of log scores)
    q = np.exp(np.array([-1.0, 1.0, 2.0]) - 3.0)
    np.testing.assert_allclose(peer_score(1, q), [-250.0, 50.0, 200.0])


def test_time_averaged_peer_score_hand_worked() -> None:
    # Yes question open [0, 10]: A 0.8 at 0 (0.9 from 8), B 0.5 at 2, C 0.2 at 5
    events = [(0, "A", 0.8), (2, "B", 0.5), (5, "C", 0.2), (8, "A", 0.9)]
    t, who, p = zip(*events, strict=True)
    got = time_averaged_peer_score(1, list(t), list(who), list(p), close=10)
    intervals = [
        (2, {"A": 0.8}),
        (3, {"A": 0.8, "B": 0.5}),
        (3, {"A": 0.8, "B": 0.5, "C": 0.2}),
        (2, {"A": 0.9, "B": 0.5, "C": 0.2}),
    ]
    expected = dict.fromkeys("ABC", 0.0)
    for length, standing in intervals:
        for k, v in hand_peer(standing).items():
            expected[k] += v * length / 10
    assert got == pytest.approx(expected)
    assert sum(got.values()) == pytest.approx(0.0, abs=1e-9)
    # closed early at 10 although scheduled for 20: the average runs over 20
    half = time_averaged_peer_score(1, list(t), list(who), list(p), close=10, scheduled_close=20)
    assert half == pytest.approx({k: v / 2 for k, v in expected.items()})
    # events in any order; forecasts made before `open` stand from `open`
    shuffled = time_averaged_peer_score(1, t[::-1], who[::-1], p[::-1], close=10, open=-5)
    assert shuffled == pytest.approx({k: v * 10 / 15 for k, v in expected.items()})


def test_time_averaged_peer_score_categorical_and_same_time_updates() -> None:
    got = time_averaged_peer_score(
        2,
        [0, 0, 0, 4],
        [7, 8, 7, 8],
        [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.6, 0.2, 0.2]],
        close=8,
    )
    # forecaster 7's second forecast at time 0 replaces its first
    first = 100 * (math.log(0.4) - math.log(0.8))
    second = 100 * (math.log(0.4) - math.log(0.2))
    assert got[7] == pytest.approx((4 * first + 4 * second) / 8)
    assert got[8] == pytest.approx(-got[7])


def test_time_averaged_peer_score_bad_input() -> None:
    with pytest.raises(ScoringInputError, match="forecasters"):
        time_averaged_peer_score(1, [0, 1], ["a"], [0.5, 0.5], close=2)
    with pytest.raises(ScoringInputError, match="probability"):
        time_averaged_peer_score(1, [0, 1], ["a", "b"], [0.5, 1.5], close=2)
