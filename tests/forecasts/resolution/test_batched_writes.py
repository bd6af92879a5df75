"""Batched sweep writes: one question's failed write (a real database trigger refusing its
resolution) is undone alone; the others in its batch keep their resolutions, evidence and
ledger events, and the chain verifies. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from forecasts.db import sweep_writes
from forecasts.db.checks import check_statuses, claim_due
from forecasts.db.evidence import StoredEvidence, evidence_of
from forecasts.db.scores import check_kept
from forecasts.db.store import Store, open_store
from forecasts.db.sweep_writes import AttemptWrite, ResolutionWrite, write_batch
from forecasts.db.verify import verify_store
from forecasts.domain import Resolution, ResolutionMethod
from forecasts.resolution.sweep import RetryPolicy, SweepSummary, run_sweep
from forecasts.services import add_forecast, add_forecaster, add_question
from sources import Fetcher, HttpPolicy, load_sources, make_client
from tests.factories import make_forecast_input, make_forecaster, make_question
from tests.forecasts.resolution.conftest import Route, Server

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
BAD = "Q02"


def _refuse_resolution_of(store: Store, question_id: str) -> None:
    """A trigger that makes the database refuse one question's resolution row."""
    with store.transaction() as session:
        if store.engine.dialect.name == "sqlite":
            session.execute(
                text(
                    "CREATE TRIGGER refuse_one BEFORE INSERT ON resolution "
                    f"WHEN NEW.question_id = '{question_id}' "
                    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.question_id = '{question_id}' THEN "
                    "RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse_one BEFORE INSERT ON resolution "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_one()"
                )
            )


def _add(store: Store, server: Server, ids: list[str], **fields: Any) -> None:
    spec = {
        "source": "http_json",
        "url": server.url("/v"),
        "path": "$.data.value",
        "op": ">=",
        "threshold": 10,
    }
    for qid in ids:
        add_question(store, make_question(qid, resolution=spec, **fields), as_of=CREATED)


