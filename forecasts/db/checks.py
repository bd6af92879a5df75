"""The sweep's operational state: check rows, claims with leases, attempts, evidence rows.

Check rows are operational (attempts, next check, claims change on every sweep) and are not
ledgered, but their state is: it follows from ledgered facts (``pending`` or ``manual`` from
the question's spec, ``resolved`` from its resolution) except ``needs_review``, which the
sweep ledgers as a ``check.needs_review`` event when it gives up. ``verify`` recomputes it.

Claims use ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent sweeps split the
work; a claim carries ``claimed_until`` so a dead worker's questions come back after the lease.
SQLite takes the same path with its single writer (the claim transaction takes the write lock
first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, literal_column, or_, select, true, update
from sqlmodel import Session, col

from forecasts.domain import CheckState, Question, Resolution
from forecasts.timeutils import as_utc

from .id_lists import in_ids
from .store import Record, Store
from .tables import (
    LedgerHeadRow,
    QuestionRow,
    ResolutionAttemptRow,
    ResolutionCheckRow,
    ResolutionRow,
)

__all__ = [
    "Attempt",
    "CheckStatus",
    "attempts_of",
    "check_status",
    "check_statuses",
    "claim_due",
    "close_check",
    "ensure_checks",
    "open_check",
    "release",
    "write_record",
]


@dataclass(frozen=True)
class Attempt:
    """One check of one question by one sweep."""

    at: datetime
    result: str
    detail: str
    next_check_at: datetime | None


@dataclass(frozen=True)
class CheckStatus:
    """Where the sweep stands with a question."""

    question_id: str
    state: CheckState
    attempts: int
    next_check_at: datetime | None
    last_error: str | None


def _initial_state(has_spec: bool) -> CheckState:
    return CheckState.PENDING if has_spec else CheckState.MANUAL


def open_check(session: Session, question: Question) -> None:
    """The check row of a new question (in the transaction that records it)."""
    state = _initial_state(bool(question.resolution))
    session.add(ResolutionCheckRow(question_id=question.id, state=state.value))


def close_check(session: Session, question_id: str) -> None:
    """A resolved question leaves the sweep (in the transaction that records the resolution)."""
    check = session.get(ResolutionCheckRow, question_id)
    if check is not None:
        check.state = CheckState.RESOLVED.value
        check.claimed_by, check.claimed_until = None, None
        session.add(check)


def _status(row: Any) -> CheckStatus:
    return CheckStatus(
        question_id=row.question_id,
        state=CheckState(row.state),
        attempts=row.attempts,
        next_check_at=None if row.next_check_at is None else as_utc(row.next_check_at),
        last_error=row.last_error,
    )


def check_status(store: Store, question_id: str) -> CheckStatus | None:
    with store.reading() as session:
        row = session.get(ResolutionCheckRow, question_id)
        return None if row is None else _status(row)


def check_statuses(store: Store, ids: Sequence[str] | None = None) -> dict[str, CheckStatus]:
    """Every question's check status (or those of ``ids``), in one query."""
    # Plain rows, not ORM objects: a sweep reads those of every question it claims.
    check = ResolutionCheckRow.__table__  # type: ignore[attr-defined]
    query = select(check)
    if ids is not None:
        query = query.where(in_ids(check.c.question_id, store.engine.dialect.name))
    params = {} if ids is None else {"ids": list(ids)}
    with store.reading() as session:
        rows = session.connection().execute(query, params)
        return {row.question_id: _status(row) for row in rows}


def attempts_of(store: Store, question_id: str) -> list[Attempt]:
    """A question's check history, oldest first."""
    with store.reading() as session:
        rows = session.scalars(
            select(ResolutionAttemptRow)
            .where(col(ResolutionAttemptRow.question_id) == question_id)
            .order_by(col(ResolutionAttemptRow.id))
        )
        return [
            Attempt(
                as_utc(a.attempted_at),
                a.result,
                a.detail,
                None if a.next_check_at is None else as_utc(a.next_check_at),
            )
            for a in rows
        ]


def ensure_checks(store: Store) -> None:
    """Give every question a check row (questions created before checks existed).

    A question resolved before then gets ``resolved``: the sweep must not claim it.
    """
    query = (
        select(QuestionRow.id, QuestionRow.resolution, ResolutionRow.id)  # type: ignore[call-overload]
        .outerjoin(ResolutionCheckRow, col(ResolutionCheckRow.question_id) == QuestionRow.id)
        .outerjoin(ResolutionRow, col(ResolutionRow.question_id) == QuestionRow.id)
        .where(col(ResolutionCheckRow.question_id).is_(None))
    )
    with store.reading() as session:
        if session.exec(query.limit(1)).first() is None:
            return  # the usual case: no lock taken
    with store.transaction() as session:
        # Sweeps starting together would insert the same rows: serialise on the ledger head
        # row, then look again (each statement sees what committed before it, on PostgreSQL).
        _lock_ledger_head(session)
        rows = [
            {
                "question_id": question_id,
                "state": (
                    _initial_state(bool(spec)) if resolution_id is None else CheckState.RESOLVED
                ).value,
            }
            for question_id, spec, resolution_id in session.exec(query).all()
        ]
        if rows:  # one statement, not a mapped object per question
            session.connection().execute(insert(ResolutionCheckRow), rows)


def _lock_ledger_head(session: Session) -> None:
    session.connection().execute(
        update(LedgerHeadRow).where(col(LedgerHeadRow.id) == 1).values(id=1)
    )


