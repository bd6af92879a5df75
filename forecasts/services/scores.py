"""Track records, leaderboards and comparisons read from the store and scored.

Records and leaderboards are assembled from the kept scores (``forecasts.db.scores``:
written with each resolution, correction or backdated forecast) and cached in this
process (an LRU per process: each API worker has its own). A leaderboard is keyed by the
database, the ledger head and the query, so any new ledger event makes a new key. A track
record is keyed by the forecaster's kept rows (their count and the newest ledger sequence
that wrote one) and the query: a resolution of a question they did not forecast on leaves
their record cached; the two figures that depend on other questions (``as_of`` and
``questions_available``) are filled in on each request. The bootstrap intervals and
reliability bands are cached separately, keyed by a digest of the scores they resample.
When a record must be rebuilt, the forecaster's kept rows held in this process are brought
up to date with the rows written since (``_kept_rows``), and each question's resampling
draws, each record's bootstrap resample sums and reliability band (both updated by the
questions that changed) and each row's line and JSON are kept (``_record_parts``). Filters that
change which forecasts count (``min_horizon_days``, ``exclude_backdated``), or an
``as_of`` before the newest outcome took effect, are computed from the raw rows.
On PostgreSQL the leaderboard is computed in SQL (``forecasts.records.board_sql``) from the
kept scores or, for those filters and past ``as_of``, from the raw forecasts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from forecasts.db.scores import KeptRead, kept_probe, read_kept, rebuild_scores
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
from forecasts.records.board_sql import leaderboard_in_sql
from forecasts.records.kept_read import board_from_kept, record_from_kept
from forecasts.records.track import DEFAULT_MIN_N

from . import _bodies
from ._bodies import Entry, stamped
from ._kept_rows import HeldRows
from ._lru import Lru as _Lru
from ._record_parts import (
    KeptBands,
    KeptBootstraps,
    QuestionLines,
    question_uniforms,
    question_weights,
)
from .record_platforms import raw_record, with_platform_scores

__all__ = [
    "board",
    "board_json",
    "duel",
    "etag_of",
    "etag_matches",
    "head_version",
    "rebuild",
    "record_json",
    "record_of",
    "records_of_all",
]

_RESULTS = 256
_RESAMPLED = 4096
_WEIGHTS = 50_000  # questions: 100 MB (weights) and 40 MB (band draws) at most
_SUMS = 512  # records' resample sums: about 80 KB each with 1,000 questions
_BANDS = 64 << 20  # records' reliability bands: about 400 KB each with 1,000 questions
_LINES = 200_000  # kept rows' lines of records
_HELD = 200_000  # kept rows held by forecaster


@dataclass
class _Caches:
    results: _Lru
    resampled: _Lru
    bootstraps: KeptBootstraps
    bands: KeptBands
    lines: QuestionLines
    held: HeldRows


_caches: _Caches | None = None


def _get_caches() -> _Caches:
    global _caches
    if _caches is None:
        _caches = _Caches(
            _Lru(_RESULTS),
            _Lru(_RESAMPLED),
            KeptBootstraps(_SUMS, question_weights(_WEIGHTS)),
            KeptBands(_BANDS, question_uniforms(_WEIGHTS)),
            QuestionLines(_LINES),
            HeldRows(_HELD),
        )
    return _caches


def _memo(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    digest = hashlib.blake2b(digest_size=20)
    for part in key:
        data = part if isinstance(part, bytes) else repr(part).encode()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    cache = _get_caches().resampled
    name = digest.digest()
    found = cache.get(name)
    if found is None:
        found = (compute(),)
        cache.put(name, found)
    return found[0]


def head_version(store: Store) -> str:
    """The ledger head as ``seq:hash``: every change to what records show moves it."""
    return store.head_version()


def etag_of(version: str, query: str) -> str:
    """A weak ETag for a record or board response: the ledger head and the request."""
    digest = hashlib.sha256(f"{version}\n{query}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison)."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in header.split(",")
    )


def _needs_raw(filters: RecordFilter) -> bool:
    return (
        filters.min_horizon_days is not None
        or filters.exclude_backdated
        or filters.platform is not None
    )


def _kept(store: Store, as_of: datetime, filters: RecordFilter, **kw: Any) -> KeptRead | None:
    return read_kept(
        store,
        as_of=as_of,
        tag=filters.tag,
        kind=None if filters.kind is None else filters.kind.value,
        since=filters.since,
        until=filters.until,
        **kw,
    )


def _cached(
    store: Store, key: tuple[Any, ...], as_of: datetime, compute: Callable[[], BaseModel | None]
) -> Entry | None:
    """The cached entry for ``key`` valid at ``as_of``, computing it on a miss (None from
    ``compute``: not cacheable, the caller computes from raw rows)."""
    cache = _get_caches().results
    full = (str(store.engine.url), *key)
    entry: Entry | None = cache.get(full)
    if entry is not None and as_of >= entry.as_of:
        return entry
    model = compute()
    if model is None:
        return None
    entry = Entry(model, as_of)
    cache.put(full, entry)
    return entry


_BLANK = -1  # questions_available in a cached body, replaced on each request


def _record_entry(
    store: Store,
    handle: str,
    as_of: datetime,
    filters: RecordFilter,
    min_n: int,
    head: str | None = None,
) -> tuple[Entry, int] | None:
    """The cached record and the questions available now (None: compute from raw rows)."""
    head = head or head_version(store)
    # Per ledger head the answer is fixed for every later as_of: a warm request reads the
    # head alone.
    cache = _get_caches().results
    at_head = (str(store.engine.url), head, "record", handle, filters.model_dump_json(), min_n)
    hit: tuple[datetime, Entry, int] | None = cache.get(at_head)
    if hit is not None and as_of >= hit[0]:
        return hit[1], hit[2]
    found = _record_entry_read(store, handle, as_of, filters, min_n, head)
    if found is not None:
        cache.put(at_head, (as_of, *found))
    return found


def _record_entry_read(
    store: Store, handle: str, as_of: datetime, filters: RecordFilter, min_n: int, head: str
) -> tuple[Entry, int] | None:
    selection: dict[str, Any] = {
        "tag": filters.tag,
        "kind": None if filters.kind is None else filters.kind.value,
        "since": filters.since,
        "until": filters.until,
    }
    # The count of questions (and whether kept rows stand for as_of) changes only with the
    # ledger: cached per head, so a warm request reads one aggregate over an index.
    cache = _get_caches().results
    counted = (str(store.engine.url), head, "available", filters.tag,
               selection["kind"], filters.since, filters.until)  # fmt: skip
    known: tuple[datetime, int] | None = cache.get(counted)
    fresh = known is None or as_of < known[0]
    probe = kept_probe(store, as_of=as_of, forecaster=handle, count=fresh, **selection)
    if probe is None:
        return None
    available, version = probe
    if available is None:
        assert known is not None
        available = known[1]
    else:
        cache.put(counted, (as_of, available))

    def compute() -> TrackRecord | None:
        lineage = (str(store.engine.url), handle, filters.model_dump_json())
        if _needs_raw(filters):
            return raw_record(store, handle, as_of, filters, min_n)
        if any(value is not None for value in selection.values()):
            kept = read_kept(store, as_of=as_of, forecaster=handle, **selection)
            if kept is None:
                return None
            rows, people, origins = kept.rows, kept.people, None
        else:
            # No question filter: the rows held for this forecaster and those written since.
            held = _get_caches().held.read(store, handle, as_of)
            if held is None:
                return None
            rows, origins = held.rows, held.origins
            people = [] if held.name is None else [(handle, held.name)]
        return with_platform_scores(
            store,
            handle,
            None,
            record_from_kept(
                rows,
                handle=handle,
                people=people,
                questions_available=available,
                as_of=as_of,
                filters=filters,
                min_n=min_n,
                memo=_memo,
                bootstrap=_get_caches().bootstraps.bound(lineage),
                band=_get_caches().bands.bound(lineage),
                parts_of=_get_caches().lines,
            ),
            origins,
        )

    key = ("record", handle, version, filters.model_dump_json(), min_n)
    entry = _cached(store, key, as_of, compute)
    return None if entry is None else (entry, available)


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
    filters = filters or RecordFilter()
    found = _record_entry(store, handle, as_of, filters, min_n)
    if found is None:
        return raw_record(store, handle, as_of, filters, min_n)
    entry, available = found
    assert isinstance(entry.model, TrackRecord)
    record = stamped(entry.model, as_of)
    if record.questions_available != available:
        record = record.model_copy(update={"questions_available": available})
    return record


def record_json(
    store: Store,
    handle: str,
    *,
    as_of: datetime,
    filters: RecordFilter | None = None,
    min_n: int = DEFAULT_MIN_N,
    version: str | None = None,
) -> bytes:
    """:func:`record_of` as JSON bytes (the API's body; serialised once per cached record).

    ``version``: the ledger head as :func:`head_version` gave it, if the caller has it."""
    filters = filters or RecordFilter()
    found = _record_entry(store, handle, as_of, filters, min_n, version)
    if found is None:
        record = record_of(store, handle, as_of=as_of, filters=filters, min_n=min_n)
        return record.model_dump_json().encode()
    entry, available = found
    body = _bodies.body(entry, as_of, {"questions_available": _BLANK}, _get_caches().lines.json_of)
    marker = b'"questions_available":%d' % _BLANK
    return body.replace(marker, b'"questions_available":%d' % available, 1)


def records_of_all(store: Store, *, as_of: datetime) -> list[TrackRecord]:
    """Every forecaster's record that scores at least one question (one load)."""
    data = load_record_data(store, as_of=as_of)
    if not len(data.questions):
        return []
    records = (track_record(data, handle) for handle in data.forecasters)
    return [record for record in records if record.n]


def _board_entry(
    store: Store,
    as_of: datetime,
    metric: Metric,
    min_n: int,
    common: bool,
    filters: RecordFilter,
    intervals: bool,
    version: str,
) -> Entry | None:
    def compute() -> Leaderboard | None:
        in_sql = leaderboard_in_sql(
            store, as_of=as_of, metric=metric.value, min_n=min_n, common=common,
            filters=filters, intervals=intervals, memo=_memo, settled_only=True,
        )  # fmt: skip
        if in_sql is not None:
            return in_sql
        kept = _kept(store, as_of, filters)
        if kept is None:
            return None
        if _needs_raw(filters):
            data = load_record_data(store, as_of=as_of, filters=filters)
            return leaderboard(data, metric=metric, min_n=min_n, common=common, intervals=intervals)
        return board_from_kept(
            kept.rows,
            people=kept.people,
            as_of=as_of,
            filters=filters,
            metric=metric.value,
            min_n=min_n,
            common=common,
            intervals=intervals,
            memo=_memo,
        )

    key = (version, "board", metric.value, min_n, common, filters.model_dump_json(), intervals)
    return _cached(store, key, as_of, compute)


def board(
    store: Store,
    *,
    as_of: datetime,
    metric: Metric = Metric.BRIER,
    min_n: int = 1,
    common: bool = False,
    filters: RecordFilter | None = None,
    intervals: bool = True,
    version: str | None = None,
) -> Leaderboard:
    """The leaderboard by ``metric``."""
    filters = filters or RecordFilter()
    entry = _board_entry(
        store, as_of, metric, min_n, common, filters, intervals, version or head_version(store)
    )
    if entry is None:
        in_sql = leaderboard_in_sql(
            store, as_of=as_of, metric=metric.value, min_n=min_n, common=common,
            filters=filters, intervals=intervals, memo=_memo,
        )  # fmt: skip
        if in_sql is not None:
            return in_sql
        data = load_record_data(store, as_of=as_of, filters=filters)
        return leaderboard(data, metric=metric, min_n=min_n, common=common, intervals=intervals)
    assert isinstance(entry.model, Leaderboard)
    return stamped(entry.model, as_of)


def board_json(
    store: Store,
    *,
    as_of: datetime,
    metric: Metric = Metric.BRIER,
    min_n: int = 1,
    common: bool = False,
    filters: RecordFilter | None = None,
    version: str | None = None,
) -> bytes:
    """:func:`board` as JSON bytes (serialised once per ledger head and query)."""
    filters = filters or RecordFilter()
    entry = _board_entry(
        store, as_of, metric, min_n, common, filters, True, version or head_version(store)
    )
    if entry is None:
        ranked = board(store, as_of=as_of, metric=metric, min_n=min_n, common=common,
                       filters=filters)  # fmt: skip
        return ranked.model_dump_json().encode()
    return _bodies.body(entry, as_of)


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


def rebuild(store: Store) -> int:
    """Recompute every kept score from the raw rows; returns how many were written."""
    return rebuild_scores(store)
