"""The question page's reads, and the parts of it every visitor sees, kept per ledger head.

The question, its forecasts, resolution, corrections and evidence, and the names of its
forecasters are read in one session on each request (the visitor's own forecast and what is
hidden from them depend on them). What is built from them alone -- the rendered charts and
tables -- is kept in a small LRU per process keyed by the database, the ledger head
(``seq:hash``) and the question: all of it is written with a ledger event, so a new event
makes new keys. The head is read before the rows, so a kept part is never older than its
key. Parts are kept as strings: tens of thousands of cached objects would make every full
pass of the garbage collector a pause of 100+ ms on a request (strings are not tracked).
Comments and the question's web settings live outside the ledger and are never kept here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from forecasts.db.evidence import StoredEvidence
from forecasts.db.question_page import head_key, question_rows
from forecasts.db.store import Store
from forecasts.domain import question_status
from forecasts.errors import NotFoundError

from ._lru import Lru
from .queries import QuestionDetail

__all__ = ["QuestionView", "kept_part", "question_view"]

_PARTS = 512


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


_parts: Lru | None = None


def _get_parts() -> Lru:
    global _parts
    if _parts is None:
        _parts = Lru(_PARTS)
    return _parts


def question_view(store: Store, question_id: str, *, as_of: datetime) -> QuestionView:
    """The question's page data; raises ``NotFoundError`` for an unknown question."""
    database, version = str(store.engine.url), head_key(store)
    rows = question_rows(store, question_id)
    if rows is None:
        raise NotFoundError("question", question_id)
    outcome = None if rows.resolution is None else rows.resolution.outcome
    if rows.corrections:
        outcome = rows.corrections[-1].outcome
    detail = QuestionDetail(
        question=rows.question,
        status=question_status(rows.question, resolved=outcome, as_of=as_of),
        forecasts=rows.forecasts,
        resolution=rows.resolution,
        corrections=rows.corrections,
    )
    return QuestionView(detail, rows.names, rows.evidence, database, version)


def kept_part(view: QuestionView, name: str, build: Callable[[], str]) -> str:
    """The part ``name`` of ``view``'s page, built once per ledger head.

    ``build`` must depend on nothing but the view's ledgered rows and ``name`` (not on the
    visitor, the clock, comments or settings): put what does into ``name``, or do not keep
    the part."""
    key = (view.database, view.version, view.detail.question.id, name)
    parts = _get_parts()
    found: str | None = parts.get(key)
    if found is None:
        found = build()
        parts.put(key, found)
    return found
