"""Writing kept scores in the caller's transaction: one question at a time, or all of them.

:func:`keep_scores` is the one write path: :meth:`Store.record` calls it for every
resolution, correction and forecast on a resolved question, so the kept rows commit (or
roll back) with the event that changed them. A caller that writes many questions in one
transaction calls :func:`keep_scores_many` once for all of them, inside the savepoint that
holds their resolutions.
The scores themselves are computed by :mod:`forecasts.records.kept` from the same raw rows
the compute path reads.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlmodel import Session

from .bulk import insert_rows
from .id_lists import in_ids
from .ledger_append import CHAIN_KEY, LedgerChain
from .record_rows import RecordRows, read_outcomes, read_rows_on
from .tables import (
    CorrectionRow,
    ForecastRow,
    KeptQuestionRow,
    KeptScoreRow,
    KeptStateRow,
    LedgerHeadRow,
    QuestionRow,
)

__all__ = [
    "FAR_FUTURE",
    "FirstOutcome",
    "complete_kept",
    "compute_kept",
    "keep_first_outcomes",
    "keep_scores",
    "keep_scores_many",
    "kept_complete",
    "rebuild_on",
    "write_all_kept",
]

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
"""The ``as_of`` of kept scores: every resolution and correction recorded counts."""

_CHUNK = 2000
_IDS_CHUNK = 500  # questions per IN list: well under every driver's limit on parameters


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@functools.cache
def _corrected(some: bool, dialect: str) -> Select[Any]:
    # Built once, so SQLAlchemy reuses its compiled form.
    c = CorrectionRow.__table__.c  # type: ignore[attr-defined]
    query = select(c.question_id, func.max(c.corrected_at)).group_by(c.question_id)
    return query.where(in_ids(c.question_id, dialect)) if some else query


def _effective(
    conn: Connection,
    outcomes: dict[str, tuple[str, float | None, datetime]],
    question_ids: Sequence[str] | None,
) -> dict[str, datetime]:
    """When each question's current outcome took effect: its resolution or newest correction."""
    found = {qid: resolved_at for qid, (_, _, resolved_at) in outcomes.items()}
    params = {} if question_ids is None else {"ids": list(question_ids)}
    for qid, at in conn.execute(_corrected(question_ids is not None, conn.dialect.name), params):
        if qid in found and at is not None:
            found[qid] = max(found[qid], _aware(at))
    return found


def _kept_question(
    qid: str, outcome: str, value: float | None, close: datetime, effective: datetime
) -> dict[str, Any]:
    return {
        "question_id": qid,
        "outcome": outcome,
        "label": outcome if value is None else f"{value:g}",
        "close": close,
        "effective_at": effective,
    }


def _question_rows(
    conn: Connection,
    outcomes: dict[str, tuple[str, float | None, datetime]],
    closes: dict[str, datetime],
    question_ids: Sequence[str] | None,
) -> list[dict[str, Any]]:
    effective = _effective(conn, outcomes, question_ids)
    return [
        _kept_question(
            qid, outcome, value, min(closes[qid], resolved_at), effective.get(qid, resolved_at)
        )
        for qid, (outcome, value, resolved_at) in sorted(outcomes.items())
        if qid in closes
    ]


@functools.cache
def _forecast_on(dialect: str) -> Select[Any]:
    f = ForecastRow.__table__.c  # type: ignore[attr-defined]
    return select(f.question_id).where(in_ids(f.question_id, dialect)).distinct()


@functools.cache
def _closes(dialect: str) -> Select[Any]:
    q = QuestionRow.__table__.c  # type: ignore[attr-defined]
    return select(q.id, q.closes_at).where(in_ids(q.id, dialect))


