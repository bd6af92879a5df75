"""A database written before the ledger covered evidence, tokens and review still verifies.

The database is built as the code before that change wrote it: schema revision 0002,
version 1 payloads (no ``recorded_at`` under the hash, times that may go backwards after a
sweep run ``--as-of`` the past), evidence rows, API tokens and a ``needs_review`` check with
no events. Opening it migrates to 0003, which ledgers those rows once; from then on they are
held to the same rules as new ones.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select, text
from sqlalchemy import insert as sa_insert
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

import forecasts.db
from forecasts.db import convert
from forecasts.db.engine import make_engine
from forecasts.db.migrate import current_revision, migrate
from forecasts.db.tables import (
    ApiTokenRow,
    EvidenceRow,
    LedgerEventRow,
    LedgerHeadRow,
    ResolutionCheckRow,
)
from forecasts.domain import Forecast, Resolution
from forecasts.ledger import GENESIS_HASH, canonical_json, chain_hash
from tests.factories import make_forecaster, make_question
from tests.forecasts.conftest import Cli

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BODY = b'{"v": 3}'
SPEC = {"source": "http_json", "url": "https://example.org/x", "path": "$.v", "op": ">"}


def _at_revision_0002(engine: Engine) -> None:
    if current_revision(engine) is None:
        migrate(engine, "0002")
        return
    # The PostgreSQL fixture clones a template already at the newest revision.
    config = Config()
    config.set_main_option(
        "script_location", str(Path(forecasts.db.__file__).with_name("migrations"))
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert current_revision(engine) == "0002"


def _insert_as_of_0002(session: Session, row: Any) -> None:
    """Insert ``row`` into the columns the table had at revision 0002 (later revisions add
    columns that the tables of today carry)."""
    table = row.__table__
    present = {c["name"] for c in sa_inspect(session.connection()).get_columns(table.name)}
    values = {
        c.name: getattr(row, c.name)
        for c in table.columns
        if c.name in present and not (c.primary_key and getattr(row, c.name) is None)
    }
    session.execute(sa_insert(table).values(values))


def _old_database(url: str) -> None:
    """What the code before version 2 payloads wrote, row and event alike."""
    engine = make_engine(url)
    _at_revision_0002(engine)
    records: list[tuple[str, str, Any, Any, datetime]] = []

    def record(entity: str, entity_id: str, obj: Any, row: Any, at: datetime) -> None:
        records.append((entity, entity_id, obj, row, at))

    alice = make_forecaster("alice")
    record("forecaster", "alice", alice, convert.forecaster_row(alice), T0)
    for qid, spec in (("Q1", None), ("SW", SPEC), ("PK", SPEC)):
        question = make_question(qid, resolution=spec)
        record("question", qid, question, convert.question_row(question), T0)
    forecast = Forecast.model_validate(
        {"id": "f-old", "question_id": "Q1", "forecaster": "alice", "made_at": T0,
         "recorded_at": T0, "probability": 0.7}
    )  # fmt: skip
    record("forecast", "f-old", forecast, convert.forecast_row(forecast), T0)
    digest = hashlib.sha256(BODY).hexdigest()
    later = T0 + timedelta(days=30)
    for qid, extra, at in (
        ("Q1", {"by": "carol", "note": "seen"}, later),
        # A sweep run --as-of the past: version 1 events could go back in time.
        ("SW", {"method": "source", "by": "source:http_json", "evidence_sha256": [digest]}, T0),
    ):
        resolution = Resolution.model_validate(
            {"question_id": qid, "outcome": "yes", "resolved_at": at, **extra}
        )
        record("resolution", qid, resolution, convert.resolution_row(resolution), at)

    with Session(engine) as session:
        prev = GENESIS_HASH
        for seq, (entity, entity_id, obj, row, at) in enumerate(records, start=1):
            _insert_as_of_0002(session, row)
            payload = canonical_json(
                {"kind": f"{entity}.created", "entity": entity, "id": entity_id,
                 "data": obj.model_dump(mode="json")}
            )  # fmt: skip
            digest_now = chain_hash(prev, payload)
            session.add(
                LedgerEventRow(
                    seq=seq, kind=f"{entity}.created", entity_type=entity, entity_id=entity_id,
                    payload=payload, prev_hash=prev, hash=digest_now, recorded_at=at,
                )
            )  # fmt: skip
            prev = digest_now
            session.flush()
        head = session.get(LedgerHeadRow, 1)
        assert head is not None
        head.seq, head.hash = len(records), prev
        session.add(
            EvidenceRow(
                question_id="SW", url="https://example.org/x", fetched_at=T0, status=200,
                content_type="application/json", sha256=digest, size=len(BODY), body=BODY,
            )
        )  # fmt: skip
        tokens = ((1, "admin", None, True), (2, "forecaster", "alice", False))
        for token_id, role, who, revoked in tokens:
            session.add(
                ApiTokenRow(
                    id=token_id, token_hash=f"{token_id:064x}", name=f"t{token_id}", role=role,
                    forecaster=who, created_at=T0, revoked=revoked,
                )
            )  # fmt: skip
        for qid, state in (("Q1", "resolved"), ("SW", "resolved"), ("PK", "needs_review")):
            session.add(ResolutionCheckRow(question_id=qid, state=state))
        session.commit()
    engine.dispose()


def _kinds_after(url: str, seq: int) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(LedgerEventRow.kind, LedgerEventRow.entity_id)
            .where(LedgerEventRow.seq > seq)
            .order_by(LedgerEventRow.seq)
        ).all()
    engine.dispose()
    return [(kind, entity_id) for kind, entity_id in rows]


def test_an_old_database_verifies_and_its_rows_are_adopted_once(
    cli: Cli, database_url: str
) -> None:
    _old_database(database_url)
    first = cli("verify", "--json")  # opening the database migrates it to 0003
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["ok"] is True and report["events"] == 12
    assert _kinds_after(database_url, 7) == [
        ("token.created", "1"),
        ("token.revoked", "1"),
        ("token.created", "2"),
        ("evidence.created", "1"),
        ("check.needs_review", "PK"),
    ]
    # New writes are version 2 and follow the old events; the chain still verifies.
    assert cli("forecaster", "add", "bob", "--name", "Bob").exit_code == 0
    assert cli("token", "revoke", "2").exit_code == 0
    again = cli("verify")
    assert again.exit_code == 0, again.output
    assert "ok: 14 events" in again.stdout
    assert _kinds_after(database_url, 12) == [("forecaster.created", "bob"), ("token.revoked", "2")]


def test_adopted_rows_are_held_to_the_ledger(cli: Cli, database_url: str) -> None:
    _old_database(database_url)
    assert cli("verify").exit_code == 0
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET revoked = false WHERE id = 1"))
        conn.execute(text("UPDATE evidence SET url = 'https://elsewhere.example/'"))
        conn.execute(text("UPDATE resolution_check SET state = 'pending' WHERE question_id = 'PK'"))
    engine.dispose()
    result = cli("verify")
    assert result.exit_code == 1
    assert "token 1: revoked by event 9 but the row is active" in result.stdout
    assert "evidence 1 (event 11): changed url" in result.stdout
    assert "check PK: state is pending but the ledger says needs_review" in result.stdout
