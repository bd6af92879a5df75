"""The store and the ledger on both databases: appends, atomicity, the head."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from forecasts.db.store import Store
from forecasts.db.verify import verify_store
from forecasts.errors import ConflictError
from forecasts.ledger import GENESIS_HASH, chain_hash
from forecasts.services import add_forecast, add_forecaster, add_question
from forecasts.timeutils import as_utc
from tests.factories import AS_OF, make_forecast_input, make_forecaster, make_question


def test_each_write_appends_one_chained_event(store: Store) -> None:
    assert store.ledger_head().seq == 0
    assert store.ledger_head().hash == GENESIS_HASH
    add_forecaster(store, make_forecaster(), as_of=AS_OF)
    add_question(store, make_question(), as_of=AS_OF)
    forecast = add_forecast(store, make_forecast_input(), as_of=AS_OF)
    head = store.ledger_head()
    assert head.seq == 3
    with store.reading() as session:
        events = list(store.events(session))
    assert [e.kind for e in events] == [
        "forecaster.created",
        "question.created",
        "forecast.created",
    ]
    assert events[2].entity_id == forecast.id
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
        assert event.hash == chain_hash(previous.hash, event.payload)
    assert head.hash == events[-1].hash
    assert verify_store(store).ok


def test_a_failed_batch_writes_no_row_and_no_event(store: Store) -> None:
    add_forecaster(store, make_forecaster("alice"), as_of=AS_OF)
    before = store.ledger_head()
    with pytest.raises(ConflictError), store.transaction() as session:
        store.record(session, make_forecaster("bob"), as_of=AS_OF)
        store.record(session, make_forecaster("alice"), as_of=AS_OF)
    assert store.ledger_head() == before
    assert [f.handle for f in store.forecasters()] == ["alice"]


def test_round_trip_of_every_field(store: Store) -> None:
    add_forecaster(store, make_forecaster(affiliation="Lab"), as_of=AS_OF)
    question = make_question(
        kind="numeric",
        scale={"log_scale": True, "lower": 1, "unit": "x"},
        tags=["a", "b"],
        operationalization={"note": "n", "by": "alice", "alternatives": ["z"]},
        check_every="7d",
        resolution={"source": "manual"},
    )
    add_question(store, question, as_of=AS_OF)
    assert store.question("Q1") == question
    entry = make_forecast_input(
        p=None,
        quantiles={0.1: 1.5, 0.9: 9.0},
        source="https://x",
        quote="q",
        published_at="2026-01-31",
    )
    forecast = add_forecast(store, entry, as_of=AS_OF)
    assert store.forecasts(question_id="Q1") == [forecast]


def test_questions_read_in_bulk_are_those_read_one_by_one(store: Store) -> None:
    # The sweep loads its claimed questions in bulk, by another path than a single read.
    questions = [
        make_question(
            "N1",
            kind="numeric",
            scale={"log_scale": True, "lower": 1, "unit": "x"},
            tags=["a", "b"],
            operationalization={"note": "n", "by": "alice", "alternatives": ["z"]},
            check_every="7d",
            resolution={"source": "manual"},
            closes_at="2026-11-30T12:34:56.789012+00:00",
        ),
        make_question(
            "C1",
            kind="multiple_choice",
            options=["red", "green"],
            resolve_on=None,
            deadline="2027-03-01T06:00:00+00:00",
            notes="picked by hand",
            criteria="Which colour?",
        ),
        make_question("B1", closes_at="2026-10-01"),
    ]
    for question in questions:
        add_question(store, question, as_of=AS_OF)
    bulk = store.questions(ids=["C1", "B1", "N1", "missing"])
    assert [q.id for q in bulk] == ["B1", "N1", "C1"]  # by closing time; unknown ids left out
    assert bulk == [store.question(q.id) for q in bulk]
    assert {q.id: q for q in bulk} == {q.id: q for q in questions}
    assert store.questions() == bulk


def test_the_head_says_when_its_event_was_recorded(store: Store) -> None:
    empty = store.ledger_head()
    assert (empty.seq, empty.hash, empty.recorded_at) == (0, GENESIS_HASH, None)
    add_forecaster(store, make_forecaster(), as_of=AS_OF)
    head = store.ledger_head()
    assert head.seq == 1 and head.recorded_at == AS_OF
    assert head.hash == store.head_version().split(":")[1]


def test_a_chain_that_takes_the_head_late_never_moves_time_backwards(store: Store) -> None:
    # A sweep batch builds its payloads before it takes the head; an event whose time is
    # earlier than the head's is recorded at the head's time instead, payload and all.
    late = datetime(2027, 2, 1, tzinfo=UTC)
    add_forecaster(store, make_forecaster("first"), as_of=late)
    with store.transaction() as session, store.chained(session, late=True):
        store.record(session, make_forecaster("second"), as_of=late - timedelta(days=31))
        store.record(session, make_forecaster("third"), as_of=late + timedelta(days=1))
    with store.reading() as session:
        events = [(e.entity_id, as_utc(e.recorded_at), e.payload) for e in store.events(session)]
    assert [(who, at) for who, at, _ in events] == [
        ("first", late),
        ("second", late),
        ("third", late + timedelta(days=1)),
    ]
    assert all(json.loads(payload)["recorded_at"] == at.isoformat() for _, at, payload in events)
    report = verify_store(store)
    assert report.ok, report.problems[:5]


def test_current_outcomes_of_some_questions_are_those_of_all_of_them(store: Store) -> None:
    from forecasts.domain import Correction, Resolution
    from forecasts.services import add_correction, add_resolution

    for qid in ("R1", "R2", "R3", "R4"):
        add_question(store, make_question(qid), as_of=AS_OF)
    at = datetime(2027, 1, 2, tzinfo=UTC)
    for qid, outcome in (("R1", "yes"), ("R2", "no"), ("R3", "annulled")):
        add_resolution(store, Resolution(question_id=qid, outcome=outcome, resolved_at=at),
                       as_of=at)  # fmt: skip
    for outcome, previous in (("yes", "no"), ("no", "yes")):  # corrected twice: the last wins
        fix = Correction(question_id="R2", outcome=outcome, previous_outcome=previous,
                         corrected_at=at, by="admin", reason="misread")  # fmt: skip
        add_correction(store, fix, as_of=at)
    everything = store.current_outcomes()
    assert everything == {"R1": "yes", "R2": "no", "R3": "annulled"}
    assert store.current_outcomes(ids=["R2", "R4", "nope"]) == {"R2": "no"}
    assert store.current_outcomes(ids=[]) == {}
    # The same as from the validated rows.
    rebuilt = {r.question_id: r.outcome for r in store.resolutions()}
    rebuilt.update({c.question_id: c.outcome for c in store.corrections()})
    assert rebuilt == everything
