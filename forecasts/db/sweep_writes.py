"""The sweep's writes, in batches: many questions in one transaction, one savepoint each.

A sweep hands over the questions whose checks are done; :func:`write_batch` locks the ledger
head once, checks which claims are still held (one statement), and writes each question
through :func:`write_question` inside its own savepoint. A question whose write fails (a
constraint, a trigger, a bug) is rolled back to its savepoint alone, and the ledger chain
forgets its events: the others commit. Events are kept by a :class:`LedgerChain` and inserted
per question in one statement; the head row is written once per batch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, insert, select, update
from sqlmodel import Session

from forecasts.domain import CheckState, Resolution

from . import convert
from .evidence import StoredEvidence, evidence_data, evidence_values
from .kept import keep_scores
from .store import Store
from .tables import EvidenceRow, ResolutionAttemptRow, ResolutionCheckRow, ResolutionRow

__all__ = ["AttemptWrite", "ResolutionWrite", "SweepWrite", "write_batch", "write_question"]

_MAX_ERROR = 500


@dataclass(frozen=True)
class ResolutionWrite:
    """A question resolved from its sources: the resolution, its evidence, the attempt."""

    resolution: Resolution
    evidence: Sequence[StoredEvidence]
    detail: str

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


@dataclass(frozen=True)
class _Statements:
    """Statements built once: SQLAlchemy then reuses their cache keys and compiled forms,
    which is most of a small statement's cost."""

    resolution: Executable
    evidence: Executable
    resolved: Executable
    checked: Executable
    failed: Executable
    attempt: Executable


@functools.cache
def _statements() -> _Statements:
    check = _table(ResolutionCheckRow)
    evidence = _table(EvidenceRow)

    def check_update(**values: Any) -> Executable:
        return (
            update(check)
            .where(check.c.question_id == bindparam("b_question"))
            .values(
                last_checked_at=bindparam("b_at"),
                claimed_by=None,
                claimed_until=None,
                last_error=bindparam("b_error"),
                next_check_at=bindparam("b_next"),
                state=bindparam("b_state"),
                **values,
            )
        )

    return _Statements(
        resolution=insert(_table(ResolutionRow)),
        evidence=insert(evidence).returning(evidence.c.id, sort_by_parameter_order=True),
        resolved=check_update(attempts=check.c.attempts + 1),
        checked=check_update(attempts=0),
        failed=check_update(attempts=check.c.attempts + 1),
        attempt=insert(_table(ResolutionAttemptRow)),
    )


def _owned(session: Session, question_ids: Sequence[str], worker: str) -> set[str]:
    """The questions still claimed by ``worker`` and pending, their check rows locked."""
    check = _table(ResolutionCheckRow)
    rows = session.connection().execute(
        select(check.c.question_id)
        .where(
            check.c.question_id.in_(list(question_ids)),
            check.c.claimed_by == worker,
            check.c.state == CheckState.PENDING.value,
        )
        .with_for_update()
    )
    return {row[0] for row in rows}


def _resolve(store: Store, session: Session, write: ResolutionWrite, as_of: datetime) -> None:
    resolution = write.resolution
    connection = session.connection()
    statements = _statements()
    connection.execute(statements.resolution, [convert.resolution_values(resolution)])
    data = resolution.model_dump(mode="json")
    store.append(session, "resolution.created", "resolution", write.question_id, data, as_of=as_of)
    if not write.evidence:
        return
    ids = connection.execute(
        statements.evidence, [evidence_values(item) for item in write.evidence]
    ).scalars()
    for item, evidence_id in zip(write.evidence, ids, strict=True):
        data = evidence_data(item)
        store.append(session, "evidence.created", "evidence", str(evidence_id), data, as_of=as_of)


def write_question(
    store: Store, session: Session, write: SweepWrite, *, worker: str, as_of: datetime
) -> None:
    """Everything one question's check writes (its claim already checked and locked).

    Runs inside the question's savepoint: whatever it raises undoes this question only.
    Anything else that must commit with a question's resolution (its kept score rows) is
    written from here, so it shares that savepoint.
    """
    statements = _statements()
    qid = write.question_id
    if isinstance(write, ResolutionWrite):
        _resolve(store, session, write, as_of)
        keep_scores(session, qid)
        state, error, next_at = CheckState.RESOLVED.value, None, None
        result, update_check = "resolved", statements.resolved
    else:
        state, error, next_at = CheckState.PENDING.value, None, write.next_check_at
        result, update_check = write.result, statements.checked
        if write.count_failure:
            error, update_check = write.detail, statements.failed
        if write.needs_review:
            state = result = CheckState.NEEDS_REVIEW.value
            # The question leaves the sweep until someone resolves it: ledgered, so an edit
            # that parks a question (or puts it back) shows in `verify`.
            data = {"question_id": qid, "state": state, "reason": write.detail}
            store.append(session, "check.needs_review", "check", qid, data, as_of=as_of)
    connection = session.connection()
    connection.execute(
        update_check,
        {"b_question": qid, "b_at": as_of, "b_error": error, "b_next": next_at, "b_state": state},
    )
    connection.execute(
        statements.attempt,
        [
            {
                "question_id": qid,
                "attempted_at": as_of,
                "result": result,
                "detail": write.detail,
                "next_check_at": next_at,
                "worker": worker,
            }
        ],
    )


def write_batch(
    store: Store, writes: Sequence[SweepWrite], *, worker: str, as_of: datetime
) -> list[bool | str]:
    """Write every question of ``writes`` in one transaction, each in its own savepoint.

    Per write, in order: True (written), False (nothing written: the claim was lost, or the
    question left the sweep, e.g. resolved by hand) or the error that undid its savepoint.
    """
    if not writes:
        return []
    outcomes: list[bool | str] = []
    with store.transaction() as session, store.chained(session) as chain:
        # The head first (as every ledgered write takes it), then the check rows: no
        # lock-order cycle with a manual resolution, which locks the head, then the check row.
        owned = _owned(session, [w.question_id for w in writes], worker)
        for write in writes:
            if write.question_id not in owned:
                outcomes.append(False)
                continue
            mark = chain.mark()
            try:
                with session.begin_nested():
                    write_question(store, session, write, worker=worker, as_of=as_of)
                    chain.flush(session.connection())
            except Exception as exc:  # this question alone; the batch goes on
                chain.restore(mark)
                outcomes.append(_error(exc))
            else:
                outcomes.append(True)
    return outcomes


def _error(exc: Exception) -> str:
    detail = getattr(exc, "orig", None) or exc
    lines = str(detail).splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return text[:_MAX_ERROR]