def _unforecast(conn: Connection, question_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The kept question rows of questions nobody forecast (their outcome and close only:
    no titles, options or tags to read)."""
    params = {"ids": list(question_ids)}
    closes = {qid: _aware(at) for qid, at in conn.execute(_closes(conn.dialect.name), params)}
    outcomes = read_outcomes(conn, FAR_FUTURE, question_ids)
    return _question_rows(conn, outcomes, closes, question_ids)


def compute_kept(
    conn: Connection, question_ids: Sequence[str] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept question rows, kept score rows) recomputed from the raw rows (those of
    ``question_ids``, or every question's).

    Every figure is per question, so computing many questions together gives each the rows
    it would get alone. Of ``question_ids``, those nobody forecast (most of a sweep's, often)
    have no score rows and need no more than their outcome and close."""
    if question_ids is not None:
        params = {"ids": list(question_ids)}
        forecast = {q for (q,) in conn.execute(_forecast_on(conn.dialect.name), params)}
        if len(forecast) < len(question_ids):
            bare = _unforecast(conn, [q for q in question_ids if q not in forecast])
            if not forecast:
                return bare, []
            questions, scores = compute_kept(conn, [q for q in question_ids if q in forecast])
            return sorted(bare + questions, key=lambda row: str(row["question_id"])), scores
    rows: RecordRows = read_rows_on(conn, as_of=FAR_FUTURE, question_ids=question_ids)
    closes = {q[0]: q[5] for q in rows.questions}
    questions = _question_rows(conn, rows.outcomes, closes, question_ids)
    if not questions or not (rows.binary or rows.others):
        return questions, []  # no forecast, no score: the scoring code need not even load
    from forecasts.records.kept import score_rows
    from forecasts.records.loader import record_data_from_rows

    scores = score_rows(record_data_from_rows(rows, as_of=FAR_FUTURE))
    return questions, scores


@functools.cache
def _deletes(dialect: str) -> tuple[Executable, Executable]:
    kq, ks = KeptQuestionRow.__table__, KeptScoreRow.__table__  # type: ignore[attr-defined]
    return (
        delete(ks).where(in_ids(ks.c.question_id, dialect)),
        delete(kq).where(in_ids(kq.c.question_id, dialect)),
    )


def _insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        insert_rows(conn, table, rows[start : start + _CHUNK])


def _stamped(
    conn: Connection, scores: Sequence[dict[str, Any]], seq: int | None = None
) -> list[dict[str, Any]]:
    """Each row marked with the ledger sequence it was written at (the head, or where an
    open batch's chain stands: its head row moves only when the batch closes)."""
    if not scores:
        return []
    if seq is None:
        head = LedgerHeadRow.__table__  # type: ignore[attr-defined]
        seq = conn.execute(select(head.c.seq).where(head.c.id == 1)).scalar() or 0
    return [{**row, "seq": seq} for row in scores]


def keep_scores(session: Session, question_id: str) -> None:
    """Rewrite ``question_id``'s kept question and score rows in ``session``'s transaction."""
    keep_scores_many(session, [question_id])


_UNSTAMPED = -1
"""The ``seq`` of kept score rows written under a chain that takes the head late, until it
closes and :func:`_stamp` gives them its last sequence number."""


@functools.cache
def _restamp(dialect: str) -> Executable:
    ks = KeptScoreRow.__table__  # type: ignore[attr-defined]
    return (
        update(ks)
        .where(in_ids(ks.c.question_id, dialect), ks.c.seq == _UNSTAMPED)
        .values(seq=bindparam("final"))
    )


def _stamp(question_ids: Sequence[str], conn: Connection, seq: int) -> None:
    for start in range(0, len(question_ids), _IDS_CHUNK):
        ids = list(question_ids[start : start + _IDS_CHUNK])
        conn.execute(_restamp(conn.dialect.name), {"ids": ids, "final": seq})


def keep_scores_many(session: Session, question_ids: Sequence[str]) -> None:
    """:func:`keep_scores` for many questions, with a few statements per chunk of them."""
    session.flush()
    conn = session.connection()
    chain = session.info.get(CHAIN_KEY)
    late = isinstance(chain, LedgerChain) and chain.deferred is not None
    seq = chain.seq if isinstance(chain, LedgerChain) else None
    kq, ks = KeptQuestionRow.__table__, KeptScoreRow.__table__  # type: ignore[attr-defined]
    for start in range(0, len(question_ids), _IDS_CHUNK):
        ids = list(question_ids[start : start + _IDS_CHUNK])
        questions, scores = compute_kept(conn, ids)
        for statement in _deletes(conn.dialect.name):
            conn.execute(statement, {"ids": ids})
        _insert(conn, kq, questions)
        _insert(conn, ks, _stamped(conn, scores, _UNSTAMPED if late else seq))
    if late and isinstance(chain, LedgerChain):
        chain.on_close.append(functools.partial(_stamp, list(question_ids)))


@dataclass(frozen=True)
class FirstOutcome:
    """A question's first resolution, inserted in the caller's transaction: nothing is kept
    for the question yet, and no correction of it can exist (resolutions are unique per
    question and never deleted; corrections follow them)."""

    question_id: str
    outcome: str
    value: float | None
    resolved_at: datetime
    closes_at: datetime


def keep_first_outcomes(session: Session, firsts: Sequence[FirstOutcome]) -> None:
    """:func:`keep_scores_many` for first resolutions: a question nobody forecast (most of a
    sweep's) gets its kept row from what the caller already holds, with nothing read back
    and nothing to delete; the others are kept as :func:`keep_scores_many` keeps them."""
    session.flush()
    conn = session.connection()
    forecast_on = _forecast_on(conn.dialect.name)
    kq = KeptQuestionRow.__table__  # type: ignore[attr-defined]
    scored: list[str] = []
    for start in range(0, len(firsts), _IDS_CHUNK):
        chunk = firsts[start : start + _IDS_CHUNK]
        ids = [first.question_id for first in chunk]
        forecast = {q for (q,) in conn.execute(forecast_on, {"ids": ids})}
        scored.extend(q for q in ids if q in forecast)
        rows = [
            _kept_question(
                f.question_id,
                f.outcome,
                f.value,
                min(_aware(f.closes_at), _aware(f.resolved_at)),
                _aware(f.resolved_at),
            )
            for f in chunk
            if f.question_id not in forecast
        ]
        _insert(conn, kq, sorted(rows, key=lambda row: str(row["question_id"])))
    if scored:
        keep_scores_many(session, scored)


def write_all_kept(
    conn: Connection, questions: Iterable[dict[str, Any]], scores: Iterable[dict[str, Any]]
) -> int:
    """Replace every kept row and mark the kept scores complete; returns the score rows."""
    kq, ks = KeptQuestionRow.__table__, KeptScoreRow.__table__  # type: ignore[attr-defined]
    state = KeptStateRow.__table__  # type: ignore[attr-defined]
    conn.execute(delete(ks))
    conn.execute(delete(kq))
    _insert(conn, kq, list(questions))
    score_list = _stamped(conn, list(scores))
    _insert(conn, ks, score_list)
    conn.execute(delete(state))
    conn.execute(insert(state), [{"id": 1, "complete": True}])
    return len(score_list)


def kept_complete(conn: Connection) -> bool:
    """Whether the kept scores hold every resolved question (see ``KeptStateRow``)."""
    state = KeptStateRow.__table__  # type: ignore[attr-defined]
    return bool(conn.execute(select(state.c.complete).where(state.c.id == 1)).scalar())


def rebuild_on(conn: Connection) -> int:
    """Recompute every kept row on ``conn`` (in its transaction); returns the score rows.

    Serialised with ledgered writes on the ledger head row, so a resolution recorded
    meanwhile is either in the rebuild or writes its own rows after it.
    """
    head = LedgerHeadRow.__table__  # type: ignore[attr-defined]
    conn.execute(update(head).where(head.c.id == 1).values(id=1))
    questions, scores = compute_kept(conn)
    return write_all_kept(conn, questions, scores)


def complete_kept(engine: Engine) -> None:
    """Rebuild the kept scores if an upgrade left them incomplete (no-op otherwise)."""
    with engine.begin() as conn:
        if not kept_complete(conn):
            rebuild_on(conn)
