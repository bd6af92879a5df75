"""Tampering as an attacker with write access to the database would, caught by `verify`.

Every case in :data:`TAMPER_CASES` starts from the same database, built through the real
CLI (a forecaster, a forecast, a question resolved by hand, one resolved by a sweep with
evidence, one the sweep gave up on, one still pending, two API tokens, one revoked) that
`verify` passes; then it changes the database directly with SQL, keeping the hash chain
valid wherever an attacker could (appended events are chained, rewritten histories are
re-hashed), and `forecasts verify` must exit 1 and name the problem. 16 cases, each run on
SQLite and on PostgreSQL: `test_the_suite_tries_sixteen_tamper_cases` states the count.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Table, insert, select, text, update

from forecasts.db.engine import make_engine
from forecasts.db.tables import LedgerEventRow, LedgerHeadRow
from forecasts.ledger import canonical_json, chain_hash, event_payload
from forecasts.timeutils import as_utc
from tests.forecasts.conftest import Cli
from tests.forecasts.resolution.conftest import Route, Server

EVENTS: Table = getattr(LedgerEventRow, "__table__")  # noqa: B009
HEAD: Table = getattr(LedgerHeadRow, "__table__")  # noqa: B009
LONG_AGO = ("--opens", "2025-01-01", "--closes", "2025-06-01", "--resolve-on", "2025-06-02")
LATER = ("--opens", "2025-01-01", "--closes", "2099-06-01", "--resolve-on", "2099-06-02")


def _recent() -> tuple[str, ...]:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    return ("--opens", "2025-01-01", "--closes", yesterday, "--resolve-on", yesterday)


def _ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@dataclass(frozen=True)
class World:
    """The database every case starts from, and the head published before tampering."""

    cli: Cli
    url: str
    published: str


@pytest.fixture
def world(cli: Cli, database_url: str, server: Server, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    server.routes["/v"] = Route(b'{"data": {"value": 12}}')
    server.routes["/broken"] = Route(b"boom", 500, "text/plain", {"Retry-After": "0"})

    def spec(path: str) -> str:
        rule = {"op": ">=", "threshold": 10, "path": "$.data.value"}
        return json.dumps({"source": "http_json", "url": server.url(path), **rule})

    _ok(cli, "forecaster", "add", "alice", "--name", "Alice")
    question = ("question", "add", "--kind", "binary", "--title")
    _ok(cli, *question, "By hand?", "--id", "Q1", *LONG_AGO)
    _ok(cli, *question, "Swept?", "--id", "SWEPT", "--resolution", spec("/v"), *_recent())
    _ok(cli, *question, "Parked?", "--id", "PARKED", "--resolution", spec("/broken"), *LONG_AGO)
    _ok(cli, *question, "Later?", "--id", "LATER", "--resolution", spec("/v"), *LATER)
    _ok(cli, "forecast", "add", "Q1", "--by", "alice", "--p", "70%", "--at", "2025-02-01",
        "--source", "https://example.org/a", "--quote", "70%")  # fmt: skip
    _ok(cli, "resolve", "Q1", "--outcome", "yes", "--by", "carol", "--note", "seen")
    swept = json.loads(_ok(cli, "resolve", "--due", "--json"))
    assert {r["question_id"]: r["result"] for r in swept["results"]} == {
        "SWEPT": "resolved",
        "PARKED": "needs_review",
    }
    _ok(cli, "token", "create", "ops", "--admin")
    _ok(cli, "token", "create", "alice-bot", "--forecaster", "alice")
    _ok(cli, "token", "revoke", "1")
    assert "ok:" in _ok(cli, "verify")
    return World(cli, database_url, _ok(cli, "ledger", "head", "--json"))


# -- what an attacker does with SQL ---------------------------------------------------------


def _one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def _event_of(conn: Connection, kind: str, entity_id: str) -> tuple[int, dict[str, Any]]:
    row = conn.execute(
        select(EVENTS.c.seq, EVENTS.c.payload).where(
            EVENTS.c.kind == kind, EVENTS.c.entity_id == entity_id
        )
    ).one()
    return int(row[0]), json.loads(row[1])


def _append(
    conn: Connection, kind: str, entity: str, entity_id: str, data: dict[str, Any], *, v: int = 2
) -> int:
    """Append a validly chained event after the head, a second later than the newest."""
    seq, prev = conn.execute(select(HEAD.c.seq, HEAD.c.hash)).one()
    newest = conn.execute(select(EVENTS.c.recorded_at).where(EVENTS.c.seq == seq)).scalar_one()
    at = as_utc(newest) + timedelta(seconds=1)
    if v == 2:
        payload = event_payload(kind, entity, entity_id, data, at.isoformat())
    else:
        payload = canonical_json({"kind": kind, "entity": entity, "id": entity_id, "data": data})
    digest = chain_hash(prev, payload)
    row = {"kind": kind, "entity_type": entity, "entity_id": entity_id, "payload": payload}
    conn.execute(
        insert(EVENTS).values(seq=seq + 1, prev_hash=prev, hash=digest, recorded_at=at, **row)
    )
    conn.execute(update(HEAD).values(seq=seq + 1, hash=digest))
    return int(seq) + 1


def _rechain_from(conn: Connection, first: int) -> None:
    """Recompute every hash from event ``first`` on, and the head: a consistent rewrite."""
    prev = conn.execute(select(EVENTS.c.prev_hash).where(EVENTS.c.seq == first)).scalar_one()
    rows = conn.execute(
        select(EVENTS.c.seq, EVENTS.c.payload).where(EVENTS.c.seq >= first).order_by(EVENTS.c.seq)
    ).all()
    for seq, payload in rows:
        digest = chain_hash(prev, payload)
        conn.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(update(HEAD).values(seq=rows[-1][0], hash=prev))


def duplicate_forecast(conn: Connection) -> str:
    forecast_id = _one(conn, "SELECT id FROM forecast")
    first, payload = _event_of(conn, "forecast.created", forecast_id)
    data = {**payload["data"], "probability": 0.1}
    second = _append(conn, "forecast.created", "forecast", forecast_id, data)
    conn.execute(text("UPDATE forecast SET probability = 0.1 WHERE id = :i"), {"i": forecast_id})
    return f"forecast {forecast_id}: created twice (events {first} and {second})"


def flipped_resolution(conn: Connection) -> str:
    first, payload = _event_of(conn, "resolution.created", "Q1")
    data = {**payload["data"], "outcome": "no"}
    second = _append(conn, "resolution.created", "resolution", "Q1", data)
    conn.execute(text("UPDATE resolution SET outcome = 'no' WHERE question_id = 'Q1'"))
    return f"resolution Q1: created twice (events {first} and {second})"


def edited_evidence(conn: Connection) -> str:
    evidence_id = _one(conn, "SELECT id FROM evidence WHERE question_id = 'SWEPT'")
    seq, _ = _event_of(conn, "evidence.created", str(evidence_id))
    conn.execute(text("UPDATE evidence SET url = 'https://elsewhere.example/', status = 203"))
    return f"evidence {evidence_id} (event {seq}): changed status (ledger 200, row 203), url"


def deleted_evidence(conn: Connection) -> str:
    evidence_id = _one(conn, "SELECT id FROM evidence WHERE question_id = 'SWEPT'")
    seq, _ = _event_of(conn, "evidence.created", str(evidence_id))
    conn.execute(text("DELETE FROM evidence WHERE id = :i"), {"i": evidence_id})
    return f"evidence {evidence_id} (event {seq}): row was deleted"


def backdated_event(conn: Connection) -> str:
    seq, _ = _event_of(conn, "forecast.created", _one(conn, "SELECT id FROM forecast"))
    moved = datetime(2025, 2, 1, tzinfo=UTC)
    conn.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(recorded_at=moved))
    return f"event {seq}: recorded_at is 2025-02-01T00:00:00+00:00 but its payload says"


def planted_token(conn: Connection) -> str:
    conn.execute(
        text(
            "INSERT INTO api_token (token_hash, name, role, created_at, revoked)"
            " VALUES (:h, 'backdoor', 'admin', :at, false)"
        ),
        {"h": "ab" * 32, "at": "2026-01-01 00:00:00"},
    )
    token_id = _one(conn, "SELECT id FROM api_token WHERE name = 'backdoor'")
    return f"token {token_id} (admin, 'backdoor'): row has no ledger event"


def unrevoked_token(conn: Connection) -> str:
    seq, _ = _event_of(conn, "token.revoked", "1")
    conn.execute(text("UPDATE api_token SET revoked = false WHERE id = 1"))
    return f"token 1: revoked by event {seq} but the row is active"


def promoted_token(conn: Connection) -> str:
    seq, _ = _event_of(conn, "token.created", "2")
    conn.execute(text("UPDATE api_token SET role = 'admin', forecaster = NULL WHERE id = 2"))
    return f'token 2 (event {seq}): changed forecaster (ledger "alice", row null), role'


def unparked_check(conn: Connection) -> str:
    seq, _ = _event_of(conn, "check.needs_review", "PARKED")
    conn.execute(text("UPDATE resolution_check SET state = 'pending' WHERE question_id = 'PARKED'"))
    return (
        f"check PARKED: state is pending but the ledger says needs_review "
        f"(sent to review by event {seq})"
    )


def silenced_check(conn: Connection) -> str:
    conn.execute(text("UPDATE resolution_check SET state = 'resolved' WHERE question_id = 'LATER'"))
    return "check LATER: state is resolved but the ledger says pending"


def updating_event(conn: Connection) -> str:
    forecast_id = _one(conn, "SELECT id FROM forecast")
    data = {"id": forecast_id, "probability": 0.1}
    seq = _append(conn, "forecast.updated", "forecast", forecast_id, data)
    return f"event {seq}: forecast.updated is not an event the ledger allows for a forecast"


def moved_event(conn: Connection) -> str:
    seq, _ = _event_of(conn, "question.created", "LATER")
    conn.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(entity_id="GHOST"))
    return f"event {seq}: columns say question.created question GHOST but its payload says"


def correction_without_resolution(conn: Connection) -> str:
    data = {
        "question_id": "LATER", "previous_outcome": "no", "outcome": "yes", "value": None,
        "corrected_at": "2026-01-01T00:00:00Z", "by": "mallory", "reason": "because",
    }  # fmt: skip
    conn.execute(
        text(
            'INSERT INTO correction (question_id, previous_outcome, outcome, corrected_at, "by",'
            " reason) VALUES ('LATER', 'no', 'yes', :at, 'mallory', 'because')"
        ),
        {"at": "2026-01-01 00:00:00"},
    )
    correction_id = _one(conn, "SELECT id FROM correction WHERE reason = 'because'")
    seq = _append(conn, "correction.created", "correction", str(correction_id), data)
    return (
        f"event {seq}: correction {correction_id} refers to resolution LATER, "
        "which no earlier event created"
    )


def old_format_event(conn: Connection) -> str:
    conn.execute(text("INSERT INTO forecaster (handle, name, kind) VALUES ('mole', 'M', 'person')"))
    data = {"handle": "mole", "name": "M", "kind": "person", "affiliation": None}
    seq = _append(conn, "forecaster.created", "forecaster", "mole", data, v=1)
    return f"event {seq}: old-format payload (no recorded_at) after event 1, which is version 2"


def rewritten_history(conn: Connection) -> str:
    """Flip the hand resolution in its own event and re-hash everything after it: the chain,
    the head, the rows and (rebuilt) the kept scores agree again; only the published head
    shows the rewrite."""
    from forecasts.db.kept import rebuild_on

    seq, payload = _event_of(conn, "resolution.created", "Q1")
    payload["data"]["outcome"] = "no"
    conn.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(payload=canonical_json(payload)))
    _rechain_from(conn, seq)
    conn.execute(text("UPDATE resolution SET outcome = 'no' WHERE question_id = 'Q1'"))
    rebuild_on(conn)
    return "the chain up to event {published} recomputes to"


def truncated_tail(conn: Connection) -> str:
    """Drop the newest event (the revocation of token 1) and the revocation with it."""
    seq = conn.execute(select(HEAD.c.seq)).scalar_one()
    prev = conn.execute(select(EVENTS.c.prev_hash).where(EVENTS.c.seq == seq)).scalar_one()
    conn.execute(EVENTS.delete().where(EVENTS.c.seq == seq))
    conn.execute(update(HEAD).values(seq=seq - 1, hash=prev))
    conn.execute(text("UPDATE api_token SET revoked = false WHERE id = 1"))
    return f"the ledger ends at event {seq - 1} (events were removed)"


@dataclass(frozen=True)
class Tamper:
    name: str
    attack: Callable[[Connection], str]
    """Changes the database; returns the problem `verify` must name."""
    against_published_head: bool = False
    """Run `verify --head <the head published before the attack>`."""


TAMPER_CASES: list[Tamper] = [
    Tamper("appended duplicate forecast.created, new probability", duplicate_forecast),
    Tamper("appended duplicate resolution.created, outcome flipped", flipped_resolution),
    Tamper("evidence metadata edited", edited_evidence),
    Tamper("evidence row deleted", deleted_evidence),
    Tamper("event recorded_at edited", backdated_event),
    Tamper("API token planted", planted_token),
    Tamper("revoked API token un-revoked", unrevoked_token),
    Tamper("API token promoted to admin", promoted_token),
    Tamper("check state: needs_review put back to pending", unparked_check),
    Tamper("check state: pending question marked resolved", silenced_check),
    Tamper("appended event of a kind that changes nothing", updating_event),
    Tamper("event columns edited", moved_event),
    Tamper("appended correction of an unresolved question", correction_without_resolution),
    Tamper("appended old-format event, no recorded_at", old_format_event),
    Tamper("history rewritten and re-hashed", rewritten_history, against_published_head=True),
    Tamper("tail truncated", truncated_tail, against_published_head=True),
]


def test_the_suite_tries_sixteen_tamper_cases() -> None:
    assert len(TAMPER_CASES) == 16
    assert len({case.name for case in TAMPER_CASES}) == 16


@pytest.mark.parametrize("case", TAMPER_CASES, ids=lambda case: case.name)
def test_verify_catches(world: World, case: Tamper) -> None:
    engine = make_engine(world.url)
    with engine.begin() as conn:
        expected = case.attack(conn)
    engine.dispose()
    published = json.loads(world.published)
    expected = expected.replace("{published}", str(published["seq"]))
    args = ("verify", "--head", world.published) if case.against_published_head else ("verify",)
    result = world.cli(*args)
    assert result.exit_code == 1, result.output
    assert "ok:" not in result.stdout
    problems = [line for line in result.stdout.splitlines() if line.startswith("TAMPERED: ")]
    assert any(expected in line for line in problems), (expected, result.stdout)
    if case.against_published_head:
        # Named first: the published head is what the caller asked about.
        assert problems[0].startswith(f"TAMPERED: published head {published['seq']}:")
        # Without it the rewrite is self-consistent: this is what publishing a head is for.
        assert world.cli("verify").exit_code == 0
