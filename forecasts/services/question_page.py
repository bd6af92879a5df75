"""The question page's reads, and the parts of it every visitor sees, kept per ledger head.

The question, its forecasts, resolution, corrections and evidence, and the names of its
forecasters are all written with a ledger event, so a new event is the only way they change.
They are kept in a small LRU per process keyed by the database, a ledger head (``seq:hash``)
and the question, and so are the parts built from them alone (the rendered charts and
tables, under a name). The head is read before the rows, so nothing kept is older than its
key. When the head moves, the events since the last head seen for the question are read: if
none is about it, its entries stay under their older head. Entries are kept as bytes and
strings: tens of thousands of cached objects would make every full pass of the garbage
collector a pause of 100+ ms on some request, and neither is walked by it (the rows are
pickled by this process for itself, and unpickling them costs a fraction of reading them).
Comments and the question's web settings live outside the ledger and are never kept here,
nor is anything that depends on the visitor.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from forecasts.db.evidence import StoredEvidence
from forecasts.db.question_page import QuestionRows, question_rows, questions_touched
from forecasts.db.store import Store
from forecasts.domain import question_status
from forecasts.errors import NotFoundError

from ._lru import Lru
from .queries import QuestionDetail

__all__ = ["QuestionView", "kept_part", "question_view"]

_PARTS = 1024  # about four entries (head seen, rows, charts, table) for each of 256 questions


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


def _rows(store: Store, database: str, version: str, question_id: str) -> QuestionRows:
    key = (database, version, question_id, "rows")
    parts = _get_parts()
    kept: bytes | None = parts.get(key)
    if kept is not None:
        rows: QuestionRows = pickle.loads(kept)  # noqa: S301  (pickled by this process)
        return rows
    found = question_rows(store, question_id)
    if found is None:
        raise NotFoundError("question", question_id)
    parts.put(key, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
    return found


def _version(store: Store, database: str, question_id: str) -> str:
    """The ledger head under which the question's rows and parts are kept: the newest head
    the question's own events moved, carried forward over events about other questions
    (a resolution elsewhere leaves this page's entries in place)."""
    head = store.head_version()
    seen = _get_parts()
    key = (database, question_id, "version")
    known: tuple[str, str] | None = seen.get(key)
    version = head
    if known is not None:
        seen_head, kept = known
        if seen_head == head:
            return kept
        touched = questions_touched(store, seen_head, head)
        if touched is not None and question_id not in touched:
            version = kept
    seen.put(key, (head, version))
    return version


def question_view(store: Store, question_id: str, *, as_of: datetime) -> QuestionView:
    """The question's page data; raises ``NotFoundError`` for an unknown question."""
    database = str(store.engine.url)
    version = _version(store, database, question_id)
    rows = _rows(store, database, version, question_id)
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
    key = (view.database, view.version, view.detail.question.id, f"part {name}")
    parts = _get_parts()
    found: str | None = parts.get(key)
    if found is None:
        found = build()
        parts.put(key, found)
    return found