def _take_sqlite_write_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        _lock_ledger_head(session)


_HASHES = 1 << 32  # hashtext gives a 32-bit signed integer


def _source_key() -> Any:
    """PostgreSQL: the hash a question's shard is taken from (its spec URL, else its id).

    Written exactly as migration 0010's statistics object ``question_source_key`` is, with
    the key ``'url'`` written out, so the planner estimates a shard from those statistics."""
    url = col(QuestionRow.resolution).op("->>")(literal_column("'url'"))
    return func.hashtext(func.coalesce(url, col(QuestionRow.id)))


def _in_shard(k: int, n: int) -> Any:
    """Shard ``k`` of ``n``: the ``k``-th of ``n`` equal ranges of :func:`_source_key`.

    A range (not a modulo) with its bounds written out: with the statistics on the key the
    planner then knows a shard is a ``1/n`` of the questions, walks the due index and stops
    at the batch. Told nothing, it took a shard for a few rows and hashed every question's
    URL on each claim (80 ms a claim at 40,000 questions)."""
    key = _source_key()
    low = -(_HASHES // 2) + k * _HASHES // n
    high = -(_HASHES // 2) + (k + 1) * _HASHES // n
    parts = []
    if k > 0:
        parts.append(key >= literal_column(str(low)))
    if k < n - 1:
        parts.append(key < literal_column(str(high)))
    return and_(true(), *parts)


def claim_due(
    store: Store,
    *,
    worker: str,
    as_of: datetime,
    now: datetime,
    lease: timedelta,
    limit: int,
    question_id: str | None = None,
    shard: tuple[int, int] | None = None,
) -> dict[str, int]:
    """Claim up to ``limit`` due questions for ``worker`` until ``now + lease``: their ids in
    claim order, each with its failed checks so far (read with the claim: a sweep backs off
    by them, and a claimed row does not change under it).

    With ``shard = (k, n)`` (PostgreSQL), only questions whose spec URL (or, without one, id)
    hashes to ``k`` modulo ``n``: workers started together each take their own shard first,
    so the questions that read one URL go to one worker and the URL is fetched once."""
    check = ResolutionCheckRow
    with store.transaction() as session:
        _take_sqlite_write_lock(session)
        due = or_(
            and_(col(QuestionRow.resolve_on).is_not(None), col(QuestionRow.resolve_on) <= as_of),
            and_(col(QuestionRow.deadline).is_not(None), col(QuestionRow.opens_at) <= as_of),
        )
        query = (
            select(check.question_id, check.attempts)  # type: ignore[call-overload]
            .join(QuestionRow, QuestionRow.id == check.question_id)
            .where(
                # Written out, not bound, so the planners can match the partial index.
                col(check.state) == literal_column(f"'{CheckState.PENDING.value}'"),
                or_(col(check.claimed_until).is_(None), col(check.claimed_until) < now),
                due,
            )
        )
        if question_id is not None:
            query = query.where(check.question_id == question_id)
        if shard is not None:
            query = query.where(_in_shard(*shard))
        # Never-checked questions first, then by next check: as two reads, each in the order
        # of ix_resolution_check_due (next check, then id; the first read's next checks are
        # all NULL, and saying so lets the planners use that index for the order), so a claim
        # walks the index and stops after ``limit`` rows instead of sorting every pending
        # question. One ORDER BY with NULLS FIRST could not use a plain index on PostgreSQL.
        claimed: dict[str, int] = {}
        for part in (col(check.next_check_at).is_(None), col(check.next_check_at) <= as_of):
            if len(claimed) >= limit:
                break
            rows = session.exec(
                query.where(part)
                .order_by(check.next_check_at, check.question_id)
                .limit(limit - len(claimed))
                .with_for_update(skip_locked=True, of=check)
            ).all()
            claimed.update((row[0], row[1]) for row in rows)
        if claimed:
            session.connection().execute(
                update(check)
                .where(in_ids(col(check.question_id), store.engine.dialect.name))
                .values(claimed_by=worker, claimed_until=now + lease),
                {"ids": list(claimed)},
            )
        return claimed


def release(store: Store, question_ids: Sequence[str], *, worker: str) -> None:
    """Give back claims (dry runs, interrupted sweeps)."""
    if not question_ids:
        return
    with store.transaction() as session:
        session.connection().execute(
            update(ResolutionCheckRow)
            .where(
                in_ids(col(ResolutionCheckRow.question_id), store.engine.dialect.name),
                col(ResolutionCheckRow.claimed_by) == worker,
            )
            .values(claimed_by=None, claimed_until=None),
            {"ids": list(question_ids)},
        )


def write_record(store: Store, session: Session, obj: Record, *, as_of: datetime) -> str:
    """Record ``obj`` (row and ledger event) and keep the sweep's state in step with it.

    A new question gets its check row; a resolution takes its question out of the sweep.
    A resolution locks the check row before the ledger head, the order a sweep's write
    takes them in (``sweep_writes.write_batch``), so the two never wait on each other in
    a cycle.
    """
    if isinstance(obj, Resolution):
        check = ResolutionCheckRow.__table__  # type: ignore[attr-defined]
        locked = select(check.c.question_id).where(check.c.question_id == obj.question_id)
        session.connection().execute(locked.with_for_update())
    entity_id = store.record(session, obj, as_of=as_of)
    if isinstance(obj, Question):
        open_check(session, obj)
    elif isinstance(obj, Resolution):
        close_check(session, obj.question_id)
    return entity_id