def test_a_refused_write_loses_only_its_own_question(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    server.routes["/v"] = Route(json.dumps({"data": {"value": 12}}).encode())
    ids = [f"Q{i:02d}" for i in range(6)]
    _add(store, server, ids)
    _refuse_resolution_of(store, BAD)
    head = store.ledger_head()

    summary = run_sweep(
        store,
        load_sources("forecasts.sources"),
        fetcher,
        as_of=AS_OF,
        clock=lambda: datetime.now(UTC),
        worker="w1",
        policy=RetryPolicy(batch_size=50, backoff_base=timedelta(hours=1)),
    )

    # All six share one URL: they are judged together and written in one batch.
    assert server.hits["/v"] == 1
    by_id = {r.question_id: r for r in summary.results}
    assert {q for q, r in by_id.items() if r.result == "resolved"} == set(ids) - {BAD}
    assert by_id[BAD].result == "failed"
    assert "injected failure" in by_id[BAD].detail
    assert {r.question_id: r.outcome for r in store.resolutions()} == {
        q: "yes" for q in ids if q != BAD
    }
    # The others' evidence is kept; the refused question has none, and its failure is
    # recorded as an attempt to retry with backoff.
    assert all(len(evidence_of(store, q)) == 1 for q in ids if q != BAD)
    assert evidence_of(store, BAD) == []
    statuses = check_statuses(store)
    assert statuses[BAD].state == "pending"
    assert statuses[BAD].attempts == 1
    assert "injected failure" in (statuses[BAD].last_error or "")
    assert statuses[BAD].next_check_at == AS_OF + timedelta(hours=1)
    assert {statuses[q].state for q in ids if q != BAD} == {"resolved"}
    # A resolution event and an evidence event per resolved question, none for the refused one.
    assert store.ledger_head().seq == head.seq + 2 * (len(ids) - 1)
    report = verify_store(store)
    assert report.ok, report.problems[:5]


def _write(qid: str, body: bytes, closes_at: datetime | None = None) -> ResolutionWrite:
    resolution = Resolution(
        question_id=qid,
        outcome="yes",
        resolved_at=AS_OF,
        method=ResolutionMethod.SOURCE,
        by="source:http_json",
        note="served 12",
        evidence_sha256=[hashlib.sha256(body).hexdigest()],
    )
    evidence = StoredEvidence(
        question_id=qid,
        url="http://127.0.0.1/v",
        fetched_at=AS_OF,
        status=200,
        content_type="application/json",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        body=body,
        excerpt=None,
        recorded=False,
    )
    return ResolutionWrite(resolution, [evidence], "served 12", closes_at)


def test_write_batch_reports_each_question_and_chains_only_what_committed(
    store: Store, server: Server
) -> None:
    ids = ["Q00", "Q01", BAD, "Q03", "Q04"]
    _add(store, server, ids)
    _refuse_resolution_of(store, BAD)
    claimed = claim_due(
        store, worker="w1", as_of=AS_OF, now=datetime.now(UTC), lease=timedelta(minutes=5), limit=4
    )
    assert list(claimed) == ["Q00", "Q01", BAD, "Q03"]  # Q04 is not claimed by w1
    assert set(claimed.values()) == {0}  # no failed check yet
    head = store.ledger_head()
    writes = [
        _write("Q00", b'{"v": 0}'),
        _write("Q01", b'{"v": 1}'),
        _write(BAD, b'{"v": 2}'),
        AttemptWrite("Q03", "failed", "error: boom", AS_OF + timedelta(hours=1), True, True),
        _write("Q04", b'{"v": 4}'),
    ]

    outcomes = write_batch(store, writes, worker="w1", as_of=AS_OF)

    assert outcomes[:2] == [True, True]
    assert isinstance(outcomes[2], str) and "injected failure" in outcomes[2]
    assert outcomes[3:] == [True, False]  # Q04: not w1's claim, nothing written
    assert {r.question_id for r in store.resolutions()} == {"Q00", "Q01"}
    statuses = check_statuses(store)
    assert statuses["Q03"].state == "needs_review"
    assert statuses["Q04"].state == "pending" and statuses["Q04"].attempts == 0
    # Q00 and Q01: resolution and evidence events; Q03: its needs_review event. The refused
    # question's two events were forgotten with its savepoint, so the chain has no gap.
    assert store.ledger_head().seq == head.seq + 5
    with store.reading() as session:
        kinds = session.execute(
            text("SELECT kind, entity_id FROM ledger_event WHERE seq > :s ORDER BY seq"),
            {"s": head.seq},
        ).all()
    assert [k for k, _ in kinds] == [
        "resolution.created",
        "evidence.created",
        "resolution.created",
        "evidence.created",
        "check.needs_review",
    ]
    assert [e for k, e in kinds if k != "evidence.created"] == ["Q00", "Q01", "Q03"]
    report = verify_store(store)
    assert report.ok, report.problems[:5]


def test_a_resolution_is_committed_while_another_questions_fetch_is_still_in_flight(
    store: Store, server: Server, policy: HttpPolicy
) -> None:
    gate = threading.Event()
    server.routes["/fast"] = Route(json.dumps({"data": {"value": 12}}).encode())
    server.routes["/slow"] = Route(json.dumps({"data": {"value": 12}}).encode(), gate=gate)
    spec = {"source": "http_json", "path": "$.data.value", "op": ">=", "threshold": 10}
    add_question(
        store, make_question("FAST", resolution={**spec, "url": server.url("/fast")}), as_of=CREATED
    )
    add_question(
        store, make_question("SLOW", resolution={**spec, "url": server.url("/slow")}), as_of=CREATED
    )
    patient = policy.model_copy(update={"read_timeout": 120.0, "deadline": 180.0})
    client = make_client(patient)
    summaries: list[SweepSummary] = []

    def sweep() -> None:
        summaries.append(
            run_sweep(
                store,
                load_sources("forecasts.sources"),
                Fetcher(client, patient),
                as_of=AS_OF,
                clock=lambda: datetime.now(UTC),
                worker="w1",
                policy=RetryPolicy(batch_size=50),
            )
        )

    thread = threading.Thread(target=sweep)
    thread.start()
    try:
        for _ in range(600):  # the sweep waits on /slow until the gate opens
            if store.resolution("FAST") is not None:
                break
            thread.join(0.1)
        # FAST's resolution is committed and readable while SLOW's request is held open.
        assert store.resolution("FAST") is not None
        assert thread.is_alive()
        assert store.resolution("SLOW") is None
    finally:
        gate.set()
        thread.join(120)
        client.close()
    assert [r.result for r in summaries[0].results] == ["resolved", "resolved"]
    assert store.resolution("SLOW") is not None


def test_after_a_failed_batch_the_others_get_the_kept_scores_a_rebuild_would_give(
    store: Store, server: Server
) -> None:
    # The batch is written in one savepoint first; the refused question makes it fail, so
    # each question is written again alone. The kept scores of those written must be the
    # ones recomputed from the raw rows, and the refused question must have none.
    ids = ["Q00", "Q01", BAD, "Q03"]
    _add(store, server, ids)
    summer = datetime(2026, 6, 1, tzinfo=UTC)
    for handle in ("alice", "bob"):
        add_forecaster(store, make_forecaster(handle), as_of=summer)
    for i, qid in enumerate(ids):
        add_forecast(store, make_forecast_input(qid, "alice", p=0.6), as_of=summer)
        add_forecast(store, make_forecast_input(qid, "bob", p=0.1 + 0.2 * i), as_of=summer)
    _refuse_resolution_of(store, BAD)
    claim_due(
        store, worker="w1", as_of=AS_OF, now=datetime.now(UTC), lease=timedelta(minutes=5), limit=9
    )
    writes = [_write(qid, f'{{"v": {i}}}'.encode()) for i, qid in enumerate(ids)]

    outcomes = write_batch(store, writes, worker="w1", as_of=AS_OF)

    assert outcomes[0] is True and outcomes[1] is True and outcomes[3] is True
    assert isinstance(outcomes[2], str) and "injected failure" in outcomes[2]
    with store.reading() as session:
        conn = session.connection()
        assert check_kept(conn) == []
        kept = conn.execute(text("SELECT question_id, forecaster, brier FROM kept_score")).all()
    assert {(q, f) for q, f, _ in kept} == {
        (q, f) for q in ids if q != BAD for f in ("alice", "bob")
    }
    # bob said 0.1 + 0.2 i on a question that resolved yes
    briers = {(q, f): b for q, f, b in kept}
    assert abs(briers[("Q03", "bob")] - (1 - 0.7) ** 2) < 1e-9
    report = verify_store(store)
    assert report.ok, report.problems[:5]


@pytest.mark.parametrize("close_known", [True, False], ids=["close-given", "close-read"])
def test_a_batch_mixing_forecast_and_unforecast_questions_keeps_what_a_rebuild_would(
    store: Store, server: Server, close_known: bool
) -> None:
    # Questions nobody forecast take a shorter path to their kept rows (outcome and close
    # only: given by the sweep, which holds the question, or read back); the batch's rows
    # must still be those recomputed from the raw rows, with each question's effective
    # close (its resolution when that came first), and score rows only where someone
    # forecast.
    ids = [f"M{i:02d}" for i in range(6)]
    late = datetime(2027, 6, 1, tzinfo=UTC)  # after AS_OF: resolved before it closed
    _add(store, server, ids[:3])
    _add(store, server, ids[3:], closes_at=late, resolve_on=None, deadline=late)
    summer = datetime(2026, 6, 1, tzinfo=UTC)
    add_forecaster(store, make_forecaster("alice"), as_of=summer)
    for qid in ids[::2]:
        add_forecast(store, make_forecast_input(qid, "alice", p=0.3), as_of=summer)
    claim_due(
        store, worker="w1", as_of=AS_OF, now=datetime.now(UTC), lease=timedelta(minutes=5), limit=9
    )
    closes = {q: store.question(q).closes_at for q in ids}  # type: ignore[union-attr]
    writes = [_write(q, b'{"v": 1}', closes[q] if close_known else None) for q in ids]

    outcomes = write_batch(store, writes, worker="w1", as_of=AS_OF)

    assert outcomes == [True] * len(ids)
    with store.reading() as session:
        conn = session.connection()
        assert check_kept(conn) == []
        kept_q = conn.execute(text("SELECT question_id, outcome, close FROM kept_question")).all()
        kept_s = conn.execute(text("SELECT question_id, forecaster, brier FROM kept_score")).all()
    assert sorted((q, o) for q, o, _ in kept_q) == [(q, "yes") for q in ids]
    closed_on = {q: str(close)[:10] for q, _, close in kept_q}  # text or a datetime
    assert closed_on == {q: "2026-12-01" if q in ids[:3] else "2027-01-05" for q in ids}
    assert sorted((q, f) for q, f, _ in kept_s) == [(q, "alice") for q in ids[::2]]
    assert all(abs(b - 0.49) < 1e-9 for _, _, b in kept_s)
    report = verify_store(store)
    assert report.ok, report.problems[:5]


def test_other_ledgered_writes_go_on_while_a_sweep_batch_is_written(
    postgres_url: str, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scale-out workers all append to one chain: a batch takes the ledger head only when
    # its transaction ends, so while one worker computes and writes its batch, another (here
    # a forecast recorded through the services) appends and commits without waiting.
    store = open_store(postgres_url)
    try:
        _add(store, server, ["S1", "S2"])
        summer = datetime(2026, 6, 1, tzinfo=UTC)
        add_forecaster(store, make_forecaster("alice"), as_of=summer)
        add_forecast(store, make_forecast_input("S1", "alice", p=0.2), as_of=summer)
        add_question(store, make_question("OTHER"), as_of=CREATED)
        claim_due(
            store, worker="w1", as_of=AS_OF, now=datetime.now(UTC),
            lease=timedelta(minutes=5), limit=9,
        )  # fmt: skip
        reached, release = threading.Event(), threading.Event()
        real = sweep_writes.keep_scores_many

        def paused(session: object, ids: list[str]) -> None:
            real(session, ids)  # type: ignore[arg-type]
            reached.set()
            release.wait(60)

        monkeypatch.setattr(sweep_writes, "keep_scores_many", paused)
        outcomes: list[list[bool | str]] = []
        writer = threading.Thread(
            target=lambda: outcomes.append(
                write_batch(store, [_write("S1", b'{"v": 1}'), _write("S2", b'{"v": 2}')],
                            worker="w1", as_of=AS_OF)
            )
        )  # fmt: skip
        writer.start()
        try:
            assert reached.wait(60)
            other = threading.Thread(
                target=add_forecast,
                args=(store, make_forecast_input("OTHER", "alice", p=0.6)),
                kwargs={"as_of": summer},
            )
            other.start()
            other.join(20)
            assert not other.is_alive()  # committed while the batch is still open
            assert writer.is_alive() and store.resolution("S1") is None
        finally:
            release.set()
            writer.join(60)
        assert outcomes == [[True, True]]
        head = store.ledger_head()
        with store.reading() as session:
            conn = session.connection()
            kinds = (
                conn.execute(
                    text("SELECT kind FROM ledger_event WHERE seq > :s ORDER BY seq"),
                    {"s": head.seq - 5},
                )
                .scalars()
                .all()
            )
            stamps = conn.execute(text("SELECT DISTINCT seq FROM kept_score")).scalars().all()
            assert check_kept(conn) == []
        # The forecast made meanwhile comes first; the batch's events follow it, and its kept
        # scores carry the sequence number its events end at.
        assert kinds == ["forecast.created"] + ["resolution.created", "evidence.created"] * 2
        assert stamps == [head.seq]
        report = verify_store(store)
        assert report.ok, report.problems[:5]
    finally:
        store.close()
