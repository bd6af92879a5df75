"""The rows a track record is computed from, read with a few bulk Core queries."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, Table, Text, cast, select

from .id_lists import in_ids
from .tables import CorrectionRow, ForecasterRow, ForecastRow, QuestionRow, ResolutionRow

if TYPE_CHECKING:
    from .store import Store

__all__ = ["RecordRows", "read_origins", "read_outcomes", "read_record_rows", "read_rows_on"]


def _c(model: type[Any]) -> Any:
    table: Table = getattr(model, "__table__")  # noqa: B009  (set by SQLModel)
    return table.c


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class RecordRows:
    """Raw rows, datetimes UTC-aware.

    ``questions``: (id, title, kind, options, opens_at, closes_at, tags) by id;
    ``outcomes``: question id -> (outcome, value, resolved_at) after corrections made by
    ``as_of``; ``binary``: (question, forecaster, made_at, probability, verbal JSON,
    recorded_at) and ``others``: (question, forecaster, made_at, probabilities JSON,
    distribution JSON, recorded_at), both in the order forecasts were made, then recorded.
    """

    people: Sequence[tuple[str, str]]
    questions: Sequence[tuple[Any, ...]]
    outcomes: dict[str, tuple[str, float | None, datetime]]
    binary: Sequence[tuple[Any, ...]]
    others: Sequence[tuple[Any, ...]]


def read_outcomes(
    conn: Connection, as_of: datetime, question_ids: Sequence[str] | None = None
) -> dict[str, tuple[str, float | None, datetime]]:
    statements = _statements(question_ids is not None, conn.dialect.name)
    params = {} if question_ids is None else {"ids": list(question_ids)}
    found: dict[str, tuple[str, float | None, datetime]] = {}
    for qid, outcome, value, resolved_at in conn.execute(statements.resolutions, params):
        if _aware(resolved_at) <= as_of:
            found[qid] = (outcome, value, _aware(resolved_at))
    for qid, outcome, value, corrected_at in conn.execute(statements.corrections, params):
        if qid in found and _aware(corrected_at) <= as_of:
            found[qid] = (outcome, value, found[qid][2])
    return found


def read_record_rows(store: Store, *, as_of: datetime, forecaster: str | None) -> RecordRows:
    """Everything a record needs, optionally only ``forecaster``'s forecasts."""
    with store.reading() as session:
        return read_rows_on(session.connection(), as_of=as_of, forecaster=forecaster)


def read_rows_on(
    conn: Connection,
    *,
    as_of: datetime,
    forecaster: str | None = None,
    question_ids: Sequence[str] | None = None,
) -> RecordRows:
    """:func:`read_record_rows` on an open connection (a writer's transaction included),
    optionally only the rows of some questions (then ``people`` is empty when they have no
    forecast)."""
    statements = _statements(question_ids is not None, conn.dialect.name)
    params: dict[str, Any] = {} if question_ids is None else {"ids": list(question_ids)}
    questions = [
        (qid, title, kind, opts, _aware(opens), _aware(closes), tags)
        for qid, title, kind, opts, opens, closes, tags in conn.execute(
            statements.questions, params
        )
    ]
    outcomes = read_outcomes(conn, as_of, question_ids)
    binary, other = statements.binary, statements.other
    if forecaster is not None:
        fc = _c(ForecastRow)
        binary = binary.where(fc.forecaster == forecaster)
        other = other.where(fc.forecaster == forecaster)
    binary_rows = conn.execute(binary, params).all()
    other_rows = conn.execute(other, params).all()
    people: list[tuple[str, str]] = []
    if question_ids is None or binary_rows or other_rows:  # some questions, no forecast: no one
        people = [(h, n) for h, n in conn.execute(statements.people)]
    return RecordRows(people, questions, outcomes, binary_rows, other_rows)


@dataclass(frozen=True)
class _Statements:
    people: Select[Any]
    questions: Select[Any]
    resolutions: Select[Any]
    corrections: Select[Any]
    binary: Select[Any]
    other: Select[Any]


@functools.cache
def _statements(some: bool, dialect: str) -> _Statements:
    """The queries, built once (SQLAlchemy then reuses their compiled forms); with ``some``
    they read only the questions in the ``ids`` parameter."""
    fc, pc, qc = _c(ForecastRow), _c(ForecasterRow), _c(QuestionRow)
    r, c = _c(ResolutionRow), _c(CorrectionRow)
    order = (fc.made_at, fc.recorded_at, fc.id)
    questions = select(
        qc.id, qc.title, qc.kind, qc.options, qc.opens_at, qc.closes_at, qc.tags
    ).order_by(qc.id)
    resolutions = select(r.question_id, r.outcome, r.value, r.resolved_at)
    corrections = select(c.question_id, c.outcome, c.value, c.corrected_at).order_by(c.id)
    binary = select(fc.question_id, fc.forecaster, fc.made_at, fc.probability)
    binary = binary.add_columns(cast(fc.verbal, Text), fc.recorded_at).where(
        fc.probability.is_not(None)
    )
    other = select(
        fc.question_id,
        fc.forecaster,
        fc.made_at,
        cast(fc.probabilities, Text),
        cast(fc.distribution, Text),
        fc.recorded_at,
    ).where(fc.probability.is_(None))
    if some:
        questions = questions.where(in_ids(qc.id, dialect))
        resolutions = resolutions.where(in_ids(r.question_id, dialect))
        corrections = corrections.where(in_ids(c.question_id, dialect))
        binary = binary.where(in_ids(fc.question_id, dialect))
        other = other.where(in_ids(fc.question_id, dialect))
    return _Statements(
        people=select(pc.handle, pc.name).order_by(pc.handle),
        questions=questions,
        resolutions=resolutions,
        corrections=corrections,
        binary=binary.order_by(*order),
        other=other.order_by(*order),
    )


def read_origins(store: Store, forecaster: str) -> list[tuple[str, dict[str, Any]]]:
    """(question id, origin) of the forecaster's imported forecasts, in ledger order."""
    f = _c(ForecastRow)
    query = (
        select(f.question_id, f.origin)
        .where(f.forecaster == forecaster, f.origin.is_not(None), cast(f.origin, Text) != "null")
        .order_by(f.made_at, f.recorded_at)
    )
    with store.reading() as session:
        rows = session.connection().execute(query).all()
    return [(str(qid), origin) for qid, origin in rows if isinstance(origin, dict)]
