"""Stored resolution evidence: what a source served, its bytes (or an excerpt) and hash.

Every evidence row is ledgered (``evidence.created``, in the resolution's transaction) with
its metadata; the bytes are covered by ``sha256``, which the event and the resolution hold.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session

from forecasts.timeutils import as_utc

from .ledger_append import event_time
from .store import Store
from .tables import EvidenceRow

__all__ = [
    "EVIDENCE_FIELDS",
    "StoredEvidence",
    "add_evidence",
    "evidence_data",
    "evidence_item",
    "evidence_of",
    "evidence_row",
    "evidence_values",
    "read_evidence",
]

EVIDENCE_FIELDS = (
    "question_id",
    "url",
    "fetched_at",
    "status",
    "content_type",
    "sha256",
    "size",
    "recorded",
)
"""What an ``evidence.created`` event holds (the bytes are held by ``sha256``)."""


@dataclass(frozen=True)
class StoredEvidence:
    """One response kept as evidence for a question's resolution."""

    question_id: str
    url: str
    fetched_at: datetime
    status: int
    content_type: str
    sha256: str
    size: int
    body: bytes | None
    excerpt: bytes | None
    recorded: bool
    id: int | None = None


def evidence_values(e: StoredEvidence) -> dict[str, Any]:
    """An evidence row's columns (id aside), for a bulk insert."""
    return {
        "question_id": e.question_id,
        "url": e.url,
        # UTC before storage: SQLite keeps the wall time and drops the offset.
        "fetched_at": as_utc(e.fetched_at),
        "status": e.status,
        "content_type": e.content_type,
        "sha256": e.sha256,
        "size": e.size,
        "body": e.body,
        "excerpt": e.excerpt,
        "recorded": e.recorded,
    }


def evidence_row(e: StoredEvidence) -> EvidenceRow:
    return EvidenceRow(**evidence_values(e))


def evidence_data(row: EvidenceRow | StoredEvidence) -> dict[str, Any]:
    """The ledgered fields of an evidence row, as its event holds them."""
    return {
        "question_id": row.question_id,
        "url": row.url,
        "fetched_at": event_time(row.fetched_at),
        "status": row.status,
        "content_type": row.content_type,
        "sha256": row.sha256,
        "size": row.size,
        "recorded": bool(row.recorded),
    }


def add_evidence(
    store: Store, session: Session, items: Sequence[StoredEvidence], *, as_of: datetime
) -> list[int]:
    """Insert evidence rows and append an ``evidence.created`` event for each; their ids.

    Call it after the resolution is recorded in the same transaction, so each event follows
    the ``resolution.created`` event it belongs to.
    """
    rows = [evidence_row(item) for item in items]
    session.add_all(rows)
    session.flush()
    ids: list[int] = []
    for row in rows:
        assert row.id is not None  # flushed above
        store.append(
            session, "evidence.created", "evidence", str(row.id), evidence_data(row), as_of=as_of
        )
        ids.append(row.id)
    return ids


def _stored(row: EvidenceRow) -> StoredEvidence:
    return StoredEvidence(
        question_id=row.question_id,
        url=row.url,
        fetched_at=as_utc(row.fetched_at),
        status=row.status,
        content_type=row.content_type,
        sha256=row.sha256,
        size=row.size,
        body=row.body,
        excerpt=row.excerpt,
        recorded=row.recorded,
        id=row.id,
    )


def evidence_item(store: Store, evidence_id: int) -> StoredEvidence | None:
    """One piece of evidence with its stored bytes."""
    with store.reading() as session:
        row = session.get(EvidenceRow, evidence_id)
        return None if row is None else _stored(row)


def evidence_of(store: Store, question_id: str) -> list[StoredEvidence]:
    """A question's evidence in the order it was stored, without the bytes."""
    with store.reading() as session:
        return read_evidence(session, question_id)


@functools.cache
def _evidence_statement() -> Select[Any]:
    # Built once: every question page that misses its cache reads it.
    e = getattr(EvidenceRow, "__table__").c  # noqa: B009  (set by SQLModel)
    columns = (e.id, e.url, e.fetched_at, e.status, e.content_type, e.sha256, e.size, e.recorded)
    return core_select(*columns).where(e.question_id == bindparam("qid")).order_by(e.id)


def read_evidence(session: Session, question_id: str) -> list[StoredEvidence]:
    """:func:`evidence_of` in ``session``."""
    rows = session.connection().execute(_evidence_statement(), {"qid": question_id})
    return [
        StoredEvidence(
            question_id=question_id,
            url=url,
            fetched_at=as_utc(fetched_at),
            status=status,
            content_type=content_type,
            sha256=sha256,
            size=size,
            body=None,
            excerpt=None,
            recorded=recorded,
            id=row_id,
        )
        for row_id, url, fetched_at, status, content_type, sha256, size, recorded in rows
    ]
