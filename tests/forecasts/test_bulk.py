"""forecasts.db.bulk: rows stored exactly as Core's executemany stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, insert, text

from forecasts.db.bulk import insert_rows, reserve_ids, update_rows
from forecasts.db.store import Store
from forecasts.db.tables import (
    EvidenceRow,
    KeptScoreRow,
    ResolutionAttemptRow,
    ResolutionCheckRow,
    ResolutionRow,
)
from forecasts.services import add_forecaster, add_question
from tests.factories import make_forecaster, make_question

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime(2027, 1, 5, 12, 30, 15, 123456, tzinfo=UTC)


def _table(model: type[Any]) -> Table:
    table: Table = getattr(model, "__table__")  # noqa: B009
    return table


@pytest.fixture
def questions(store: Store) -> list[str]:
    ids = [f"Q{i}" for i in range(4)]
    for qid in ids:
        add_question(store, make_question(qid), as_of=CREATED)
    add_forecaster(store, make_forecaster("alice"), as_of=CREATED)
    return ids


def _resolution(qid: str, **over: Any) -> dict[str, Any]:
    row = {
        "question_id": qid,
        "outcome": "yes",
        "value": None,
        "resolved_at": AT,
        "method": "source",
        "by": "source:http_json",
        "note": "value 12 >= 10 ✓",
        "evidence_url": None,
        "evidence_sha256": ["ab" * 32],
        "recorded_evidence": False,
    }
    return row | over


def _stored(store: Store, table: str, order: str) -> list[tuple[Any, ...]]:
    """Rows as the driver returns them (no SQLAlchemy result processing), with a JSON
    column's SQL type shown too on PostgreSQL (JSON null and SQL NULL differ)."""
    with store.reading() as session:
        conn = session.connection()
        rows = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {order}").all()
        if table == "resolution" and conn.dialect.name == "postgresql":
            kinds = conn.execute(
                text(f"SELECT json_typeof(evidence_sha256) FROM resolution ORDER BY {order}")
            ).scalars()
            return [(*row, kind) for row, kind in zip(rows, kinds, strict=True)]
        return [tuple(row) for row in rows]


def _both(store: Store, model: type[Any], core: list[dict[str, Any]], bulk: list[dict[str, Any]]):
    with store.transaction() as session:
        conn = session.connection()
        conn.execute(insert(_table(model)), core)
        insert_rows(conn, _table(model), bulk)


def test_resolution_rows_are_stored_as_core_stores_them(store: Store, questions: list[str]) -> None:
    # Same values twice: by Core (Q0, Q1) and in bulk (Q2, Q3); JSON null, floats, booleans,
    # text outside ASCII and microseconds included.
    variants = [{}, {"value": 2.5, "evidence_sha256": None, "recorded_evidence": True}]
    core = [_resolution(q, **v) for q, v in zip(questions[:2], variants, strict=True)]
    bulk = [_resolution(q, **v) for q, v in zip(questions[2:], variants, strict=True)]
    _both(store, ResolutionRow, core, bulk)

    rows = _stored(store, "resolution", "question_id")
    drop = {0, 1}  # id and question_id differ by design
    by_core = [[v for i, v in enumerate(r) if i not in drop] for r in rows[:2]]
    by_bulk = [[v for i, v in enumerate(r) if i not in drop] for r in rows[2:]]
    assert by_bulk == by_core
    assert store.resolution("Q3") is not None and store.resolution("Q3").value == 2.5  # type: ignore[union-attr]


