"""The sweep's writes, in batches: many questions in one transaction, a few statements each.

A sweep hands over the questions whose checks are done; :func:`write_batch` locks the ledger
head once, checks which claims are still held (one statement), and writes them all through
:func:`write_questions` in one savepoint: one multi-row statement per table (resolutions,
evidence, ledger events, check rows, attempts, kept scores). If that fails (a constraint, a
trigger, a bug), the savepoint is undone, the ledger chain forgets its events, and each
question is written again in a savepoint of its own: only the failing ones are lost. The
head row is written once per batch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, select
from sqlmodel import Session

from forecasts.domain import CheckState, Resolution

from . import convert
from .bulk import insert_rows, reserve_ids, update_rows
from .evidence import StoredEvidence, evidence_data, evidence_values
from .id_lists import in_ids
from .kept import FirstOutcome, keep_first_outcomes, keep_scores_many
from .ledger_append import LedgerChain
from .store import Store
from .tables import EvidenceRow, ResolutionAttemptRow, ResolutionCheckRow, ResolutionRow

__all__ = ["AttemptWrite", "ResolutionWrite", "SweepWrite", "write_batch", "write_questions"]

_MAX_ERROR = 500
_REVIEW = CheckState.NEEDS_REVIEW.value


@dataclass(frozen=True)
class ResolutionWrite:
    """A question resolved from its sources: the resolution, its evidence, the attempt."""

    resolution: Resolution
    evidence: Sequence[StoredEvidence]
    detail: str
    closes_at: datetime | None = None
    """The question's close, when the caller holds it: its kept row needs nothing read."""

    @property
    def question_id(self) -> str:
        return self.resolution.question_id


@dataclass(frozen=True)
class AttemptWrite:
    """A check that did not resolve its question, and when to look again."""

    question_id: str
    result: str
    detail: str
    next_check_at: datetime | None
    count_failure: bool
    needs_review: bool


SweepWrite = ResolutionWrite | AttemptWrite


def _table(model: type[Any]) -> Table:
    table: Table = getattr(model, "__table__")  # noqa: B009  (SQLModel sets it at runtime)
    return table


# What each kind of check update sets besides the row's own values.
_CHECK_ALSO = {
    "resolved": "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL",
    "checked": "attempts = 0, claimed_by = NULL, claimed_until = NULL",
    "failed": "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL",
}


def _owned(session: Session, question_ids: Sequence[str], worker: str) -> set[str]:
    """The questions still claimed by ``worker`` and pending, their check rows locked."""
    connection = session.connection()
    params = {"ids": list(question_ids), "worker": worker}
    return {row[0] for row in connection.execute(_owned_query(connection.dialect.name), params)}


@functools.cache
def _owned_query(dialect: str) -> Executable:
    check = _table(ResolutionCheckRow)
    return (
        select(check.c.question_id)
        .where(
            in_ids(check.c.question_id, dialect),
            check.c.claimed_by == bindparam("worker"),
            check.c.state == CheckState.PENDING.value,
        )
        .with_for_update()
    )


def _check_values(write: SweepWrite) -> tuple[str, str, str | None, datetime | None, str]:
    """(which check update, state, error, next check, attempt result) of one question."""
    if isinstance(write, ResolutionWrite):
        return "resolved", CheckState.RESOLVED.value, None, None, "resolved"
    state, error, next_at = CheckState.PENDING.value, None, write.next_check_at
    result, update_check = write.result, "checked"
    if write.count_failure:
        error, update_check = write.detail, "failed"
    if write.needs_review:
        state = result = _REVIEW
    return update_check, state, error, next_at, result


