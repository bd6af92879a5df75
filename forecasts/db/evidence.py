"""Stored resolution evidence: what a source served, its bytes (or an excerpt) and hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from forecasts.timeutils import as_utc

from .store import Store
from .tables import EvidenceRow

__all__ = ["StoredEvidence", "evidence_item", "evidence_of", "evidence_row"]


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


def evidence_row(e: StoredEvidence) -> EvidenceRow:
    return EvidenceRow(
        question_id=e.question_id,
        url=e.url,
        fetched_at=e.fetched_at,
        status=e.status,
        content_type=e.content_type,
        sha256=e.sha256,
        size=e.size,
        body=e.body,
        excerpt=e.excerpt,
        recorded=e.recorded,
    )


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
    e = EvidenceRow
    columns = (e.id, e.url, e.fetched_at, e.status, e.content_type, e.sha256, e.size, e.recorded)
    with store.reading() as session:
        rows = session.exec(
            select(*columns)  # type: ignore[call-overload]
            .where(col(e.question_id) == question_id)
            .order_by(col(e.id))
        ).all()
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
