"""One question's page in one read: the question, its resolution and corrections, its
forecasts, the names of its forecasters and its evidence (one session, not one each)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, Table, bindparam
from sqlalchemy import select as core_select

from forecasts.domain import Correction, Forecast, Question, Resolution
from forecasts.ledger import GENESIS_HASH

from . import convert
from .evidence import StoredEvidence, read_evidence
from .store import Store
from .tables import (
    CorrectionRow,
    ForecasterRow,
    ForecastRow,
    LedgerHeadRow,
    QuestionRow,
    ResolutionRow,
)

__all__ = ["QuestionRows", "head_key", "question_rows"]


def _t(model: type[object]) -> Table:
    table: Table = getattr(model, "__table__")  # noqa: B009  (set by SQLModel)
    return table


@dataclass(frozen=True)
class QuestionRows:
    question: Question
    resolution: Resolution | None
    corrections: list[Correction]
    forecasts: list[Forecast]
    """Oldest first (made, then recorded)."""
    names: dict[str, str]
    """Handle -> name of each forecaster with a forecast on the question."""
    evidence: list[StoredEvidence]


def head_key(store: Store) -> str:
    """The ledger head as ``seq:hash`` (one row; a cache key that moves with every event)."""
    head = _t(LedgerHeadRow).c
    with store.reading() as session:
        row = (
            session.connection()
            .execute(core_select(head.seq, head.hash).where(head.id == 1))
            .first()
        )
    return f"0:{GENESIS_HASH}" if row is None else f"{row[0]}:{row[1]}"


@dataclass(frozen=True)
class _Statements:
    question: Select[Any]
    resolution: Select[Any]
    corrections: Select[Any]
    forecasts: Select[Any]
    names: Select[Any]


@functools.cache
def _statements() -> _Statements:
    """Built once (on first use): a page that misses the cache runs them all, and building
    and keying fresh statements cost about as much as running them."""
    qid: BindParameter[str] = bindparam("qid")
    q, r, c = _t(QuestionRow).c, _t(ResolutionRow).c, _t(CorrectionRow).c
    f, p = _t(ForecastRow).c, _t(ForecasterRow).c
    return _Statements(
        question=core_select(_t(QuestionRow)).where(q.id == qid),
        resolution=core_select(_t(ResolutionRow)).where(r.question_id == qid),
        corrections=core_select(_t(CorrectionRow)).where(c.question_id == qid).order_by(c.id),
        forecasts=core_select(*(f[name] for name in convert.FORECAST_COLUMNS))
        .where(f.question_id == qid)
        .order_by(f.made_at, f.recorded_at, f.id),
        names=core_select(p.handle, p.name)
        .where(p.handle.in_(core_select(f.forecaster).where(f.question_id == qid)))
        .order_by(p.handle),
    )


def question_rows(store: Store, question_id: str) -> QuestionRows | None:
    """None when there is no such question."""
    run, arg = _statements(), {"qid": question_id}
    with store.reading() as session:
        connection = session.connection()
        row = connection.execute(run.question, arg).first()
        if row is None:
            return None
        resolved = connection.execute(run.resolution, arg).first()
        corrections = connection.execute(run.corrections, arg).all()
        forecasts = connection.execute(run.forecasts, arg).all()
        names = connection.execute(run.names, arg).all()
        evidence = read_evidence(session, question_id)
    return QuestionRows(
        question=Question.model_validate(convert.question_fields(row)),
        resolution=None
        if resolved is None
        else Resolution.model_validate(convert.resolution_fields(resolved)),
        corrections=[Correction.model_validate(convert.correction_fields(c)) for c in corrections],
        forecasts=[Forecast.model_validate(convert.forecast_values_fields(f)) for f in forecasts],
        names={str(handle): str(name) for handle, name in names},
        evidence=evidence,
    )
