"""What the index and detail pages read: question search, forecasters, claims, the crowd."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from forecasts.db import browse
from forecasts.db.browse import ForecasterCounts, QuestionHit
from forecasts.db.store import Store
from forecasts.domain import Forecast, Forecaster, Question, QuestionKind, question_status
from forecasts.errors import FieldError, NotFoundError
from forecasts.records.crowd import CrowdMethod, ForecasterVsCrowd, crowd_line, scores_vs_crowd
from forecasts.vocab import QuestionStatus

from ._lru import Lru
from .queries import QuestionDetail

__all__ = [
    "Claim",
    "QuestionCrowd",
    "SearchResult",
    "all_tags",
    "claims_of",
    "forecaster_index",
    "question_crowd",
    "search_questions",
]

MAX_QUERY_WORDS = 10
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class SearchResult:
    hits: list[QuestionHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search_questions(
    store: Store,
    *,
    as_of: datetime,
    query: str = "",
    tag: str | None = None,
    status: QuestionStatus | None = None,
    kind: QuestionKind | None = None,
    page: int = 1,
    per_page: int = 50,
) -> SearchResult:
    """Questions whose id, title, criteria, notes or tags contain every word of ``query``.

    Case-insensitive substring matching (see :mod:`forecasts.db.browse` for why not a
    full-text index); filtered by tag, status at ``as_of`` and kind; one page, by close date.
    """
    words = query.split()
    if len(words) > MAX_QUERY_WORDS:
        raise FieldError("q", f"has {len(words)} words; at most {MAX_QUERY_WORDS}")
    if page < 1:
        raise FieldError("page", "must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise FieldError("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    found = browse.search(
        store,
        as_of=as_of,
        words=words,
        tag=tag or None,
        status=None if status is None else status.value,
        kind=None if kind is None else kind.value,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return SearchResult(found.hits, found.total, page, per_page)


def all_tags(store: Store) -> list[str]:
    """Every tag in use, sorted."""
    return browse.all_tags(store)


_index: Lru | None = None


def forecaster_index(store: Store) -> list[ForecasterCounts]:
    """Every forecaster with counts and, where something resolved, the mean Brier at close.

    Only ledgered rows go into it (an aggregate over every forecast: half a second on
    100,000), so it is kept per ledger head, read before the rows."""
    global _index
    if _index is None:
        _index = Lru(4)
    key = (str(store.engine.url), store.head_version())
    found: tuple[ForecasterCounts, ...] | None = _index.get(key)
    if found is None:
        found = tuple(browse.forecaster_counts(store))
        _index.put(key, found)
    return list(found)


@dataclass(frozen=True)
class Claim:
    """One forecast by an expert with its question and where that question stands."""

    forecast: Forecast
    question: Question
    status: QuestionStatus
    outcome: str | None

    @property
    def pending(self) -> bool:
        return self.outcome is None


def claims_of(store: Store, handle: str, *, as_of: datetime) -> tuple[Forecaster, list[Claim]]:
    """Every forecast by ``handle``: unresolved questions first, then newest first."""
    forecaster = store.forecaster(handle)
    if forecaster is None:
        raise NotFoundError("forecaster", handle)
    forecasts = store.forecasts(forecaster=handle)
    ids = sorted({f.question_id for f in forecasts})
    questions = {q.id: q for q in store.questions(ids=ids)}
    outcomes = store.current_outcomes(ids=ids)
    claims = [
        Claim(
            forecast=f,
            question=questions[f.question_id],
            status=question_status(
                questions[f.question_id], resolved=outcomes.get(f.question_id), as_of=as_of
            ),
            outcome=outcomes.get(f.question_id),
        )
        for f in forecasts
    ]
    claims.sort(key=lambda c: (not c.pending, -c.forecast.made_at.timestamp(), c.question.id))
    return forecaster, claims


@dataclass(frozen=True)
class QuestionCrowd:
    """A binary question's crowd line and, once resolved, each forecaster against it."""

    method: CrowdMethod
    line: list[tuple[datetime, float]]
    scores: list[ForecasterVsCrowd]
    close: datetime | None
    """The effective close used for the scores (None before resolution)."""


def question_crowd(
    detail: QuestionDetail,
    *,
    method: CrowdMethod = "median",
    line: list[tuple[datetime, float]] | None = None,
) -> QuestionCrowd:
    """The crowd of ``detail``'s binary forecasts (``line``: their crowd line by ``method``,
    when the caller kept it)."""
    question, outcome = detail.question, detail.outcome
    if question.kind is not QuestionKind.BINARY:
        return QuestionCrowd(method, [], [], None)
    if line is None:
        line = crowd_line(detail.forecasts, method=method)
    if outcome not in ("yes", "no") or detail.resolution is None:
        return QuestionCrowd(method, line, [], None)
    close = min(question.closes_at, detail.resolution.resolved_at)
    # The line just drawn is the scores' line too unless someone forecast after the close.
    same = all(f.made_at <= close for f in detail.forecasts)
    scores = scores_vs_crowd(
        detail.forecasts,
        outcome=1 if outcome == "yes" else 0,
        close=close,
        method=method,
        line=line if same else None,
    )
    return QuestionCrowd(method, line, scores, close)
