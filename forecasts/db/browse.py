"""Index queries for the pages: question search with filters and paging, forecaster counts.

Search is a portable substring match (``ILIKE``: PostgreSQL's own, ``lower() LIKE lower()``
on SQLite) over id, title, criteria, notes and the tags' JSON text; every word of the query
must match somewhere. Status is computed in SQL from the same rule as
``forecasts.domain.question_status`` so filtering and paging stay in the database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    Text,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
)

from .store import Store
from .tables import CorrectionRow, ForecasterRow, ForecastRow, QuestionRow, ResolutionRow

__all__ = [
    "ForecasterCounts",
    "QuestionHit",
    "QuestionPage",
    "all_tags",
    "forecaster_counts",
    "search",
]


def _t(model: type[Any]) -> Table:
    table: Table = getattr(model, "__table__")  # noqa: B009  (set by SQLModel)
    return table


def _c(model: type[Any]) -> Any:
    return _t(model).c


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class QuestionHit:
    id: str
    title: str
    kind: str
    tags: list[str]
    opens_at: datetime
    closes_at: datetime
    resolves_at: datetime
    status: str
    outcome: str | None
    n_forecasts: int


@dataclass(frozen=True)
class QuestionPage:
    hits: list[QuestionHit]
    total: int


@dataclass(frozen=True)
class ForecasterCounts:
    handle: str
    name: str
    kind: str
    affiliation: str | None
    n_forecasts: int
    n_questions: int
    n_resolved: int
    n_pending: int


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _current_outcome() -> ColumnElement[Any]:
    """The question's outcome after corrections (the newest correction wins), or NULL."""
    q, r, c = _c(QuestionRow), _c(ResolutionRow), _c(CorrectionRow)
    corrected = (
        select(c.outcome)
        .where(c.question_id == q.id)
        .order_by(c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    resolved = select(r.outcome).where(r.question_id == q.id).limit(1).scalar_subquery()
    return func.coalesce(corrected, resolved)


def _status(outcome: ColumnElement[Any], as_of: datetime) -> ColumnElement[Any]:
    q = _c(QuestionRow)
    resolves = func.coalesce(q.resolve_on, q.deadline)
    return case(
        (outcome == "annulled", literal("annulled")),
        (outcome.is_not(None), literal("resolved")),
        (resolves <= as_of, literal("due")),
        (q.closes_at <= as_of, literal("closed")),
        else_=literal("open"),
    )


def _matches(words: Sequence[str]) -> list[ColumnElement[bool]]:
    q = _c(QuestionRow)
    fields = (q.id, q.title, q.criteria, func.coalesce(q.notes, ""), cast(q.tags, Text))
    return [
        or_(*(field.ilike(f"%{_escape(word)}%", escape="\\") for field in fields)) for word in words
    ]


def search(
    store: Store,
    *,
    as_of: datetime,
    words: Sequence[str] = (),
    tag: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> QuestionPage:
    """One page of questions (by close date, then id) matching every filter, and the total."""
    q, fc = _c(QuestionRow), _c(ForecastRow)
    outcome = _current_outcome().label("outcome")
    state = _status(_current_outcome(), as_of).label("status")
    conditions = _matches(words)
    if tag is not None:
        # Both back ends store the tags as the same JSON text, so a tag is its JSON string
        # in there; the page is rechecked exactly below.
        conditions.append(cast(q.tags, Text).like(f"%{_escape(json.dumps(tag))}%", escape="\\"))
    if kind is not None:
        conditions.append(q.kind == kind)
    if status is not None:
        conditions.append(_status(_current_outcome(), as_of) == status)
    counts = (
        select(fc.question_id, func.count().label("n")).group_by(fc.question_id).subquery("counts")
    )
    query = (
        select(
            q.id,
            q.title,
            q.kind,
            q.tags,
            q.opens_at,
            q.closes_at,
            func.coalesce(q.resolve_on, q.deadline),
            state,
            outcome,
            func.coalesce(counts.c.n, 0),
        )
        .select_from(_t(QuestionRow).outerjoin(counts, counts.c.question_id == q.id))
        .where(*conditions)
        .order_by(q.closes_at, q.id)
        .offset(offset)
        .limit(limit)
    )
    with store.reading() as session:
        conn = session.connection()
        total = int(
            conn.execute(
                select(func.count()).select_from(_t(QuestionRow)).where(*conditions)
            ).one()[0]
        )
        rows = conn.execute(query).all()
    hits = [
        QuestionHit(
            id=qid,
            title=title,
            kind=kind_text,
            tags=list(tags or []),
            opens_at=_aware(opens),
            closes_at=_aware(closes),
            resolves_at=_aware(resolves),
            status=status_text,
            outcome=outcome_text,
            n_forecasts=int(n),
        )
        for qid, title, kind_text, tags, opens, closes, resolves, status_text, outcome_text, n in (
            row for row in rows if tag is None or tag in (row[3] or [])
        )
    ]
    return QuestionPage(hits, total)


def forecaster_counts(store: Store) -> list[ForecasterCounts]:
    """Every forecaster with how many forecasts, questions, resolved and pending questions."""
    p, fc, q = _c(ForecasterRow), _c(ForecastRow), _c(QuestionRow)
    outcome = _current_outcome()
    resolved = and_(outcome.is_not(None), outcome != "annulled")
    per_question = (
        select(
            fc.forecaster.label("handle"),
            fc.question_id.label("qid"),
            func.count().label("n"),
            case((resolved, 1), else_=0).label("resolved"),
            case((outcome.is_(None), 1), else_=0).label("pending"),
        )
        .select_from(_t(ForecastRow).join(_t(QuestionRow), q.id == fc.question_id))
        .group_by(fc.forecaster, fc.question_id, q.id)
        .subquery("per_question")
    )
    totals = (
        select(
            per_question.c.handle,
            func.sum(per_question.c.n).label("n"),
            func.count(distinct(per_question.c.qid)).label("questions"),
            func.sum(per_question.c.resolved).label("resolved"),
            func.sum(per_question.c.pending).label("pending"),
        )
        .group_by(per_question.c.handle)
        .subquery("totals")
    )
    query = (
        select(
            p.handle,
            p.name,
            p.kind,
            p.affiliation,
            func.coalesce(totals.c.n, 0),
            func.coalesce(totals.c.questions, 0),
            func.coalesce(totals.c.resolved, 0),
            func.coalesce(totals.c.pending, 0),
        )
        .select_from(_t(ForecasterRow).outerjoin(totals, totals.c.handle == p.handle))
        .order_by(p.handle)
    )
    with store.reading() as session:
        rows = session.connection().execute(query).all()
    return [
        ForecasterCounts(h, name, kind, aff, int(n), int(nq), int(nr), int(npend))
        for h, name, kind, aff, n, nq, nr, npend in rows
    ]


def all_tags(store: Store) -> list[str]:
    """Every tag in use, sorted (the tags column only)."""
    q = _c(QuestionRow)
    with store.reading() as session:
        rows = session.connection().execute(select(q.tags).where(q.tags.is_not(None))).all()
    return sorted({tag for (tags,) in rows for tag in (tags or [])})
