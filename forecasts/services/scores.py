"""Track records, leaderboards and comparisons read from the store and scored."""

from __future__ import annotations

from datetime import datetime

from forecasts.db.store import Store
from forecasts.domain import Metric
from forecasts.records import (
    Comparison,
    Leaderboard,
    RecordFilter,
    TrackRecord,
    compare,
    leaderboard,
    load_record_data,
    track_record,
)
from forecasts.records.platform_scores import platform_scores
from forecasts.records.track import DEFAULT_MIN_N

__all__ = ["board", "duel", "record_of", "records_of_all"]


def record_of(
    store: Store,
    handle: str,
    *,
    as_of: datetime,
    filters: RecordFilter | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> TrackRecord:
    """One forecaster's track record over resolved, non-annulled questions.

    With ``filters.platform``, only questions the forecaster answered with forecasts from that
    platform; other platforms' own scores (kept at import) are set beside ours.
    """
    platform = filters.platform if filters is not None else None
    only: set[str] = set()
    theirs: dict[str, dict[str, float]] = {}
    for forecast in store.forecasts(forecaster=handle):
        origin = forecast.origin
        source = origin.platform if origin is not None else "forecasts"
        if source == platform:
            only.add(forecast.question_id)
        if origin is not None and origin.platform_score is not None:
            theirs.setdefault(source, {})[forecast.question_id] = origin.platform_score
    data = load_record_data(
        store,
        as_of=as_of,
        filters=filters,
        forecaster=handle,
        only_questions=None if platform is None else frozenset(only),
    )
    record = track_record(data, handle, min_n=min_n)
    if platform is not None:
        theirs = {p: s for p, s in theirs.items() if p == platform}
    return record.model_copy(update={"platform_scores": platform_scores(record.questions, theirs)})


def records_of_all(store: Store, *, as_of: datetime) -> list[TrackRecord]:
    """Every forecaster's record that scores at least one question (one load)."""
    data = load_record_data(store, as_of=as_of)
    if not len(data.questions):
        return []
    records = (track_record(data, handle) for handle in data.forecasters)
    return [record for record in records if record.n]


def board(
    store: Store,
    *,
    as_of: datetime,
    metric: Metric = Metric.BRIER,
    min_n: int = 1,
    common: bool = False,
    filters: RecordFilter | None = None,
    intervals: bool = True,
) -> Leaderboard:
    """The leaderboard by ``metric``."""
    data = load_record_data(store, as_of=as_of, filters=filters)
    return leaderboard(data, metric=metric, min_n=min_n, common=common, intervals=intervals)


def duel(
    store: Store,
    a: str,
    b: str,
    *,
    as_of: datetime,
    metric: Metric = Metric.BRIER,
    filters: RecordFilter | None = None,
) -> Comparison:
    """Two forecasters on the questions both answered."""
    data = load_record_data(store, as_of=as_of, filters=filters)
    return compare(data, a, b, metric=metric)
