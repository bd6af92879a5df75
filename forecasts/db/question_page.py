"""One question's page in one read: the question, its resolution and corrections, its
forecasts, the names of its forecasters and its evidence (one session, not one each)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, Table, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session

from forecasts.domain import Correction, Forecast, Question, Resolution
from forecasts.ledger import GENESIS_HASH

from . import convert
from .evidence import StoredEvidence, read_evidence
from .store import Store
from .tables import (
    CorrectionRow,
    ForecasterRow,
    ForecastRow,
    LedgerEventRow,
    QuestionRow,
    ResolutionRow,
)

__all__ = [
    "LedgerChange",
    "OutcomeRows",
    "QuestionRows",
    "ledger_changes",
    "outcome_rows",
    "question_changes",
    "question_rows",
    "questions_touched",
]


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


_ABOUT_A_QUESTION = frozenset(
    {
        "question.created",
        "forecast.created",
        "resolution.created",
        "correction.created",
        "evidence.created",
        "check.needs_review",
    }
)
# Kinds that change only a question's outcome side (resolution, corrections, evidence,
# review state): its row, its forecasts and its forecasters' names stay as they were.
_OUTCOME_SIDE = frozenset(
    {"resolution.created", "correction.created", "evidence.created", "check.needs_review"}
)
_ABOUT_NO_QUESTION = frozenset({"forecaster.created", "token.created", "token.revoked"})
_ENTITY_IS_QUESTION = frozenset({"question", "resolution", "check"})


@functools.cache
def _events() -> Select[Any]:
    events = _t(LedgerEventRow).c
    columns = (events.seq, events.hash, events.kind, events.entity_type, events.entity_id)
    return (
        core_select(*columns, events.payload)
        .where(events.seq >= bindparam("lo"), events.seq <= bindparam("hi"))
        .order_by(events.seq)
    )


@dataclass(frozen=True)
class LedgerChange:
    """One ledger event as the page caches read it."""

    kind: str
    question: str | None
    """The question it is about (None: none, or a kind not known here)."""
    forecaster: str | None
    """The forecaster it is about: a forecast's author, a new forecaster's handle."""


def ledger_changes(
    store: Store, since: str, upto: str, *, limit: int = 256
) -> list[LedgerChange] | None:
    """The ledger events after head ``since`` up to head ``upto`` (both ``seq:hash``), in
    order. None when that cannot be told cheaply: the ledger no longer holds ``since``
    (another database at the same address), more than ``limit`` events, or an event about
    a question whose id cannot be read from it."""
    first, first_hash = since.split(":", 1)
    start, end = int(first), int(upto.split(":", 1)[0])
    if end < start:
        return None
    if end - start > limit:
        return None
    # One read: the event at ``since`` (to check its hash) and every one after it.
    with store.reading() as session:
        rows = session.connection().execute(_events(), {"lo": max(start, 1), "hi": end}).all()
    if start > 0:
        if not rows or rows[0][0] != start or rows[0][1] != first_hash:
            return None
        rows = rows[1:]
    elif first_hash != GENESIS_HASH:
        return None
    if len(rows) != end - start:
        return None
    changes = []
    for _seq, _hash, kind, entity_type, entity_id, payload in rows:
        question = forecaster = None
        if kind == "forecaster.created":
            forecaster = str(entity_id)
        elif kind in _ABOUT_A_QUESTION:
            if entity_type in _ENTITY_IS_QUESTION:
                question = str(entity_id)
            else:
                data = json.loads(payload).get("data")
                data = data if isinstance(data, dict) else {}
                found = data.get("question_id")
                if not isinstance(found, str):
                    return None
                question = found
                author = data.get("forecaster")
                forecaster = author if isinstance(author, str) else None
        changes.append(LedgerChange(str(kind), question, forecaster))
    return changes


def question_changes(
    store: Store, since: str, upto: str, *, limit: int = 256
) -> dict[str, bool] | None:
    """The questions whose page rows the ledger events after head ``since`` up to head
    ``upto`` (both ``seq:hash``) changed, each with whether its row, forecasts or
    forecasters may have changed (False: only its resolution, corrections, evidence or
    review state did). None when that cannot be told cheaply (:func:`ledger_changes`), or
    for an event of a kind not known here (it might change any question)."""
    events = ledger_changes(store, since, upto, limit=limit)
    if events is None:
        return None
    changed: dict[str, bool] = {}
    for event in events:
        if event.kind in _ABOUT_NO_QUESTION:
            continue
        if event.kind not in _ABOUT_A_QUESTION or event.question is None:
            return None
        question = event.question
        changed[question] = changed.get(question, False) or event.kind not in _OUTCOME_SIDE
    return changed


def questions_touched(store: Store, since: str, upto: str, *, limit: int = 256) -> set[str] | None:
    """The questions of :func:`question_changes`, whatever changed on them."""
    changed = question_changes(store, since, upto, limit=limit)
    return None if changed is None else set(changed)


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


@dataclass(frozen=True)
class OutcomeRows:
    """A question's outcome side: what a resolution, correction or evidence changes."""

    resolution: Resolution | None
    corrections: list[Correction]
    evidence: list[StoredEvidence]


def _outcome(session: Session, arg: dict[str, str]) -> OutcomeRows:
    run, connection = _statements(), session.connection()
    resolved = connection.execute(run.resolution, arg).first()
    corrections = connection.execute(run.corrections, arg).all()
    return OutcomeRows(
        resolution=None
        if resolved is None
        else Resolution.model_validate(convert.resolution_fields(resolved)),
        corrections=[Correction.model_validate(convert.correction_fields(c)) for c in corrections],
        evidence=read_evidence(session, arg["qid"]),
    )


def outcome_rows(store: Store, question_id: str) -> OutcomeRows:
    """The resolution, corrections and evidence of ``question_id`` alone (for a page whose
    question, forecasts and names are already at hand)."""
    with store.reading() as session:
        return _outcome(session, {"qid": question_id})


def question_rows(store: Store, question_id: str) -> QuestionRows | None:
    """None when there is no such question."""
    run, arg = _statements(), {"qid": question_id}
    with store.reading() as session:
        connection = session.connection()
        row = connection.execute(run.question, arg).first()
        if row is None:
            return None
        outcome = _outcome(session, arg)
        forecasts = connection.execute(run.forecasts, arg).all()
        names = connection.execute(run.names, arg).all()
    return QuestionRows(
        question=Question.model_validate(convert.question_fields(row)),
        resolution=outcome.resolution,
        corrections=outcome.corrections,
        forecasts=[Forecast.model_validate(convert.forecast_values_fields(f)) for f in forecasts],
        names={str(handle): str(name) for handle, name in names},
        evidence=outcome.evidence,
    )
