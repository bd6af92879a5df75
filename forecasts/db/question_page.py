"""One question's page in one read: the question, its resolution and corrections, its
forecasts, the names of its forecasters and its evidence (one session, not one each)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from forecasts.domain import Correction, Forecast, Question, Resolution
from forecasts.ledger import GENESIS_HASH

from . import convert
from .evidence import StoredEvidence, read_evidence
from .store import Store, read_forecasts
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


def _names(session: Session, question_id: str) -> dict[str, str]:
    p, fc = _t(ForecasterRow).c, _t(ForecastRow).c
    query = (
        core_select(p.handle, p.name)
        .where(p.handle.in_(core_select(fc.forecaster).where(fc.question_id == question_id)))
        .order_by(p.handle)
    )
    return {str(handle): str(name) for handle, name in session.connection().execute(query)}


def question_rows(store: Store, question_id: str) -> QuestionRows | None:
    """None when there is no such question."""
    with store.reading() as session:
        row = session.get(QuestionRow, question_id)
        if row is None:
            return None
        question = Question.model_validate(convert.question_fields(row))
        resolved = session.exec(
            select(ResolutionRow).where(col(ResolutionRow.question_id) == question_id)
        ).first()
        corrections = session.exec(
            select(CorrectionRow)
            .where(col(CorrectionRow.question_id) == question_id)
            .order_by(col(CorrectionRow.id))
        ).all()
        return QuestionRows(
            question=question,
            resolution=None
            if resolved is None
            else Resolution.model_validate(convert.resolution_fields(resolved)),
            corrections=[
                Correction.model_validate(convert.correction_fields(c)) for c in corrections
            ],
            forecasts=read_forecasts(session, question_id=question_id),
            names=_names(session, question_id),
            evidence=read_evidence(session, question_id),
        )
