"""Leaderboards and comparisons agree with track records and with ``scoring`` directly."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

import scoring
from forecasts.domain import QuestionKind
from forecasts.errors import FieldError
from forecasts.records import compare, leaderboard, load_record_data, track_record
from forecasts.records.filters import RecordFilter
from forecasts.records.loader import QuestionArrays, RecordData
from forecasts.records.pairs import binary_pairs

from .conftest import HANDLES, Seeded


def test_leaderboard_agrees_with_each_track_record(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    board = leaderboard(data, metric="brier")
    assert [e.rank for e in board.entries] == [1, 2, 3]
    scores = [e.score for e in board.entries]
    assert scores == sorted(scores)  # type: ignore[type-var]
    for entry in board.entries:
        record = track_record(data, entry.handle)
        assert entry.n == record.n_binary
        assert entry.score == pytest.approx(record.brier)
        assert entry.brier_time_weighted == pytest.approx(record.brier_time_weighted)
        assert entry.log_score == pytest.approx(record.log_score)
        binary_rows = [r for r in record.questions if r.kind == "binary"]
        assert entry.coverage == pytest.approx(np.mean([r.coverage for r in binary_rows]))
        assert entry.interval is not None
        assert entry.interval.low <= entry.score <= entry.interval.high  # type: ignore[operator]


def test_min_n_and_common_questions(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    full = leaderboard(data, min_n=1)
    carol = next(e for e in full.entries if e.handle == "carol")
    assert [e.handle for e in leaderboard(data, min_n=carol.n + 1).entries] != []
    assert "carol" not in {e.handle for e in leaderboard(data, min_n=carol.n + 1).entries}
    common = leaderboard(data, common=True)
    assert {e.n for e in common.entries} == {common.n_questions}
    assert common.n_questions == carol.n  # carol answered the fewest; the others answered all
    with pytest.raises(FieldError, match="metric"):
        leaderboard(data, metric="accuracy")


def test_relative_to_median_of_the_others(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    pairs = binary_pairs(data)
    board = leaderboard(data, metric="brier_relative")
    for entry in board.entries:
        me = data.forecasters.index(entry.handle)
        relative = []
        for k in np.flatnonzero(pairs.f == me):
            others = pairs.brier[(pairs.q == pairs.q[k]) & (pairs.f != me)]
            if others.size:
                relative.append(pairs.brier[k] - np.median(others))
        assert entry.n == len(relative)
        assert entry.score == pytest.approx(np.mean(relative))


def test_peer_score_comes_from_scoring(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    pairs = binary_pairs(data)
    board = leaderboard(data, metric="peer_score")
    assert board.orientation == "higher is better"
    scores = [e.score for e in board.entries]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    per_forecaster: dict[int, list[float]] = {}
    for q in np.unique(pairs.q):
        here = pairs.q == q
        peer = scoring.peer_score(pairs.outcome[here][0], pairs.p[here])
        for f, s in zip(pairs.f[here], peer, strict=True):
            per_forecaster.setdefault(int(f), []).append(float(s))
    for entry in board.entries:
        assert entry.score == pytest.approx(
            np.mean(per_forecaster[data.forecasters.index(entry.handle)])
        )


def test_compare_agrees_with_scoring(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    duel = compare(data, "alice", "bob")
    a = {r.question_id: r.brier for r in track_record(data, "alice").questions if r.brier}
    b = {r.question_id: r.brier for r in track_record(data, "bob").questions if r.brier}
    both = [r.question_id for r in duel.questions]
    binary = {qid for qid, k in zip(data.questions.ids, data.questions.kinds, strict=True)
              if k is QuestionKind.BINARY}  # fmt: skip
    assert set(both) == set(a) & set(b) & binary
    sa = np.array([a[q] for q in both])
    sb = np.array([b[q] for q in both])
    assert duel.n == len(both)
    assert duel.mean_difference == pytest.approx((sa - sb).mean())
    boot = scoring.paired_bootstrap(sa, sb, n_resamples=9999, seed=0)
    assert duel.interval is not None
    assert (duel.interval.low, duel.interval.high) == (
        pytest.approx(boot.low),
        pytest.approx(boot.high),
    )
    assert duel.diebold_mariano_pvalue == pytest.approx(scoring.diebold_mariano(sa, sb).pvalue)
    assert duel.permutation_pvalue == pytest.approx(scoring.permutation_test(sa, sb, seed=0).pvalue)
    with pytest.raises(FieldError):
        compare(data, "alice", "alice")


def _synthetic(seed: int) -> RecordData:
    rng = np.random.default_rng(seed)
    nq, nf, n = 30, 6, 400
    opens = rng.uniform(0, 100, nq)
    closes = opens + rng.uniform(0, 200, nq)
    closes[0] = opens[0]  # a zero-length window
    q = rng.integers(0, nq, n)
    t = np.minimum(opens[q] + rng.uniform(-20, 200, n), closes[q])
    t[:5] = closes[q[:5]]  # forecasts made exactly at the close
    t = np.round(t / 10) * 10  # ties
    order = np.argsort(t, kind="stable")
    questions = QuestionArrays(
        ids=tuple(f"Q{i}" for i in range(nq)),
        titles=tuple(f"Q{i}" for i in range(nq)),
        kinds=(QuestionKind.BINARY,) * nq,
        options=((),) * nq,
        labels=("yes",) * nq,
        opens=opens,
        closes=closes,
        outcome=rng.integers(0, 2, nq).astype(float),
    )
    return RecordData(
        as_of=datetime(2030, 1, 1, tzinfo=UTC),
        filters=RecordFilter(),
        forecasters=tuple(f"f{i}" for i in range(nf)),
        names=tuple(f"F{i}" for i in range(nf)),
        questions=questions,
        f=rng.integers(0, nf, n)[order],
        q=q[order],
        t=np.minimum(t[order], closes[q[order]]),
        p=rng.uniform(0, 1, n).round(2)[order],
        backdated=np.zeros(n, dtype=bool),
        low=np.full(n, np.nan),
        high=np.full(n, np.nan),
        others=(),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_time_weighting_matches_time_weighted_score(seed: int) -> None:
    data = _synthetic(seed)
    pairs = binary_pairs(data)
    for k in range(len(pairs)):
        rows = np.flatnonzero((data.f == pairs.f[k]) & (data.q == pairs.q[k]))
        opens, close = data.questions.opens[pairs.q[k]], data.questions.closes[pairs.q[k]]
        assert pairs.p[k] == data.p[rows[-1]]  # the last one made stands
        try:
            expected = scoring.time_weighted_score(
                int(pairs.outcome[k]), np.maximum(data.t[rows], opens), data.p[rows], close=close
            )
        except scoring.ScoringInputError:
            expected = float(scoring.brier_score(int(pairs.outcome[k]), data.p[rows[-1]]))
        assert pairs.brier_time_weighted[k] == pytest.approx(expected)


def test_every_handle_is_ranked_once(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    for metric in ("brier", "brier_time_weighted", "log_score", "brier_relative", "peer_score"):
        board = leaderboard(data, metric=metric, intervals=False)
        assert sorted(e.handle for e in board.entries) == sorted(HANDLES)
        assert all(e.interval is None for e in board.entries)
