"""Kept scores, store-level: rebuild them, read them for records and boards, check them.

The rows are written by :func:`forecasts.db.kept.keep_scores` with each change. Reading
returns None whenever the kept rows cannot stand for the record at ``as_of`` (they are not
built yet after an upgrade, or an outcome kept took effect after ``as_of``): the caller
then computes from the raw rows.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select, true

from .kept import compute_kept, kept_complete, rebuild_on
from .store import Store
from .tables import (
    ForecasterRow,
    ForecastRow,
    KeptQuestionRow,
    KeptScoreRow,
    KeptStateRow,
    QuestionRow,
)

__all__ = [
    "READ_COLUMNS",
    "KeptRead",
    "KeptSince",
    "check_kept",
    "kept_probe",
    "kept_usable",
    "read_kept",
    "read_kept_since",
    "rebuild_scores",
]

_KQT = KeptQuestionRow.__table__  # type: ignore[attr-defined]
_KST = KeptScoreRow.__table__  # type: ignore[attr-defined]
_QT = QuestionRow.__table__  # type: ignore[attr-defined]
_KQ, _KS, _Q = _KQT.c, _KST.c, _QT.c
_P = ForecasterRow.__table__.c  # type: ignore[attr-defined]

_SCORE = (
    "kind", "forecast", "made_at", "n_forecasts", "n_backdated", "coverage", "p",
    "low", "high", "brier", "brier_time_weighted", "log_score", "brier_relative",
    "peer_score", "crps", "interval_score", "in_interval",
)  # fmt: skip
READ_COLUMNS = ("question_id", "title", "label", "outcome", "forecaster", *_SCORE)
"""The columns of each row :func:`read_kept` returns, in order."""


@dataclass(frozen=True)
class KeptRead:
    """Kept rows for a record or a board, ordered by forecaster then question id.

    ``people``: every forecaster (handle, name) by handle; ``questions_available``: the
    resolved, non-annulled questions matching the filter."""

    people: Sequence[tuple[str, str]]
    questions_available: int
    rows: Sequence[tuple[Any, ...]]


def rebuild_scores(store: Store) -> int:
    """Recompute every kept score from the raw rows; returns how many were written."""
    with store.transaction() as session:
        return rebuild_on(session.connection())


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _has_tag(tags: Any, tag: str) -> bool:
    return tag in (tags or [])


def kept_usable(conn: Connection, as_of: datetime) -> bool:
    """Whether the kept rows stand for the record at ``as_of`` (built, and no outcome kept
    took effect after it)."""
    if not kept_complete(conn):
        return False
    later = select(_KQ.question_id).where(_KQ.effective_at > as_of).limit(1)
    return conn.execute(later).first() is None


def _where(kind: str | None, since: datetime | None, until: datetime | None) -> list[Any]:
    where = [_KQ.outcome != "annulled"]
    if kind is not None:
        where.append(_Q.kind == kind)
    if since is not None:
        where.append(_KQ.close >= since)
    if until is not None:
        where.append(_KQ.close <= until)
    return where


def _available(conn: Connection, where: list[Any], tag: str | None) -> int:
    needs_question = tag is not None or len(where) > 1
    joined = _KQT.join(_QT, _KQ.question_id == _Q.id) if needs_question else _KQT
    if tag is None:
        count = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar()
        return int(count or 0)
    tags = conn.execute(select(_Q.tags).select_from(joined).where(*where))
    return sum(1 for (t,) in tags if _has_tag(t, tag))


def _version(conn: Connection, forecaster: str) -> tuple[int, int]:
    query = select(func.count(), func.max(_KS.seq)).where(_KS.forecaster == forecaster)
    count, newest = conn.execute(query).one()
    return int(count), int(newest or 0)


@functools.cache
def _plain_probe() -> Select[Any]:
    """kept_usable, _available with no filter and _version, as one statement."""
    state = KeptStateRow.__table__.c  # type: ignore[attr-defined]
    who = bindparam("forecaster", type_=_KS.forecaster.type)
    later = _KQ.effective_at > bindparam("as_of", type_=_KQ.effective_at.type)
    return select(
        select(state.complete).where(state.id == 1).scalar_subquery(),
        select(_KQ.question_id).where(later).limit(1).scalar_subquery(),
        select(func.count()).select_from(_KQT).where(*_where(None, None, None)).scalar_subquery(),
        select(func.count()).select_from(_KST).where(_KS.forecaster == who).scalar_subquery(),
        select(func.max(_KS.seq)).where(_KS.forecaster == who).scalar_subquery(),
    )


def kept_probe(
    store: Store,
    *,
    as_of: datetime,
    forecaster: str,
    count: bool = True,
    tag: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int | None, tuple[int, int]] | None:
    """In one read: how many resolved, non-annulled questions match the filter (with
    ``count``; it depends only on the ledger, so callers may cache it per ledger head), and
    ``forecaster``'s kept rows' version: (rows, newest ledger sequence that wrote one), which
    changes exactly when their record does. None when the kept rows cannot stand for
    ``as_of`` (not built yet, or an outcome took effect after it); without ``count`` that is
    not checked (the caller knows it from the cached count)."""
    plain = tag is None and kind is None and since is None and until is None
    with store.reading() as session:
        conn = session.connection()
        if count and plain:
            # The common case (a record with no filter) in one statement built once.
            params = {"as_of": as_of, "forecaster": forecaster}
            complete, later, n, rows, newest = conn.execute(_plain_probe(), params).one()
            if not complete or later is not None:
                return None
            return int(n), (int(rows), int(newest or 0))
        available = None
        if count:
            if not kept_usable(conn, as_of):
                return None
            available = _available(conn, _where(kind, since, until), tag)
        return available, _version(conn, forecaster)


def read_kept(
    store: Store,
    *,
    as_of: datetime,
    forecaster: str | None = None,
    tag: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> KeptRead | None:
    """Kept rows matching the question filters (None: compute from the raw rows instead)."""
    with store.reading() as session:
        conn = session.connection()
        if not kept_usable(conn, as_of):
            return None
        people = [tuple(r) for r in conn.execute(select(_P.handle, _P.name).order_by(_P.handle))]
        where = _where(kind, since, until)
        available = _available(conn, where, tag)
        columns = [
            _KQ.question_id, _Q.title, _KQ.label, _KQ.outcome, _KS.forecaster,
            *(getattr(_KS, name) for name in _SCORE),
        ]  # fmt: skip
        if tag is not None:
            columns.append(_Q.tags)
        query = (
            select(*columns)
            .select_from(
                _KST.join(_KQT, _KS.question_id == _KQ.question_id).join(
                    _QT, _KS.question_id == _Q.id
                )
            )
            .where(*where)
            .order_by(_KS.forecaster, _KS.question_id)
        )
        if forecaster is not None:
            query = query.where(_KS.forecaster == forecaster)
        if tag is None:
            rows = [tuple(r) for r in conn.execute(query)]
        else:
            rows = [tuple(r[:-1]) for r in conn.execute(query) if _has_tag(r[-1], tag)]
    return KeptRead(people, available, rows)


@dataclass(frozen=True)
class KeptSince:
    """One forecaster's kept rows written after a ledger sequence (no question filter).

    ``name``: the forecaster's (None: no such forecaster); ``count``: how many kept rows
    they have now; ``forecasts``: how many forecasts they have made (rows are never
    changed or deleted, so this changes exactly when their forecasts do); ``rows``: those
    written after the sequence asked for, in :data:`READ_COLUMNS` order then the sequence
    that wrote each."""

    name: str | None
    count: int
    forecasts: int
    rows: Sequence[tuple[Any, ...]]


@functools.cache
def _since_statement() -> Select[Any]:
    """kept_usable's two reads, the forecaster's name, kept row and forecast counts, then
    their rows written after ``since``: one statement, so one snapshot on PostgreSQL too
    (its default isolation gives each statement its own)."""
    who = bindparam("forecaster", type_=_KS.forecaster.type)
    forecasts = ForecastRow.__table__.c  # type: ignore[attr-defined]
    joined = _KST.join(_KQT, _KS.question_id == _KQ.question_id).join(_QT, _KS.question_id == _Q.id)
    mine = (_KS.forecaster == who, *_where(None, None, None))
    state = KeptStateRow.__table__.c  # type: ignore[attr-defined]
    later = _KQ.effective_at > bindparam("as_of", type_=_KQ.effective_at.type)
    head = select(
        select(state.complete).where(state.id == 1).scalar_subquery().label("h_complete"),
        select(_KQ.question_id).where(later).limit(1).scalar_subquery().label("h_later"),
        select(_P.name).where(_P.handle == who).scalar_subquery().label("h_name"),
        # Every kept score row has its question's non-annulled kept row (they are written
        # together; an annulled question has none): counted from the index alone.
        select(func.count()).where(_KS.forecaster == who).scalar_subquery().label("h_kept"),
        select(func.count())
        .where(forecasts.forecaster == who)
        .scalar_subquery()
        .label("h_forecasts"),
    ).subquery("head")
    columns = [
        _KQ.question_id, _Q.title, _KQ.label, _KQ.outcome, _KS.forecaster,
        *(getattr(_KS, name) for name in _SCORE), _KS.seq,
    ]  # fmt: skip
    since = bindparam("since", type_=_KS.seq.type)
    rows = select(*columns).select_from(joined).where(*mine, _KS.seq > since).subquery("rows")
    return select(*head.c, *rows.c).select_from(head.outerjoin(rows, true()))


def read_kept_since(
    store: Store, *, as_of: datetime, forecaster: str, since: int
) -> KeptSince | None:
    """``forecaster``'s kept rows written after ledger sequence ``since`` (every row: -1),
    with their name and row count read in the same snapshot, so a caller holding the rows
    read before can tell whether adding these gives all of them (rows are only ever
    rewritten at a later sequence, or deleted). None: compute from the raw rows instead."""
    params = {"forecaster": forecaster, "as_of": as_of, "since": since}
    with store.reading() as session:
        found = session.connection().execute(_since_statement(), params).fetchall()
    complete, later, name, count, made = found[0][:5]
    if not complete or later is not None:  # as kept_usable
        return None
    rows = [tuple(r[5:]) for r in found if r[5] is not None]
    return KeptSince(name, int(count), int(made), rows)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _aware(a) == _aware(b)
    if isinstance(a, float) and isinstance(b, float):
        if math.isinf(a) or math.isinf(b):
            return a == b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def _compare(
    label: str, stored: dict[Any, dict[str, Any]], fresh: dict[Any, dict[str, Any]]
) -> list[str]:
    problems = []
    for key in sorted(fresh.keys() | stored.keys()):
        name = "/".join(key) if isinstance(key, tuple) else key
        if key not in stored:
            problems.append(f"{label} {name}: missing (run `forecasts rebuild-scores`)")
        elif key not in fresh:
            problems.append(f"{label} {name}: kept but nothing scores it")
        else:
            for column, value in fresh[key].items():
                if not _same(stored[key].get(column), value):
                    problems.append(
                        f"{label} {name}: {column} is {stored[key].get(column)!r} kept, "
                        f"{value!r} recomputed from the forecasts"
                    )
    return problems


def check_kept(conn: Connection) -> list[str]:
    """Every kept row against the same rows recomputed from the raw rows (for ``verify``)."""
    if not kept_complete(conn):
        return ["kept scores are not built (run `forecasts rebuild-scores`)"]
    questions, scores = compute_kept(conn)
    fresh_q = {r["question_id"]: r for r in questions}
    fresh_s = {(r["question_id"], r["forecaster"]): r for r in scores}
    stored_q = {r["question_id"]: dict(r) for r in conn.execute(select(_KQT)).mappings()}
    stored_s = {
        (r["question_id"], r["forecaster"]): dict(r) for r in conn.execute(select(_KST)).mappings()
    }
    return _compare("kept question", stored_q, fresh_q) + _compare("kept score", stored_s, fresh_s)
