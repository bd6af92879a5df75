"""The rows a track record is computed from, read with a few bulk Core queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, Text, cast, select

from .store import Store
from .tables import CorrectionRow, ForecasterRow, ForecastRow, QuestionRow, ResolutionRow

__all__ = ["RecordRows", "read_record_rows"]


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


def _outcomes(conn: Connection, as_of: datetime) -> dict[str, tuple[str, float | None, datetime]]:
    r, c = _c(ResolutionRow), _c(CorrectionRow)
    found: dict[str, tuple[str, float | None, datetime]] = {}
    for qid, outcome, value, resolved_at in conn.execute(
        select(r.question_id, r.outcome, r.value, r.resolved_at)
    ):
        if _aware(resolved_at) <= as_of:
            found[qid] = (outcome, value, _aware(resolved_at))
    for qid, outcome, value, corrected_at in conn.execute(
        select(c.question_id, c.outcome, c.value, c.corrected_at).order_by(c.id)
    ):
        if qid in found and _aware(corrected_at) <= as_of:
            found[qid] = (outcome, value, found[qid][2])
    return found


def read_record_rows(store: Store, *, as_of: datetime, forecaster: str | None) -> RecordRows:
    """Everything a record needs, optionally only ``forecaster``'s forecasts."""
    fc, pc, qc = _c(ForecastRow), _c(ForecasterRow), _c(QuestionRow)
    with store.reading() as session:
        conn = session.connection()
        people = [(h, n) for h, n in conn.execute(select(pc.handle, pc.name).order_by(pc.handle))]
        questions = [
            (qid, title, kind, opts, _aware(opens), _aware(closes), tags)
            for qid, title, kind, opts, opens, closes, tags in conn.execute(
                select(
                    qc.id, qc.title, qc.kind, qc.options, qc.opens_at, qc.closes_at, qc.tags
                ).order_by(qc.id)
            )
        ]
        outcomes = _outcomes(conn, as_of)
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
        if forecaster is not None:
            binary = binary.where(fc.forecaster == forecaster)
            other = other.where(fc.forecaster == forecaster)
        order = (fc.made_at, fc.recorded_at, fc.id)
        binary_rows = conn.execute(binary.order_by(*order)).all()
        other_rows = conn.execute(other.order_by(*order)).all()
    return RecordRows(people, questions, outcomes, binary_rows, other_rows)