def test_attempt_and_kept_score_rows_are_stored_as_core_stores_them(
    store: Store, questions: list[str]
) -> None:
    def attempt(qid: str, next_at: datetime | None) -> dict[str, Any]:
        return {
            "question_id": qid,
            "attempted_at": AT,
            "result": "failed",
            "detail": "error: HTTP 503",
            "next_check_at": next_at,
            "worker": "host:1",
        }

    nexts = [None, AT + timedelta(minutes=15)]
    core = [attempt(q, n) for q, n in zip(questions[:2], nexts, strict=True)]
    bulk = [attempt(q, n) for q, n in zip(questions[2:], nexts, strict=True)]
    _both(store, ResolutionAttemptRow, core, bulk)
    rows = _stored(store, "resolution_attempt", "question_id")
    assert [r[2:] for r in rows[2:]] == [r[2:] for r in rows[:2]]

    score = {c.name: None for c in _table(KeptScoreRow).columns}
    score |= {
        "forecaster": "alice",
        "kind": "binary",
        "forecast": "0.7",
        "made_at": AT,
        "first_at": AT - timedelta(days=3),
        "n_forecasts": 2,
        "n_backdated": 0,
        "coverage": 0.25,
        "p": 0.7,
        "brier": 0.09,
        "seq": 41,
    }
    # A float column given an int in one row and a float in another.
    second = score | {"coverage": 1, "brier": 0, "in_interval": True, "seq": 70_000}
    _both(
        store,
        KeptScoreRow,
        [score | {"question_id": "Q0"}, second | {"question_id": "Q1"}],
        [score | {"question_id": "Q2"}, second | {"question_id": "Q3"}],
    )
    kept = _stored(store, "kept_score", "question_id")
    assert [r[1:] for r in kept[2:]] == [r[1:] for r in kept[:2]]
    assert [r[0] for r in kept] == questions


def test_no_rows_is_no_statement(store: Store) -> None:
    with store.transaction() as session:
        insert_rows(session.connection(), _table(ResolutionRow), [])
    assert store.resolutions() == []


def test_updates_set_each_rows_values_and_the_fixed_assignments(
    store: Store, questions: list[str]
) -> None:
    checks = _table(ResolutionCheckRow)
    with store.transaction() as session:
        conn = session.connection()
        conn.execute(checks.update().values(attempts=2, claimed_by="w1"))
        # Q0 and Q1 by Core, Q2 and Q3 in bulk, the same values; the key comes first.
        values = [
            {"last_checked_at": AT, "last_error": "error: HTTP 503", "next_check_at": None},
            {"last_checked_at": AT, "last_error": None, "next_check_at": AT + timedelta(1)},
        ]
        for qid, row in zip(questions[:2], values, strict=True):
            conn.execute(
                checks.update()
                .where(checks.c.question_id == qid)
                .values(**row, state="needs_review", attempts=checks.c.attempts + 1)
            )
        rows = [
            {"question_id": qid, **row, "state": "needs_review"}
            for qid, row in zip(questions[2:], values, strict=True)
        ]
        update_rows(conn, checks, rows, also="attempts = attempts + 1")
    stored = _stored(store, "resolution_check", "question_id")
    assert [r[1:] for r in stored[2:]] == [r[1:] for r in stored[:2]]
    by_id = {r[0]: r for r in stored}
    assert by_id["Q3"][1:3] == ("needs_review", 3)


@pytest.mark.usefixtures("questions")
def test_reserved_ids_follow_the_ones_taken_and_are_not_given_twice(store: Store) -> None:
    evidence = _table(EvidenceRow)
    row = {
        "question_id": "Q0",
        "url": "https://example.org/a",
        "fetched_at": AT,
        "status": 200,
        "content_type": "application/json",
        "sha256": "ab" * 32,
        "size": 2,
        "body": b"{}",
        "excerpt": None,
        "recorded": False,
    }
    with store.transaction() as session:
        conn = session.connection()
        first = conn.execute(insert(evidence).returning(evidence.c.id), [row]).scalar_one()
        ids = reserve_ids(conn, evidence, 3)
        insert_rows(conn, evidence, [{"id": i, **row} for i in ids])
        after = conn.execute(insert(evidence).returning(evidence.c.id), [row]).scalar_one()
        assert reserve_ids(conn, evidence, 0) == []
    assert ids == [first + 1, first + 2, first + 3]
    assert after > ids[-1]
