"""Several sweep worker processes on one PostgreSQL database, and a worker that dies mid-sweep.

Each worker is a real ``python -m forecasts resolve --due`` process; the sources are a real
HTTP server on 127.0.0.1. Whatever the interleaving, every question is resolved exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from forecasts.db.checks import claim_due, ensure_checks
from forecasts.db.store import Store, open_store
from forecasts.db.verify import verify_store
from forecasts.resolution.sweep import RetryPolicy, run_sweep
from sources import Fetcher, HttpPolicy, load_sources, make_client
from tests.factories import make_question
from tests.forecasts.resolution.conftest import Route, Server

pytestmark = pytest.mark.postgres

CREATED = datetime(2025, 1, 1, tzinfo=UTC)
TIMING = {"opens_at": "2025-01-01", "closes_at": "2025-06-01", "resolve_on": "2025-06-02"}
AS_OF = datetime(2025, 7, 1, tzinfo=UTC)


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    opened = open_store(postgres_url)
    yield opened
    opened.close()


def _add_many(store: Store, server: Server, paths: list[str], *, prefix: str = "Q") -> list[str]:
    """One due question per path (``>= 15`` on the served value), all in one transaction."""
    ids = [f"{prefix}{i:04d}" for i in range(len(paths))]
    with store.transaction() as session:
        for qid, path in zip(ids, paths, strict=True):
            spec = {
                "source": "http_json",
                "url": server.url(path),
                "path": "$.data.value",
                "op": ">=",
                "threshold": 15,
            }
            store.record(session, make_question(qid, resolution=spec, **TIMING), as_of=CREATED)
    return ids


def _value_route(value: int, *, delay: float = 0.0) -> Route:
    return Route(json.dumps({"data": {"value": value}}).encode(), delay=delay)


def _env() -> dict[str, str]:
    return {**os.environ, "FORECASTS_ALLOW_PRIVATE_SOURCES": "1"}


def _worker(url: str, name: str, cwd: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "forecasts", "resolve", "--due", "--db", url, "--json"]
        + ["--worker", name, *extra],
        env=_env(),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"worker did not finish in {timeout}s: {err[-2000:]}")
    assert proc.returncode == 0, err[-2000:]
    summary: dict[str, Any] = json.loads(out)
    return summary


def _attempts(store: Store) -> list[tuple[str, str, str | None]]:
    with store.reading() as session:
        rows = session.execute(
            text("SELECT question_id, result, worker FROM resolution_attempt ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _resolved_ids(store: Store) -> Counter[str]:
    return Counter(r.question_id for r in store.resolutions())


def test_four_workers_resolve_2000_questions_exactly_once(
    pg_store: Store, postgres_url: str, server: Server, tmp_path: Path
) -> None:
    values = {f"/v{i}": v for i, v in enumerate((3, 12, 15, 27, 40))}
    for path, value in values.items():
        server.routes[path] = _value_route(value, delay=0.005)
    paths = [f"/v{i % len(values)}" for i in range(2000)]
    ids = _add_many(pg_store, server, paths)
    head_before = pg_store.ledger_head()

    procs = [
        _worker(postgres_url, f"w{i}", tmp_path, "--batch", "50", "--lease", "10m")
        for i in range(4)
    ]
    summaries = [_finish(p) for p in procs]

    # The JSON summaries: together they resolved every question, no question twice.
    reported = Counter(
        r["question_id"] for s in summaries for r in s["results"] if r["result"] == "resolved"
    )
    assert sum(s["counts"]["resolved"] for s in summaries) == 2000
    assert reported == Counter(ids)

    # The database agrees: one resolution and one (resolved) attempt per question.
    resolutions = pg_store.resolutions()
    assert len(resolutions) == 2000
    assert _resolved_ids(pg_store) == Counter(ids)
    expected = {
        qid: ("yes" if values[p] >= 15 else "no") for qid, p in zip(ids, paths, strict=True)
    }
    assert {r.question_id: r.outcome for r in resolutions} == expected
    attempts = _attempts(pg_store)
    assert Counter(q for q, _, _ in attempts) == Counter(ids)
    assert {result for _, result, _ in attempts} == {"resolved"}
    by_worker = Counter(w for _, _, w in attempts)
    assert set(by_worker) <= {"w0", "w1", "w2", "w3"}
    assert len(by_worker) >= 2, f"one worker did everything: {by_worker}"
    for summary in summaries:
        assert by_worker[summary["worker"]] == summary["counts"]["resolved"]

    # Ledger: per question a resolution event and its evidence's event, appended to an
    # intact chain; nothing left claimed.
    assert pg_store.ledger_head().seq == head_before.seq + 2 * 2000
    report = verify_store(pg_store)
    assert report.ok, report.problems[:5]
    with pg_store.reading() as session:
        rows = session.execute(
            text("SELECT state, count(*) FROM resolution_check GROUP BY state")
        ).all()
        states = {row[0]: row[1] for row in rows}
        claimed = session.execute(
            text("SELECT count(*) FROM resolution_check WHERE claimed_by IS NOT NULL")
        ).scalar_one()
    assert states == {"resolved": 2000}
    assert claimed == 0
    # Each distinct URL was fetched at most once per worker.
    assert all(server.hits[path] <= 4 for path in values)


def _claims(store: Store, worker: str) -> dict[str, datetime]:
    with store.reading() as session:
        rows = session.execute(
            text("SELECT question_id, claimed_until FROM resolution_check WHERE claimed_by = :w"),
            {"w": worker},
        ).all()
    return {r[0]: r[1] for r in rows}


def test_a_killed_worker_loses_nothing_and_its_claims_come_back_after_the_lease(
    pg_store: Store, postgres_url: str, server: Server, tmp_path: Path
) -> None:
    # A's first batch (the first 20 ids) reads /slow, which hangs; the rest read /fast.
    server.routes["/slow"] = _value_route(20, delay=10.0)
    server.routes["/fast"] = _value_route(5)
    ids = _add_many(pg_store, server, ["/slow"] * 20 + ["/fast"] * 20)
    slow_ids, fast_ids = set(ids[:20]), set(ids[20:])
    head_before = pg_store.ledger_head()

    # The lease must outlast B's start-up (about a second, more on a busy machine), or B
    # would legitimately take A's questions in its first run.
    worker_a = _worker(postgres_url, "A", tmp_path, "--batch", "20", "--lease", "6s")
    try:
        deadline = time.monotonic() + 30
        claims: dict[str, datetime] = {}
        while time.monotonic() < deadline and worker_a.poll() is None:
            claims = _claims(pg_store, "A")
            if claims and server.hits["/slow"]:
                break
            time.sleep(0.05)
        assert set(claims) == slow_ids, "worker A never claimed its first batch"
        os.kill(worker_a.pid, signal.SIGKILL)
    finally:
        worker_a.kill()
        worker_a.communicate()
    assert worker_a.returncode == -signal.SIGKILL
    assert pg_store.ledger_head() == head_before  # A died before writing anything

    # B, straight away: takes only what A has not claimed.
    first = _finish(_worker(postgres_url, "B", tmp_path, "--batch", "20"))
    lease_end = max(claims.values())
    assert datetime.now(UTC) < lease_end, "B ran past A's lease; the check proves nothing"
    assert {r["question_id"] for r in first["results"]} == fast_ids
    assert first["counts"]["resolved"] == 20
    assert _resolved_ids(pg_store) == Counter(fast_ids)
    assert set(_claims(pg_store, "A")) == slow_ids  # A's claims are untouched
    assert server.hits["/slow"] == 1  # only A asked for it

    # Once A's lease has run out, B picks its questions up.
    server.routes["/slow"] = _value_route(20)
    time.sleep(max(0.0, (lease_end - datetime.now(UTC)).total_seconds()) + 0.2)
    second = _finish(_worker(postgres_url, "B", tmp_path, "--batch", "20"))
    assert {r["question_id"] for r in second["results"]} == slow_ids
    assert second["counts"]["resolved"] == 20

    assert _resolved_ids(pg_store) == Counter(ids)
    outcomes = {r.question_id: r.outcome for r in pg_store.resolutions()}
    assert outcomes == {q: "yes" if q in slow_ids else "no" for q in ids}
    attempts = _attempts(pg_store)
    assert Counter(q for q, _, _ in attempts) == Counter(ids)
    assert {(result, worker) for _, result, worker in attempts} == {("resolved", "B")}
    assert _claims(pg_store, "A") == {}
    assert pg_store.ledger_head().seq == head_before.seq + 2 * 40  # resolution + evidence
    report = verify_store(pg_store)
    assert report.ok, report.problems[:5]


@pytest.mark.postgres
def test_shards_split_the_due_questions_by_url(pg_store: Store, server: Server) -> None:
    paths = [f"/s{i % 12}" for i in range(120)]
    ids = _add_many(pg_store, server, paths)
    url_of = dict(zip(ids, paths, strict=True))
    ensure_checks(pg_store)  # the sweep's first step: a check row per question
    now = datetime.now(UTC)
    claimed: dict[int, dict[str, int]] = {}
    for k in range(3):
        claimed[k] = claim_due(
            pg_store, worker=f"w{k}", as_of=AS_OF, now=now, lease=timedelta(minutes=5),
            limit=1000, shard=(k, 3),
        )  # fmt: skip
    # The three shards partition the due questions, and one URL's questions share a shard.
    assert sorted(q for qs in claimed.values() for q in qs) == sorted(ids)
    shard_of_url = {url_of[q]: k for k, qs in claimed.items() for q in qs}
    assert all(url_of[q] in shard_of_url and shard_of_url[url_of[q]] == k
               for k, qs in claimed.items() for q in qs)  # fmt: skip
    assert len(set(shard_of_url.values())) > 1


@pytest.mark.postgres
def test_a_sharded_sweep_takes_the_other_shards_when_its_own_is_done(
    pg_store: Store, server: Server
) -> None:
    for i in range(6):
        server.routes[f"/h{i}"] = _value_route(20)
    ids = _add_many(pg_store, server, [f"/h{i % 6}" for i in range(60)])
    policy = HttpPolicy(user_agent="forecasts-tests", allow_private=True, retries=0)
    client = make_client(policy)
    try:
        summary = run_sweep(
            pg_store, load_sources("forecasts.sources"), Fetcher(client, policy), as_of=AS_OF,
            clock=lambda: datetime.now(UTC), worker="w1", policy=RetryPolicy(batch_size=7),
            shard=(1, 4),
        )  # fmt: skip
    finally:
        client.close()
    assert summary.counts()["resolved"] == 60
    assert _resolved_ids(pg_store) == Counter(ids)
    # Each of the six URLs was fetched once even though claims came in batches of 7.
    assert sum(server.hits[f"/h{i}"] for i in range(6)) == 6
