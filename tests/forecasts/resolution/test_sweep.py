"""The sweep against a real local HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from forecasts.db.store import Store
from forecasts.db.tables import EvidenceRow, ResolutionCheckRow
from forecasts.db.verify import verify_store
from forecasts.resolution.sweep import RetryPolicy, SweepSummary, run_sweep
from forecasts.services import add_question
from sources import Fetcher, load_sources
from tests.factories import make_question
from tests.forecasts.resolution.conftest import Route, Server

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, backoff_base=timedelta(hours=1), batch_size=50)


def _clock() -> datetime:
    return datetime.now(UTC)


def _sweep(
    store: Store,
    fetcher: Fetcher,
    *,
    as_of: datetime = AS_OF,
    policy: RetryPolicy = POLICY,
    **kw: Any,
) -> SweepSummary:
    return run_sweep(
        store,
        load_sources("forecasts.sources"),
        fetcher,
        as_of=as_of,
        clock=_clock,
        worker="w1",
        policy=policy,
        **kw,
    )


def _spec(server: Server, path: str = "/v", **rule: Any) -> dict[str, Any]:
    return {"source": "http_json", "url": server.url(path), "path": "$.data.value", **rule}


def _add(store: Store, qid: str, resolution: dict[str, Any], **fields: Any) -> None:
    add_question(
        store,
        make_question(qid, resolution=resolution, **fields),
        as_of=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _check(store: Store, qid: str) -> ResolutionCheckRow:
    with store.reading() as session:
        row = session.get(ResolutionCheckRow, qid)
        assert row is not None
        return row


def test_sweep_resolves_and_keeps_the_served_bytes(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    body = json.dumps({"data": {"value": 12.5}}).encode()
    server.routes["/v"] = Route(body)
    _add(store, "YES", _spec(server, op=">=", threshold=10))
    _add(store, "NO", _spec(server, op=">=", threshold=20))
    _add(store, "NUM", _spec(server), kind="numeric")
    _add(
        store,
        "LATER",
        _spec(server, op=">", threshold=1),
        resolve_on="2027-02-01",
        closes_at="2027-01-31",
    )
    summary = _sweep(store, fetcher)
    assert summary.counts()["resolved"] == 3
    assert server.hits["/v"] == 1
    outcomes = {r.question_id: (r.outcome, r.value) for r in store.resolutions()}
    assert outcomes == {"YES": ("yes", None), "NO": ("no", None), "NUM": ("12.5", 12.5)}
    assert "LATER" not in outcomes
    resolution = store.resolution("YES")
    assert resolution is not None and resolution.method.value == "source"
    assert resolution.evidence_sha256 == [hashlib.sha256(body).hexdigest()]
    with store.reading() as session:
        from sqlmodel import select

        rows = session.exec(select(EvidenceRow).where(EvidenceRow.question_id == "YES")).all()
    assert len(rows) == 1
    assert rows[0].sha256 == hashlib.sha256(body).hexdigest()
    assert rows[0].body == body and rows[0].status == 200
    assert verify_store(store).ok


def test_one_request_per_distinct_url_even_for_100_questions(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    server.routes["/shared"] = Route(b'{"data": {"value": 3}}')
    server.routes["/other"] = Route(b'{"data": {"value": 30}}')
    from forecasts.db.store import Store as _S  # noqa: F401

    with store.transaction() as session:
        for i in range(100):
            path = "/shared" if i % 10 else "/other"
            store.record(
                session,
                make_question(f"S{i:03d}", resolution=_spec(server, path, op=">", threshold=5)),
                as_of=AS_OF,
            )
    summary = _sweep(store, fetcher)
    assert summary.counts()["resolved"] == 100
    assert server.hits == {"/shared": 1, "/other": 1}
    outcomes = {r.question_id: r.outcome for r in store.resolutions()}
    assert outcomes["S000"] == "yes" and outcomes["S001"] == "no"


def test_same_sweep_twice_changes_nothing(store: Store, server: Server, fetcher: Fetcher) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 1}}')
    server.routes["/broken"] = Route(b"oops", 500, "text/plain")
    _add(store, "OK", _spec(server, op=">", threshold=0))
    _add(store, "BAD", _spec(server, "/broken", op=">", threshold=0))
    first = _sweep(store, fetcher)
    assert first.counts()["resolved"] == 1 and first.counts()["failed"] == 1
    head = store.ledger_head()
    checks_before = _check(store, "BAD").attempts
    second = _sweep(store, fetcher)
    assert second.results == []
    assert store.ledger_head() == head
    assert _check(store, "BAD").attempts == checks_before


def _failure_routes(server: Server) -> dict[str, tuple[dict[str, Any], str]]:
    big = b'{"data": {"value": 1}, "pad": "' + b"x" * 200_000 + b'"}'
    server.routes.update(
        {
            "/slow": Route(b'{"data": {"value": 1}}', delay=3.0),
            "/500": Route(b"boom", 500, "text/plain"),
            "/429": Route(b"slow down", 429, "text/plain", {"Retry-After": "7200"}),
            "/html": Route(b"<html><body>Maintenance</body></html>", 200, "text/html"),
            "/trunc": Route(b'{"data": {"val', 200),
            "/big": Route(big, 200),
            "/nomatch": Route(b'{"data": {"other": 1}}', 200),
            "/redirect": Route(b"", 302, "text/plain", {"Location": "http://169.254.169.254/x"}),
            "/csv": Route(b"date,value\n2027-03-01,5\n", 200, "text/csv"),
        }
    )
    closed = "http://127.0.0.1:9/v"
    return {
        "timeout": (_spec(server, "/slow", op=">", threshold=0), "retryable"),
        "refused": (
            {
                "source": "http_json",
                "url": closed,
                "path": "$.data.value",
                "op": ">",
                "threshold": 0,
            },
            "retryable",
        ),
        "500": (_spec(server, "/500", op=">", threshold=0), "500"),
        "429": (_spec(server, "/429", op=">", threshold=0), "429"),
        "html": (_spec(server, "/html", op=">", threshold=0), "error"),
        "truncated": (_spec(server, "/trunc", op=">", threshold=0), "error"),
        "too_big": (_spec(server, "/big", op=">", threshold=0), "error"),
        "no_match": (_spec(server, "/nomatch", op=">", threshold=0), "matched nothing"),
        "private_redirect": (_spec(server, "/redirect", op=">", threshold=0), "error"),
        "not_yet": (
            {
                "source": "csv",
                "url": server.url("/csv"),
                "column": "value",
                "date_column": "date",
                "on_or_before": "2027-01-04",
                "op": ">",
                "threshold": 0,
            },
            "not yet",
        ),
    }


FAILURES = [
    "timeout",
    "refused",
    "500",
    "429",
    "html",
    "truncated",
    "too_big",
    "no_match",
    "private_redirect",
    "not_yet",
]


@pytest.mark.parametrize("case", FAILURES)
def test_failures_never_produce_an_outcome_and_end_in_review(
    store: Store, server: Server, case: str, policy: Any
) -> None:
    from sources import Fetcher, HttpPolicy, make_client

    spec, expected = _failure_routes(server)[case]
    if case == "private_redirect":  # the guard on, with only the test server let through
        guarded = HttpPolicy(
            user_agent="forecasts-tests",
            allow_private=False,
            allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}),
            retries=0,
        )
        client = make_client(guarded)
        fetcher = Fetcher(client, guarded)
    else:
        client = make_client(policy)
        fetcher = Fetcher(client, policy)
    _add(store, "F", spec)
    head = store.ledger_head()
    as_of = AS_OF
    results = []
    for _ in range(POLICY.max_attempts):
        summary = _sweep(store, fetcher, as_of=as_of)
        assert [r.question_id for r in summary.results] == ["F"]
        results.append(summary.results[0])
        check = _check(store, "F")
        assert check.last_error is not None and expected in check.last_error.lower()
        assert store.resolution("F") is None
        if check.next_check_at is None:
            break
        as_of = check.next_check_at.replace(tzinfo=UTC)
    client.close()
    assert [r.result for r in results][:-1] == [("pending" if case == "not_yet" else "failed")] * (
        len(results) - 1
    )
    assert results[-1].result == "needs_review"
    assert _check(store, "F").state == "needs_review"
    # Failed attempts write nothing to the ledger; the move to review is one event.
    assert store.ledger_head().seq == head.seq + 1
    if case == "429":  # Retry-After (2 h) outweighs the 1 h backoff
        assert results[0].next_check_at == AS_OF + timedelta(hours=2)
    if case == "private_redirect":
        assert server.hits["/redirect"] >= 1


def test_deadline_question_yes_when_seen_no_only_after_deadline(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 4}}')
    _add(
        store,
        "DL",
        _spec(server, op=">=", threshold=5),
        resolve_on=None,
        deadline="2027-03-01",
        check_every="7d",
    )
    first = _sweep(store, fetcher)
    assert first.results[0].result == "pending"
    assert first.results[0].next_check_at == AS_OF + timedelta(days=7)
    assert store.resolution("DL") is None
    after = _sweep(store, fetcher, as_of=datetime(2027, 3, 2, tzinfo=UTC))
    assert after.results[0].outcome == "no"

    _add(
        store,
        "DL2",
        _spec(server, "/w", op=">=", threshold=5),
        resolve_on=None,
        deadline="2027-03-01",
    )
    server.routes["/w"] = Route(b'{"data": {"value": 9}}')
    seen = _sweep(store, fetcher, as_of=datetime(2027, 1, 10, tzinfo=UTC))
    assert [(r.question_id, r.outcome) for r in seen.results] == [("DL2", "yes")]


def test_derived_and_combined_rules(store: Store, server: Server, fetcher: Fetcher) -> None:
    server.routes["/us"] = Route(b'{"data": {"value": 500}}')
    server.routes["/cn"] = Route(b'{"data": {"value": 100}}')
    a, b = _spec(server, "/us"), _spec(server, "/cn")
    _add(store, "RATIO", {"rule": "ratio", "a": a, "b": b}, kind="numeric")
    _add(store, "R10", {"rule": "ratio", "a": a, "b": b, "op": ">=", "threshold": 10})
    _add(
        store,
        "ALL",
        {
            "rule": "all",
            "of": [
                _spec(server, "/us", op=">", threshold=100),
                _spec(server, "/cn", op=">", threshold=50),
            ],
        },
    )
    _add(
        store,
        "ANY",
        {
            "rule": "any",
            "of": [
                _spec(server, "/us", op="<", threshold=100),
                _spec(server, "/cn", op="<", threshold=50),
            ],
        },
    )
    _sweep(store, fetcher)
    got = {r.question_id: (r.outcome, r.value) for r in store.resolutions()}
    assert got == {
        "RATIO": ("5.0", 5.0),
        "R10": ("no", None),
        "ALL": ("yes", None),
        "ANY": ("no", None),
    }
    assert server.hits == {"/us": 1, "/cn": 1}
    assert len(store.resolution("ALL").evidence_sha256) == 2  # type: ignore[union-attr]


def test_specs_are_checked_when_a_question_is_added(store: Store) -> None:
    from forecasts.errors import FieldError

    with pytest.raises(FieldError, match="resolution.source: No source named 'nosuch'"):
        _add(store, "X", {"source": "nosuch"})
    with pytest.raises(FieldError, match="resolution.of"):
        _add(store, "Y", {"rule": "all", "of": []})
    assert store.question("X") is None and store.ledger_head().seq == 0


def test_dry_run_writes_nothing(store: Store, server: Server, fetcher: Fetcher) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 1}}')
    _add(store, "D", _spec(server, op=">", threshold=0))
    head = store.ledger_head()
    summary = _sweep(store, fetcher, dry_run=True)
    assert summary.results[0].result == "resolved" and summary.results[0].outcome == "yes"
    assert store.ledger_head() == head and store.resolution("D") is None
    assert _check(store, "D").claimed_by is None
    assert _sweep(store, fetcher).counts()["resolved"] == 1


def test_a_bad_spec_goes_to_review_with_the_reason(store: Store, fetcher: Fetcher) -> None:
    # e.g. a source plugin uninstalled after the question was recorded
    with store.transaction() as session:
        store.record(session, make_question("X", resolution={"source": "nosuch"}), as_of=AS_OF)
    summary = _sweep(store, fetcher)
    assert summary.results[0].result == "needs_review"
    assert "no source named 'nosuch'" in (_check(store, "X").last_error or "").lower()
    assert store.resolution("X") is None


def test_verify_rehashes_stored_evidence(
    store: Store, server: Server, fetcher: Fetcher, database_url: str
) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 12}}')
    _add(store, "E", _spec(server, op=">", threshold=10))
    _sweep(store, fetcher)
    assert verify_store(store).ok
    from sqlalchemy import text

    from forecasts.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE evidence SET body = :b"), {"b": b'{"data": {"value": 9}}'})
    engine.dispose()
    problems = verify_store(store).problems
    assert any("stored bytes no longer match their SHA-256" in p for p in problems)
