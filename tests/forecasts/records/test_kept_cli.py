"""``forecasts verify`` checks the kept scores, ``forecasts rebuild-scores`` rebuilds them,
and an upgraded database has its kept scores filled (records are never empty meanwhile)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from forecasts.db.engine import make_engine
from forecasts.db.migrate import _config, migrate
from forecasts.db.scores import read_kept
from forecasts.db.store import open_store
from forecasts.db.verify import verify_store
from forecasts.records import load_record_data, track_record
from forecasts.services.scores import record_of
from forecasts.timeutils import utc_now
from tests.forecasts.conftest import Cli

from .conftest import seed


@pytest.fixture
def seeded_cli(cli: Cli, database_url: str) -> Cli:
    store = open_store(database_url)
    seed(store)
    store.close()
    return cli


def _sql(database_url: str, *statements: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_verify_names_tampered_kept_scores_and_rebuild_scores_repairs_them(
    seeded_cli: Cli, database_url: str
) -> None:
    ok = seeded_cli("verify")
    assert ok.exit_code == 0, ok.output
    honest = json.loads(seeded_cli("record", "alice", "--json").output)
    _sql(
        database_url,
        "UPDATE kept_score SET log_score = 9.0 WHERE question_id = 'B00' AND forecaster = 'alice'",
        "DELETE FROM kept_score WHERE question_id = 'B01' AND forecaster = 'bob'",
    )
    bad = seeded_cli("verify")
    assert bad.exit_code == 1
    assert "TAMPERED: kept score B00/alice: log_score is 9.0 kept" in bad.stdout
    assert "TAMPERED: kept score B01/bob: missing" in bad.stdout
    rebuilt = seeded_cli("rebuild-scores")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.startswith("rebuilt ") and "kept scores" in rebuilt.stdout
    again = seeded_cli("verify")
    assert again.exit_code == 0, again.output
    assert json.loads(seeded_cli("record", "alice", "--json").output)["log_score"] == (
        pytest.approx(honest["log_score"])
    )


def test_an_upgraded_database_gets_its_kept_scores(database_url: str, cli: Cli) -> None:
    store = open_store(database_url)
    seed(store)
    expected = track_record(load_record_data(store, as_of=utc_now()), "alice")
    store.close()
    from alembic import command

    engine = make_engine(database_url)
    config = _config()
    with engine.begin() as connection:  # back to the schema before kept scores
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    migrate(engine)  # the tables come back empty, marked incomplete
    engine.dispose()
    unbuilt = open_store(database_url, auto_migrate=False)
    try:
        assert read_kept(unbuilt, as_of=utc_now()) is None
        assert verify_store(unbuilt).problems == [
            "kept scores are not built (run `forecasts rebuild-scores`)"
        ]
        # Not built yet: the record is computed from the raw rows, not empty.
        raw = record_of(unbuilt, "alice", as_of=utc_now())
        assert raw.n == expected.n and raw.brier == pytest.approx(expected.brier)
    finally:
        unbuilt.close()
    # The first command that opens the database builds them (an upgrade made by hand too).
    body = json.loads(cli("record", "alice", "--json").output)
    assert body["n"] == expected.n and body["brier"] == pytest.approx(expected.brier)
    assert cli("verify").exit_code == 0
    store = open_store(database_url)
    assert read_kept(store, as_of=utc_now()) is not None
    store.close()
