"""Track records by platform: which questions a platform's forecasts answered, and the
platforms' own scores (kept in each imported forecast's origin) set beside ours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from forecasts.db.record_rows import read_origins
from forecasts.db.store import Store
from forecasts.records import RecordFilter, TrackRecord, load_record_data, track_record
from forecasts.records.platform_scores import platform_scores

__all__ = ["platform_view", "raw_record", "with_platform_scores"]


def platform_view(
    store: Store,
    handle: str,
    platform: str | None,
    origins: Sequence[tuple[str, dict[str, Any]]] | None = None,
) -> tuple[frozenset[str] | None, dict[str, dict[str, float]]]:
    """The questions answered with forecasts from ``platform`` (None: no platform asked
    for), and other platforms' own scores per question, kept at import (``origins``: the
    forecaster's ``read_origins``, if the caller has them)."""
    if origins is None:
        origins = read_origins(store, handle)
    theirs: dict[str, dict[str, float]] = {}
    for qid, origin in origins:
        score = origin.get("platform_score")
        if isinstance(score, int | float) and origin.get("platform"):
            theirs.setdefault(str(origin["platform"]), {})[qid] = float(score)
    if platform is None:
        return None, theirs
    if platform == "forecasts":  # forecasts made here carry no origin
        mine = store.forecasts(forecaster=handle)
        only = frozenset(f.question_id for f in mine if f.origin is None)
    else:
        only = frozenset(qid for qid, origin in origins if origin.get("platform") == platform)
    return only, {p: s for p, s in theirs.items() if p == platform}


def with_platform_scores(
    store: Store,
    handle: str,
    platform: str | None,
    record: TrackRecord,
    origins: Sequence[tuple[str, dict[str, Any]]] | None = None,
) -> TrackRecord:
    _, theirs = platform_view(store, handle, platform, origins)
    return record.model_copy(update={"platform_scores": platform_scores(record.questions, theirs)})


def raw_record(
    store: Store, handle: str, as_of: datetime, filters: RecordFilter, min_n: int
) -> TrackRecord:
    """The record computed from the raw rows (filters the kept scores cannot answer)."""
    only, theirs = platform_view(store, handle, filters.platform)
    data = load_record_data(
        store, as_of=as_of, filters=filters, forecaster=handle, only_questions=only
    )
    record = track_record(data, handle, min_n=min_n)
    return record.model_copy(update={"platform_scores": platform_scores(record.questions, theirs)})
