"""Track records, the leaderboard, comparisons, resolutions and the ledger head."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from forecasts.domain import Metric, QuestionKind, Resolution
from forecasts.inputs import first_problem
from forecasts.records import (
    DEFAULT_MIN_N,
    Comparison,
    Leaderboard,
    RecordFilter,
    TrackRecord,
)
from forecasts.services.scores import (
    board_json,
    duel,
    etag_matches,
    etag_of,
    head_version,
    record_json,
)
from forecasts.timeutils import as_utc, utc_now

from ..deps import StoreDep
from ..errors import READ_ERRORS
from ..schemas import Health, LedgerHeadPublic, Page
from ._params import HandlePath, Limit, Offset

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["records"])

Tag = Annotated[str | None, Query(max_length=200, description="Only questions with this tag.")]
Since = Annotated[datetime | None, Query(description="Only questions that closed on or after.")]
Until = Annotated[datetime | None, Query(description="Only questions that closed on or before.")]
CompareMetric = Literal["brier", "brier_time_weighted", "log_score"]


def _filters(
    tag: str | None,
    since: datetime | None,
    until: datetime | None = None,
    kind: QuestionKind | None = None,
    min_horizon_days: float | None = None,
    exclude_backdated: bool = False,
) -> RecordFilter:
    # Query datetimes without an offset are read as UTC.
    try:
        return _record_filter(tag, since, until, kind, min_horizon_days, exclude_backdated)
    except ValidationError as exc:
        raise first_problem(exc, fallback="query") from None


def _record_filter(
    tag: str | None,
    since: datetime | None,
    until: datetime | None,
    kind: QuestionKind | None,
    min_horizon_days: float | None,
    exclude_backdated: bool,
) -> RecordFilter:
    return RecordFilter(
        tag=tag,
        since=None if since is None else as_utc(since),
        until=None if until is None else as_utc(until),
        kind=kind,
        min_horizon_days=min_horizon_days,
        exclude_backdated=exclude_backdated,
    )


_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified since the ETag sent in If-None-Match."}
}


def _cached_json(request: Request, store: StoreDep, body: Callable[[str], bytes]) -> Response:
    """The body for the current ledger head, or 304 when the client holds it already."""
    version = head_version(store)
    etag = etag_of(version, str(request.url.path) + "?" + str(request.url.query))
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body(version), media_type="application/json", headers=headers)


@router.get(
    "/forecasters/{handle}/record",
    response_model=TrackRecord,
    responses={**READ_ERRORS, **_NOT_MODIFIED},
)
def get_record(
    request: Request,
    handle: HandlePath,
    store: StoreDep,
    tag: Tag = None,
    since: Since = None,
    until: Until = None,
    kind: QuestionKind | None = None,
    min_horizon_days: Annotated[float | None, Query(ge=0, le=100_000)] = None,
    min_n: Annotated[int, Query(ge=1, le=1_000_000)] = DEFAULT_MIN_N,
    exclude_backdated: bool = False,
    platform: Annotated[
        str | None, Query(max_length=64, description="Only forecasts from this platform.")
    ] = None,
) -> Response:
    """The forecaster's track record (same keys as ``forecasts record --json``).

    Carries an ETag derived from the ledger head and the query; ``If-None-Match`` with it
    answers 304 until the ledger moves."""
    filters = _filters(tag, since, until, kind, min_horizon_days, exclude_backdated)
    if platform is not None:
        filters = filters.model_copy(update={"platform": platform})
    return _cached_json(
        request,
        store,
        lambda version: record_json(
            store, handle, as_of=utc_now(), filters=filters, min_n=min_n, version=version
        ),
    )


@router.get("/leaderboard", response_model=Leaderboard, responses={**READ_ERRORS, **_NOT_MODIFIED})
def get_leaderboard(
    request: Request,
    store: StoreDep,
    metric: Metric = Metric.BRIER,
    min_n: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    common: bool = False,
    tag: Tag = None,
    since: Since = None,
) -> Response:
    """Forecasters ranked by ``metric`` with n, coverage and bootstrap intervals (with an
    ETag, as the track record)."""
    filters = _filters(tag, since)
    return _cached_json(
        request,
        store,
        lambda version: board_json(
            store,
            as_of=utc_now(),
            metric=metric,
            min_n=min_n,
            common=common,
            filters=filters,
            version=version,
        ),
    )


@router.get("/compare", response_model=Comparison, responses=READ_ERRORS)
def get_comparison(
    store: StoreDep,
    a: Annotated[str, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")],
    b: Annotated[str, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")],
    metric: CompareMetric = "brier",
    tag: Tag = None,
    since: Since = None,
) -> Comparison:
    """Two forecasters on the questions both answered: difference, interval, p-values."""
    filters = _filters(tag, since)
    return duel(store, a, b, as_of=utc_now(), metric=Metric(metric), filters=filters)


@router.get("/resolutions", response_model=Page[Resolution], responses=READ_ERRORS)
def list_resolutions(store: StoreDep, limit: Limit = 100, offset: Offset = 0) -> Page[Resolution]:
    """Recorded resolutions, oldest first (corrections are separate ledger events)."""
    found = store.resolutions()
    return Page(data=found[offset : offset + limit], count=len(found))


@router.get("/ledger/head", response_model=LedgerHeadPublic)
def ledger_head(store: StoreDep) -> LedgerHeadPublic:
    """The newest ledger event's sequence number and hash."""
    head = store.ledger_head()
    return LedgerHeadPublic(seq=head.seq, hash=head.hash)


@router.get("/health", response_model=Health)
def health() -> Health:
    """A trivial endpoint (no database): the service answers."""
    return Health()
