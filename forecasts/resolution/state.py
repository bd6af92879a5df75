"""The sweep's database side: claims with leases, and the writes after each check.

Claims use ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent sweeps split the
work; a claim carries ``claimed_until`` so a dead worker's questions come back after the lease.
SQLite takes the same path with its single writer (the claim transaction takes the write lock
first).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session, col

from forecasts.db.store import Store
from forecasts.db.tables import (
    EvidenceRow,
    LedgerHeadRow,
    QuestionRow,
    ResolutionAttemptRow,
    ResolutionCheckRow,
)
from forecasts.domain import Resolution

__all__ = ["claim_due", "ensure_checks", "release", "write_attempt", "write_resolution"]


def ensure_checks(store: Store) -> None:
    """Give every question a check row (questions created before checks existed)."""
    with store.transaction() as session:
        missing = session.exec(
            select(QuestionRow.id, QuestionRow.resolution)  # type: ignore[call-overload]
            .outerjoin(ResolutionCheckRow, col(ResolutionCheckRow.question_id) == QuestionRow.id)
            .where(col(ResolutionCheckRow.question_id).is_(None))
        ).all()
        for question_id, spec in missing:
            state = "pending" if spec else "manual"
            session.add(ResolutionCheckRow(question_id=question_id, state=state))


def _take_sqlite_write_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(
            update(LedgerHeadRow).where(col(LedgerHeadRow.id) == 1).values(id=1)
        )


def claim_due(
    store: Store,
    *,
    worker: str,
    as_of: datetime,
    now: datetime,
    lease: timedelta,
    limit: int,
    question_id: str | None = None,
) -> list[str]:
    """Claim up to ``limit`` due questions for ``worker`` until ``now + lease``."""
    check = ResolutionCheckRow
    with store.transaction() as session:
        _take_sqlite_write_lock(session)
        due = or_(
            and_(col(QuestionRow.resolve_on).is_not(None), col(QuestionRow.resolve_on) <= as_of),
            and_(col(QuestionRow.deadline).is_not(None), col(QuestionRow.opens_at) <= as_of),
        )
        query = (
            select(check.question_id)  # type: ignore[call-overload]
            .join(QuestionRow, QuestionRow.id == check.question_id)
            .where(
                check.state == "pending",
                or_(col(check.next_check_at).is_(None), col(check.next_check_at) <= as_of),
                or_(col(check.claimed_until).is_(None), col(check.claimed_until) < now),
                due,
            )
        )
        if question_id is not None:
            query = query.where(check.question_id == question_id)
        query = (
            query.order_by(col(check.next_check_at).asc().nulls_first(), check.question_id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=check)
        )
        ids: list[str] = [row[0] for row in session.exec(query).all()]
        if ids:
            session.connection().execute(
                update(check)
                .where(col(check.question_id).in_(ids))
                .values(claimed_by=worker, claimed_until=now + lease)
            )
        return ids


def release(store: Store, question_ids: Sequence[str], *, worker: str) -> None:
    """Give back claims (dry runs, interrupted sweeps)."""
    if not question_ids:
        return
    with store.transaction() as session:
        session.connection().execute(
            update(ResolutionCheckRow)
            .where(
                col(ResolutionCheckRow.question_id).in_(list(question_ids)),
                col(ResolutionCheckRow.claimed_by) == worker,
            )
            .values(claimed_by=None, claimed_until=None)
        )


def _own(session: Session, question_id: str, worker: str) -> ResolutionCheckRow | None:
    row = session.get(ResolutionCheckRow, question_id, with_for_update=True, populate_existing=True)
    if row is None or row.claimed_by != worker or row.state != "pending":
        return None
    return row


def write_resolution(
    store: Store,
    resolution: Resolution,
    evidence: Sequence[EvidenceRow],
    *,
    worker: str,
    as_of: datetime,
    detail: str,
) -> bool:
    """Resolution, evidence, ledger event, attempt and check state in one transaction.

    Returns False (writing nothing) when the claim was lost or the question already resolved
    (a resolution, manual or not, moves the check out of ``pending`` in its own transaction).
    """
    with store.transaction() as session:
        check = _own(session, resolution.question_id, worker)
        if check is None:
            return False
        for row in evidence:
            session.add(row)
        store.record(session, resolution, as_of=as_of)
        session.add(
            ResolutionAttemptRow(
                question_id=resolution.question_id,
                attempted_at=as_of,
                result="resolved",
                detail=detail,
                worker=worker,
            )
        )
        check = session.get(ResolutionCheckRow, resolution.question_id)
        assert check is not None
        check.attempts += 1
        check.last_checked_at = as_of
        check.last_error = None
        check.next_check_at = None
        session.add(check)
        return True


def write_attempt(
    store: Store,
    question_id: str,
    *,
    worker: str,
    as_of: datetime,
    result: str,
    detail: str,
    next_check_at: datetime | None,
    count_failure: bool,
    needs_review: bool,
) -> bool:
    """Record an attempt that did not resolve the question, and when to look again."""
    with store.transaction() as session:
        check = _own(session, question_id, worker)
        if check is None:
            return False
        check.attempts = check.attempts + 1 if count_failure else 0
        check.last_checked_at = as_of
        check.last_error = detail if count_failure else None
        check.next_check_at = next_check_at
        check.claimed_by = None
        check.claimed_until = None
        if needs_review:
            check.state = "needs_review"
        session.add(check)
        session.add(
            ResolutionAttemptRow(
                question_id=question_id,
                attempted_at=as_of,
                result="needs_review" if needs_review else result,
                detail=detail,
                next_check_at=next_check_at,
                worker=worker,
            )
        )
        return True
