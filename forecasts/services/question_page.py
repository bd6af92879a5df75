"""The question page's reads, and the parts of it every visitor sees, kept per ledger head.

The question, its forecasts, resolution, corrections and evidence, and the names of its
forecasters are all written with a ledger event, so a new event is the only way they change.
They are kept in a small LRU per process keyed by the database, a ledger head (``seq:hash``)
and the question, and so are the parts built from them alone (the rendered charts and
tables, under a name). The head is read before the rows, so nothing kept is older than its
key. When the head moves, the events since the last head seen for the question are read: if
none is about it, its entries stay under their older head. If they touched only its outcome
side (a resolution, correction, evidence), its kept rows are reused with that side read
again, and what is built from its forecasts alone (the forecast table, the crowd line) stays
under the head where its forecasts last changed. Entries are kept as bytes and
strings: tens of thousands of cached objects would make every full pass of the garbage
collector a pause of 100+ ms on some request, and neither is walked by it (the rows are
pickled by this process for itself, and unpickling them costs a fraction of reading them).
Comments and the question's web settings live outside the ledger and are never kept here,
nor is anything that depends on the visitor, except through :func:`kept_page`, whose
callers put them in the page's name.

Beside the rows, a page key (:func:`page_key`) needs only the question and two facts about
its forecasts: those are kept apart (unpickling the question alone costs a few
microseconds), so a page served whole from the cache never unpickles its forecasts.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from forecasts.db.evidence import StoredEvidence
from forecasts.db.question_page import QuestionRows, outcome_rows, question_changes, question_rows
from forecasts.db.store import Store
from forecasts.domain import Question, QuestionKind, QuestionStatus, question_status
from forecasts.errors import NotFoundError

from ._lru import Lru
from .queries import QuestionDetail

__all__ = [
    "PageKey",
    "QuestionView",
    "kept_forecasts_part",
    "kept_page",
    "kept_part",
    "page_key",
    "question_view",
]

_Text = TypeVar("_Text", str, bytes)  # what is kept: neither is walked by the collector

# About seven entries (head seen, rows, charts, crowd lines, table, page) for 256 questions.
_PARTS = 1792


@dataclass(frozen=True)
class PageKey:
    """Where a question's page stands at a request's ``as_of``: its ledger head
    (``version``), status and whether its charts still move with the clock."""

    database: str
    version: str
    question: Question
    status: QuestionStatus
    clock_free: bool
    """The charts no longer depend on the clock (see :func:`charts_clock_free`)."""
    forecasts_version: str
    """The head under which the question's row, forecasts and names were last changed."""
    read: QuestionRows | None = field(default=None, compare=False, repr=False)
    """The rows, when this key's reading had to read them (a page built next needs them,
    and they cost more to unpickle than to hand over)."""


@dataclass(frozen=True)
class QuestionView:
    """A question's detail (status at the request's ``as_of``), its forecasters' names and
    its evidence, read at the ledger head ``version`` of ``database``."""

    detail: QuestionDetail
    names: dict[str, str]
    """Handle -> name of everyone with a forecast on the question."""
    evidence: list[StoredEvidence]
    database: str
    version: str
    clock_free: bool
    forecasts_version: str


_parts: Lru | None = None


def _get_parts() -> Lru:
    global _parts
    if _parts is None:
        _parts = Lru(_PARTS)
    return _parts


@dataclass(frozen=True)
class _Kept:
    """A question's rows at one head, as bytes, with what a page key needs beside them."""

    question: bytes
    outcome: str | None
    """The current outcome (after corrections), if resolved."""
    last_made: float | None
    """The newest forecast's ``made_at`` timestamp."""
    rows: bytes


@dataclass(frozen=True)
class _Place:
    """Where a question's kept entries stand: the head its page rows are kept under, the
    head its row, forecasts and names last changed under, and the head before ``version``
    when only the outcome side changed since (its rows then lack only that side)."""

    version: str
    forecasts_version: str
    previous: str | None = None


def _kept(
    store: Store, database: str, place: _Place, question_id: str
) -> tuple[_Kept, QuestionRows | None]:
    """The kept rows of ``question_id`` at ``place.version``, with the rows themselves when
    they were just read."""
    key = (database, place.version, question_id, "rows")
    parts = _get_parts()
    kept: _Kept | None = parts.get(key)
    if kept is not None:
        return kept, None
    found: QuestionRows | None = None
    before: _Kept | None = None
    if place.previous is not None:
        before = parts.get((database, place.previous, question_id, "rows"))
    if before is not None:
        # A resolution, correction or evidence since: the question, its forecasts and
        # their names are as they were, so only the outcome side is read again.
        rows: QuestionRows = pickle.loads(before.rows)  # noqa: S301  (ours)
        outcome = outcome_rows(store, question_id)
        found = replace(
            rows,
            resolution=outcome.resolution,
            corrections=outcome.corrections,
            evidence=outcome.evidence,
        )
    else:
        found = question_rows(store, question_id)
    if found is None:
        raise NotFoundError("question", question_id)
    resolved = None if found.resolution is None else found.resolution.outcome
    if found.corrections:
        resolved = found.corrections[-1].outcome
    last = max((f.made_at.timestamp() for f in found.forecasts), default=None)
    question = before.question if before is not None else _pickled(found.question)
    kept = _Kept(question, resolved, last, _pickled(found))
    parts.put(key, kept)
    return kept, found


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def charts_clock_free(question: Question, last_made: float | None, now: datetime) -> bool:
    """Whether the question's charts no longer move with the clock: the history's axis
    ends at the close or the last forecast, and past that end neither today's rule nor the
    steps' right end depend on today (only binary questions have a history)."""
    if question.kind is not QuestionKind.BINARY:
        return True
    end = max(question.closes_at.timestamp(), question.opens_at.timestamp() + 1)
    if last_made is not None:
        end = max(end, last_made)
    return now.timestamp() > end


