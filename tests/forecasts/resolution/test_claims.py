"""Claiming due questions: the order a sweep takes them in, and that a claim reads only as far
as its batch (an index walk), however many questions are pending."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text, update

from forecasts.db.checks import claim_due
from forecasts.db.convert import question_row
from forecasts.db.store import Store, open_store
from forecasts.db.tables import ResolutionCheckRow
from tests.factories import make_question

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
NOW = datetime(2027, 1, 5, 12, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def _spec(url: str) -> dict[str, Any]:
    return {"source": "http_json", "url": url, "path": "$.v", "op": ">=", "threshold": 1}


def _add_rows(store: Store, ids: list[str], *, urls: int = 0, **timing: str) -> None:
    """Question and check rows in one transaction (the claim reads nothing else); with
    ``urls``, question ``i`` reads URL ``i % urls``."""
    questions = [
        make_question(qid, **timing)
        if not urls
        else make_question(qid, resolution=_spec(f"http://s.test/{i % urls}"), **timing)
        for i, qid in enumerate(ids)
    ]
    with store.transaction() as session:
        session.add_all([question_row(q) for q in questions])
        session.flush()
        session.add_all([ResolutionCheckRow(question_id=qid) for qid in ids])


def _set_checks(store: Store, ids: list[str], **values: Any) -> None:
    with store.transaction() as session:
        check = ResolutionCheckRow.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(check).where(check.c.question_id.in_(ids)).values(**values)
        )


def _claim(
    store: Store, worker: str, limit: int, shard: tuple[int, int] | None = None
) -> list[str]:
    claimed = claim_due(
        store, worker=worker, as_of=AS_OF, now=NOW, lease=LEASE, limit=limit, shard=shard
    )
    return list(claimed)


def test_never_checked_questions_come_first_then_by_next_check(store: Store) -> None:
    _add_rows(store, ["Q1", "Q3", "Q4", "Q5", "Q6", "Q8"])
    _add_rows(store, ["Q7"], resolve_on="2027-06-01")  # not due yet
    _set_checks(store, ["Q4"], next_check_at=AS_OF - timedelta(hours=1), attempts=2)
    _set_checks(store, ["Q5"], next_check_at=AS_OF - timedelta(hours=2), attempts=1)
    _set_checks(store, ["Q6"], next_check_at=AS_OF + timedelta(hours=1))  # retry not yet
    _set_checks(store, ["Q8"], claimed_by="other", claimed_until=NOW + LEASE)

    first = claim_due(store, worker="w1", as_of=AS_OF, now=NOW, lease=LEASE, limit=3)
    rest = _claim(store, "w2", 10)

    assert list(first.items()) == [("Q1", 0), ("Q3", 0), ("Q5", 1)]
    assert rest == ["Q4"]
    assert _claim(store, "w3", 10) == []


def test_a_claim_filled_by_never_checked_questions_reads_no_further(store: Store) -> None:
    _add_rows(store, ["Q1", "Q2"])
    _set_checks(store, ["Q1"], next_check_at=AS_OF - timedelta(days=1))

    assert _claim(store, "w1", 1) == ["Q2"]
    assert _claim(store, "w1", 1) == ["Q1"]


@contextmanager
def _claim_reads(store: Store) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs on resolution_check that run inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "resolution_check" in statement:
            seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", listen)


def _work(store: Store, statement: str, parameters: Any) -> int:
    """How much of resolution_check one claim read takes: on PostgreSQL the rows its scans
    return (EXPLAIN ANALYZE, rolled back), on SQLite the virtual machine steps it runs."""
    with store.engine.connect() as connection:
        if store.engine.dialect.name == "sqlite":
            steps = [0]

            def count() -> int:
                steps[0] += 1
                return 0

            raw = connection.connection.driver_connection
            raw.set_progress_handler(count, 1)
            try:
                connection.exec_driver_sql(statement, parameters).all()
            finally:
                raw.set_progress_handler(None, 1)
            return steps[0]
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        ).scalar_one()
        connection.rollback()
    nodes, rows = [plan[0]["Plan"]], 0
    while nodes:
        node = nodes.pop()
        if node.get("Relation Name") == "resolution_check":
            rows += int(node["Actual Rows"]) * int(node["Actual Loops"])
        nodes.extend(node.get("Plans", []))
    return rows


def _claim_work(store: Store, worker: str, shard: tuple[int, int] | None = None) -> int:
    with _claim_reads(store) as reads:
        assert len(_claim(store, worker, 10, shard)) == 10
    assert reads
    return sum(_work(store, statement, parameters) for statement, parameters in reads)


@pytest.mark.parametrize("checked", [False, True], ids=["never-checked", "checked-before"])
def test_a_claim_costs_the_same_with_ten_times_as_many_pending_questions(
    store: Store, checked: bool
) -> None:
    def add(ids: list[str]) -> None:
        _add_rows(store, ids)
        if checked:
            _set_checks(store, ids, next_check_at=AS_OF - timedelta(hours=1), attempts=1)
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))

    add([f"Q{i:05d}" for i in range(400)])
    few = _claim_work(store, "w1")
    add([f"Q{i:05d}" for i in range(400, 4000)])
    many = _claim_work(store, "w2")

    # Sorting every pending question to find the first ten makes this about 10x.
    assert many < 2 * few, (few, many)


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    """Shards are PostgreSQL's alone (SQLite has one writer, so one worker)."""
    opened = open_store(postgres_url)
    yield opened
    opened.close()


@pytest.mark.postgres
def test_shards_split_the_questions_by_url(pg_store: Store) -> None:
    ids = [f"Q{i:04d}" for i in range(400)]
    _add_rows(pg_store, ids, urls=40)
    shards = [set(_claim(pg_store, f"w{k}", 1000, (k, 4))) for k in range(4)]

    assert sorted(q for shard in shards for q in shard) == ids  # each once, none left
    assert all(len(shard) >= 40 for shard in shards), [len(s) for s in shards]
    url_of = {qid: i % 40 for i, qid in enumerate(ids)}
    owners = {url_of[q]: k for k, shard in enumerate(shards) for q in shard}
    assert all(owners[url_of[q]] == k for k, shard in enumerate(shards) for q in shard)


@pytest.mark.postgres
def test_a_sharded_claim_costs_the_same_with_ten_times_as_many_questions(
    pg_store: Store,
) -> None:
    def add(ids: list[str]) -> None:
        _add_rows(pg_store, ids, urls=len(ids) // 4)
        with pg_store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))

    add([f"Q{i:05d}" for i in range(400)])
    few = _claim_work(pg_store, "w1", (1, 4))
    add([f"Q{i:05d}" for i in range(400, 4000)])
    many = _claim_work(pg_store, "w2", (1, 4))

    # Hashing every question's URL on each claim makes this about 10x.
    assert many < 2 * few, (few, many)
