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
    brier: float | None
    """Mean Brier at close over the resolved binary questions scored (None: none yet)."""
    n_scored: int


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _outcomes() -> Any:
    """Per resolved question: its outcome after corrections (the newest wins) and when it
    was resolved. Plain joins, so the database computes it once, not once per row."""
    r, c = _c(ResolutionRow), _c(CorrectionRow)
    latest = select(c.question_id, func.max(c.id).label("id")).group_by(c.question_id).subquery()
    return (
        select(
            r.question_id.label("qid"),
            func.coalesce(c.outcome, r.outcome).label("outcome"),
            r.resolved_at.label("resolved_at"),
        )
        .select_from(
            _t(ResolutionRow)
            .outerjoin(latest, latest.c.question_id == r.question_id)
            .outerjoin(_t(CorrectionRow), c.id == latest.c.id)
        )
        .subquery("outcomes")
    )


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
    outcomes = _outcomes()
    state = _status(outcomes.c.outcome, as_of)
    conditions = _matches(words)
    if tag is not None:
        # Both back ends store the tags as the same JSON text, so a tag is its JSON string
        # in there; the page is rechecked exactly below.
        conditions.append(cast(q.tags, Text).like(f"%{_escape(json.dumps(tag))}%", escape="\\"))
    if kind is not None:
        conditions.append(q.kind == kind)
    if status is not None:
        conditions.append(state == status)
    joined = _t(QuestionRow).outerjoin(outcomes, outcomes.c.qid == q.id)
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
            outcomes.c.outcome,
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(q.closes_at, q.id)
        .offset(offset)
        .limit(limit)
    )
    with store.reading() as session:
        conn = session.connection()
        total_query = select(func.count()).select_from(joined).where(*conditions)
        total = int(conn.execute(total_query).one()[0])
        rows = [row for row in conn.execute(query).all() if tag is None or tag in (row[3] or [])]
        # Counted for this page's questions only, through the (question, made_at) index.
        page_counts = conn.execute(
            select(fc.question_id, func.count())
            .where(fc.question_id.in_([row[0] for row in rows]))
            .group_by(fc.question_id)
        ).all()
    counts: dict[str, int] = {qid: int(n) for qid, n in page_counts}
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
            n_forecasts=int(counts.get(qid, 0)),
        )
        for qid, title, kind_text, tags, opens, closes, resolves, status_text, outcome_text in rows
    ]
    return QuestionPage(hits, total)


def forecaster_counts(store: Store) -> list[ForecasterCounts]:
    """Every forecaster with how many forecasts, questions, pending and resolved questions,
    and the mean Brier of the standing forecast at close on resolved binary questions.

    The Brier follows :mod:`forecasts.records.pairs` (the last forecast made at or before the
    earlier of the close and the resolution; made, then recorded order, then id), computed
    in SQL so the index page does not load every forecast; the tests compare it with the
    leaderboard's.
    """
    p, fc, q = _c(ForecasterRow), _c(ForecastRow), _c(QuestionRow)
    outcomes = _outcomes()
    per_question = (
        select(fc.forecaster.label("handle"), fc.question_id.label("qid"), func.count().label("n"))
        .group_by(fc.forecaster, fc.question_id)
        .subquery("per_question")
    )
    resolved = and_(outcomes.c.outcome.is_not(None), outcomes.c.outcome != "annulled")
    totals = (
        select(
            per_question.c.handle,
            func.sum(per_question.c.n).label("n"),
            func.count().label("questions"),
            func.sum(case((resolved, 1), else_=0)).label("resolved"),
            func.sum(case((outcomes.c.outcome.is_(None), 1), else_=0)).label("pending"),
        )
        .select_from(per_question.outerjoin(outcomes, outcomes.c.qid == per_question.c.qid))
        .group_by(per_question.c.handle)
        .subquery("totals")
    )
    close = case((q.closes_at < outcomes.c.resolved_at, q.closes_at), else_=outcomes.c.resolved_at)
    rank = (
        func.row_number()
        .over(
            partition_by=(fc.forecaster, fc.question_id),
            order_by=(fc.made_at.desc(), fc.recorded_at.desc(), fc.id.desc()),
        )
        .label("rank")
    )
    hit = case((outcomes.c.outcome == "yes", 1.0), else_=0.0)
    standing = (
        select(fc.forecaster.label("handle"), fc.probability.label("p"), hit.label("o"), rank)
        .select_from(
            _t(ForecastRow)
            .join(_t(QuestionRow), q.id == fc.question_id)
            .join(outcomes, outcomes.c.qid == fc.question_id)
        )
        .where(
            q.kind == "binary",
            fc.probability.is_not(None),
            outcomes.c.outcome.in_(("yes", "no")),
            fc.made_at <= close,
        )
        .subquery("standing")
    )
    sq = (standing.c.p - standing.c.o) * (standing.c.p - standing.c.o)
    scores = (
        select(
            standing.c.handle,
            func.avg(sq).label("brier"),
            func.count().label("scored"),
        )
        .where(standing.c.rank == 1)
        .group_by(standing.c.handle)
        .subquery("scores")
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
            scores.c.brier,
            func.coalesce(scores.c.scored, 0),
        )
        .select_from(
            _t(ForecasterRow)
            .outerjoin(totals, totals.c.handle == p.handle)
            .outerjoin(scores, scores.c.handle == p.handle)
        )
        .order_by(p.handle)
    )
    with store.reading() as session:
        rows = session.connection().execute(query).all()
    return [
        ForecasterCounts(
            h,
            name,
            kind,
            aff,
            int(n),
            int(nq),
            int(nr),
            int(npend),
            None if brier is None else float(brier),
            int(scored),
        )  # fmt: skip
        for h, name, kind, aff, n, nq, nr, npend, brier, scored in rows
    ]


def all_tags(store: Store) -> list[str]:
    """Every tag in use, sorted (the tags column only)."""
    q = _c(QuestionRow)
    with store.reading() as session:
        rows = session.connection().execute(select(q.tags).where(q.tags.is_not(None))).all()
    return sorted({tag for (tags,) in rows for tag in (tags or [])})
