"""Leaderboards computed in PostgreSQL equal the numpy path on the same rows: from the kept
scores, and from the raw forecasts (window functions) for past ``as_of`` and for the filters
kept scores cannot answer. On SQLite the service keeps the numpy path; both give one board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forecasts.db.scores import read_kept
from forecasts.domain import Metric
from forecasts.records import RecordFilter, leaderboard, load_record_data
from forecasts.records.board_sql import leaderboard_in_sql
from forecasts.services import add_forecaster
from forecasts.services.scores import board
from tests.factories import make_forecaster

from .conftest import AS_OF, Seeded, add_forecast, make_forecast_input
from .test_kept import FILTERS, LATER, _dump, _mix, _same

RAW_FILTERS = [
    RecordFilter(exclude_backdated=True),
    RecordFilter(min_horizon_days=200),
    RecordFilter(min_horizon_days=30, tag="odd"),
]
EARLY = datetime(2026, 1, 5, 12, tzinfo=UTC)  # after the resolutions, before K1's correction


def _is_postgres(seeded: Seeded) -> bool:
    return seeded.store.engine.dialect.name == "postgresql"


def _expected(seeded: Seeded, as_of: datetime, metric: str, filters: RecordFilter) -> object:
    data = load_record_data(seeded.store, as_of=as_of, filters=filters)
    return _dump(leaderboard(data, metric=metric))


def _check(seeded: Seeded, as_of: datetime, metric: str, filters: RecordFilter) -> None:
    expected = _expected(seeded, as_of, metric, filters)
    in_sql = leaderboard_in_sql(seeded.store, as_of=as_of, metric=metric, filters=filters)
    if _is_postgres(seeded):
        assert in_sql is not None, (metric, filters)
        assert _same(_dump(in_sql), expected) == [], (metric, filters)
    else:
        assert in_sql is None  # SQLite: the numpy path
    served = board(seeded.store, as_of=as_of, metric=Metric(metric), filters=filters)
    assert _same(_dump(served), expected) == [], (metric, filters)


@pytest.mark.parametrize("metric", list(Metric))
def test_boards_from_kept_scores_equal_the_numpy_path(seeded: Seeded, metric: Metric) -> None:
    _mix(seeded)
    assert read_kept(seeded.store, as_of=LATER) is not None
    for filters in FILTERS:
        _check(seeded, LATER, metric.value, filters)


@pytest.mark.parametrize("metric", ["brier", "brier_time_weighted", "log_score"])
def test_boards_from_raw_forecasts_equal_the_numpy_path(seeded: Seeded, metric: str) -> None:
    _mix(seeded)
    for filters in RAW_FILTERS:
        _check(seeded, LATER, metric, filters)
    assert read_kept(seeded.store, as_of=EARLY) is None  # kept rows cannot answer: raw rows
    for filters in [*FILTERS, *RAW_FILTERS]:
        _check(seeded, EARLY, metric, filters)


def test_min_n_ties_and_several_forecasts_at_one_instant(seeded: Seeded) -> None:
    """Equal scores rank by handle; of forecasts made at one instant the last recorded
    stands; forecasters under ``min_n`` are left out."""
    store = seeded.store
    for handle in ("dave", "erin"):
        add_forecaster(store, make_forecaster(handle), as_of=AS_OF)
    for qid in seeded.binary[:6]:
        for handle in ("erin", "dave"):  # same forecasts: an exact tie
            for p in (0.9, 0.35):
                entry = make_forecast_input(qid, handle, p=p, made_at="2025-03-03")
                add_forecast(store, entry, as_of=AS_OF)
    later = AS_OF + timedelta(days=1)
    for metric in ("brier", "brier_time_weighted", "log_score"):
        for min_n in (1, 7, 13):
            data = load_record_data(store, as_of=later)
            expected = _dump(leaderboard(data, metric=metric, min_n=min_n))
            got = _dump(board(store, as_of=later, metric=Metric(metric), min_n=min_n))
            assert _same(got, expected) == [], (metric, min_n)
            for as_of in (later, EARLY):
                in_sql = leaderboard_in_sql(store, as_of=as_of, metric=metric, min_n=min_n)
                if _is_postgres(seeded):
                    assert in_sql is not None
                    raw = load_record_data(store, as_of=as_of)
                    want = _dump(leaderboard(raw, metric=metric, min_n=min_n))
                    assert _same(_dump(in_sql), want) == [], (metric, min_n, as_of)
    ranked = board(store, as_of=later, metric=Metric.BRIER, min_n=6)
    handles = [e.handle for e in ranked.entries]
    assert handles.index("dave") + 1 == handles.index("erin")  # tie: by handle
    dave = next(e for e in ranked.entries if e.handle == "dave")
    assert dave.n == 6


def test_common_and_platform_boards_stay_on_the_numpy_path(seeded: Seeded) -> None:
    store = seeded.store
    assert leaderboard_in_sql(store, as_of=LATER, common=True) is None
    platform = RecordFilter(platform="forecasts")
    assert leaderboard_in_sql(store, as_of=LATER, filters=platform) is None