def write_questions(
    store: Store, session: Session, writes: Sequence[SweepWrite], *, worker: str, as_of: datetime
) -> None:
    """Everything the checks of ``writes`` write (their claims already checked and locked),
    a few statements per table whatever their number.

    Runs inside one savepoint: whatever it raises undoes all of ``writes``. Anything else
    that must commit with a question's resolution (its kept score rows) is written from here,
    so it shares that savepoint. Each question's events stay together, in ``writes`` order.
    """
    connection = session.connection()
    resolved = [w for w in writes if isinstance(w, ResolutionWrite)]
    evidence_ids: list[int] = []
    if resolved:
        resolutions = [convert.resolution_values(w.resolution) for w in resolved]
        insert_rows(connection, _table(ResolutionRow), resolutions)
        items = [item for w in resolved for item in w.evidence]
        # The resolutions above took SQLite's write lock, as reserve_ids requires.
        evidence_ids = reserve_ids(connection, _table(EvidenceRow), len(items))
        rows = [
            {"id": id_, **evidence_values(item)}
            for id_, item in zip(evidence_ids, items, strict=True)
        ]
        insert_rows(connection, _table(EvidenceRow), rows)
    ids = iter(evidence_ids)
    checks: dict[str, list[dict[str, Any]]] = {}
    attempts: list[dict[str, Any]] = []
    for write in writes:
        qid = write.question_id
        if isinstance(write, ResolutionWrite):
            data = write.resolution.model_dump(mode="json")
            store.append(session, "resolution.created", "resolution", qid, data, as_of=as_of)
            for item in write.evidence:
                entity_id = str(next(ids))
                data = evidence_data(item)
                store.append(session, "evidence.created", "evidence", entity_id, data, as_of=as_of)
        elif write.needs_review:
            # The question leaves the sweep until someone resolves it: ledgered, so an edit
            # that parks a question (or puts it back) shows in `verify`.
            data = {"question_id": qid, "state": _REVIEW, "reason": write.detail}
            store.append(session, "check.needs_review", "check", qid, data, as_of=as_of)
        name, state, error, next_at, result = _check_values(write)
        checks.setdefault(name, []).append(
            {
                "question_id": qid,
                "last_checked_at": as_of,
                "last_error": error,
                "next_check_at": next_at,
                "state": state,
            }
        )
        attempts.append(
            {
                "question_id": qid,
                "attempted_at": as_of,
                "result": result,
                "detail": write.detail,
                "next_check_at": next_at,
                "worker": worker,
            }
        )
    if resolved:
        # The sweep holds each question's close: a first resolution's kept row needs no reads.
        firsts = [
            FirstOutcome(
                w.question_id,
                w.resolution.outcome,
                w.resolution.value,
                w.resolution.resolved_at,
                w.closes_at,
            )
            for w in resolved
            if w.closes_at is not None
        ]
        keep_first_outcomes(session, firsts)
        others = [w.question_id for w in resolved if w.closes_at is None]
        if others:
            keep_scores_many(session, others)
    for name, rows in checks.items():
        update_rows(connection, _table(ResolutionCheckRow), rows, also=_CHECK_ALSO[name])
    insert_rows(connection, _table(ResolutionAttemptRow), attempts)


def write_batch(
    store: Store, writes: Sequence[SweepWrite], *, worker: str, as_of: datetime
) -> list[bool | str]:
    """Write every question of ``writes`` in one transaction; one failure loses no other.

    All of them are written in one savepoint first; if that fails, that savepoint is undone
    and each question is written again in its own savepoint, so only the failing ones are lost.
    Per write, in order: True (written), False (nothing written: the claim was lost, or the
    question left the sweep, e.g. resolved by hand) or the error that undid its savepoint.
    """
    if not writes:
        return []
    with store.transaction() as session, store.chained(session, late=True) as chain:
        # The check rows first, the head last (when the chain closes, so the workers of a
        # scale-out hold it for the end of their transactions alone): a manual resolution
        # locks in the same order (``checks.write_record``), so neither waits on the other
        # in a cycle.
        owned = _owned(session, [w.question_id for w in writes], worker)
        mine = [w for w in writes if w.question_id in owned]
        done: dict[str, bool | str] = dict.fromkeys(owned, True)
        if mine and _written(store, session, chain, mine, worker, as_of) is not None:
            for write in mine:
                error = _written(store, session, chain, [write], worker, as_of)
                done[write.question_id] = True if error is None else error
    return [done.get(w.question_id, False) for w in writes]


def _written(
    store: Store,
    session: Session,
    chain: LedgerChain,
    writes: Sequence[SweepWrite],
    worker: str,
    as_of: datetime,
) -> str | None:
    """Write ``writes`` in one savepoint; None, or the error that undid it (and their events)."""
    mark = chain.mark()
    try:
        with session.begin_nested():
            write_questions(store, session, writes, worker=worker, as_of=as_of)
            chain.flush(session.connection())
    except Exception as exc:  # these questions alone; the batch goes on
        chain.restore(mark)
        return _error(exc)
    return None


def _error(exc: Exception) -> str:
    detail = getattr(exc, "orig", None) or exc
    lines = str(detail).splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return text[:_MAX_ERROR]