def _place(store: Store, database: str, question_id: str) -> _Place:
    """The heads under which the question's rows and parts are kept: the newest head the
    question's own events moved, carried forward over events about other questions (a
    resolution elsewhere leaves this page's entries in place), and likewise the newest head
    that changed its forecasts (its own resolution leaves its forecast table in place)."""
    head = store.head_version()
    seen = _get_parts()
    key = (database, question_id, "version")
    known: tuple[str, _Place] | None = seen.get(key)
    place = _Place(head, head)
    if known is not None:
        seen_head, kept = known
        if seen_head == head:
            return kept
        changed = question_changes(store, seen_head, head)
        if changed is not None:
            if question_id not in changed:
                place = kept
            elif not changed[question_id]:
                place = _Place(head, kept.forecasts_version, kept.version)
    seen.put(key, (head, place))
    return place


def page_key(store: Store, question_id: str, *, as_of: datetime) -> PageKey:
    """The question's :class:`PageKey` at ``as_of``; raises ``NotFoundError`` for an unknown
    question."""
    database = str(store.engine.url)
    place = _place(store, database, question_id)
    kept, found = _kept(store, database, place, question_id)
    question: Question = (
        found.question if found is not None else pickle.loads(kept.question)  # noqa: S301
    )
    status = question_status(question, resolved=kept.outcome, as_of=as_of)
    clock_free = charts_clock_free(question, kept.last_made, as_of)
    return PageKey(
        database, place.version, question, status, clock_free, place.forecasts_version, found
    )


def question_view(
    store: Store, question_id: str, *, as_of: datetime, key: PageKey | None = None
) -> QuestionView:
    """The question's page data (at ``key``, the question's page key at ``as_of``, when the
    caller has it); raises ``NotFoundError`` for an unknown question."""
    if key is None:
        key = page_key(store, question_id, as_of=as_of)
    rows = key.read
    if rows is None:
        place = _Place(key.version, key.forecasts_version)
        kept, found = _kept(store, key.database, place, question_id)
        rows = found if found is not None else pickle.loads(kept.rows)  # noqa: S301  (ours)
    detail = QuestionDetail(
        question=rows.question,
        status=key.status,
        forecasts=rows.forecasts,
        resolution=rows.resolution,
        corrections=rows.corrections,
    )
    return QuestionView(
        detail,
        rows.names,
        rows.evidence,
        key.database,
        key.version,
        key.clock_free,
        key.forecasts_version,
    )


def kept_page(key: PageKey, name: str, build: Callable[[], str]) -> str:
    """A whole page of the question at ``key``, built once per ledger head and ``name``.

    ``name`` must carry everything else the page shows: the visitor's class, the status,
    the question's web settings and comments. Only a page whose charts are clock-free
    (``key.clock_free``) may be kept."""
    if not key.clock_free:
        return build()
    name = f"page {key.status.value} {name}"
    return _built((key.database, key.version, key.question.id, name), build)


def kept_part(view: QuestionView, name: str, build: Callable[[], str]) -> str:
    """The part ``name`` of ``view``'s page, built once per ledger head.

    ``build`` must depend on nothing but the view's ledgered rows and ``name`` (not on the
    visitor, the clock, comments or settings): put what does into ``name``, or do not keep
    the part."""
    return _built((view.database, view.version, view.detail.question.id, f"part {name}"), build)


def kept_forecasts_part(view: QuestionView, name: str, build: Callable[[], _Text]) -> _Text:
    """The part ``name`` of ``view``'s page, built once per version of the question's
    forecasts (a resolution or correction since leaves it in place): ``build`` must depend
    on nothing but the question, its forecasts and their names."""
    key = (view.database, view.forecasts_version, view.detail.question.id, f"forecasts {name}")
    return _built(key, build)


def _built(key: tuple[str, str, str, str], build: Callable[[], _Text]) -> _Text:
    parts = _get_parts()
    found: _Text | None = parts.get(key)
    if found is None:
        found = build()
        parts.put(key, found)
    return found
