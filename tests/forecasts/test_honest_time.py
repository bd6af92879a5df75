"""Honest forecast times: nobody improves a track record by backdating a forecast.

Attacks the real CLI (SQLite and PostgreSQL) and a real ``forecasts serve`` process.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from forecasts.cli import build_app
from forecasts.services.ledger import open_database
from forecasts.services.tokens import create_token
from forecasts.timeutils import utc_now

from .api._server import running_server
from .conftest import Cli

SOURCED = ("--source", "https://example.org/interview", "--quote", "I am 99% sure")


def _setup(cli: Cli) -> None:
    """A question that closed last month and resolved YES yesterday; alice forecast 0.6."""
    now = utc_now()
    day = timedelta(days=1)
    assert cli("forecaster", "add", "alice", "--name", "Alice").exit_code == 0
    added = cli(
        "question", "add", "--id", "Q", "--kind", "binary", "--title", "Done?",
        "--opens", (now - 60 * day).isoformat(), "--closes", (now - 30 * day).isoformat(),
        "--resolve-on", (now - 2 * day).isoformat(),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    # alice's own forecast, recorded when she made it (before the question closed)
    with_at = cli("forecast", "add", "Q", "--by", "alice", "--p", "0.6",
                  "--at", (now - 45 * day).isoformat(), *SOURCED)  # fmt: skip
    assert with_at.exit_code == 0, with_at.output
    resolved = cli("resolve", "Q", "--outcome", "yes", "--by", "carol", "--note", "seen")
    assert resolved.exit_code == 0, resolved.output


def _head(cli: Cli) -> str:
    result = cli("ledger", "head")
    assert result.exit_code == 0
    return str(result.stdout)


def test_a_backdated_own_forecast_after_the_outcome_is_known_is_refused(cli: Cli) -> None:
    _setup(cli)
    before = _head(cli)
    at = (utc_now() - timedelta(days=40)).isoformat()
    attack = cli("forecast", "add", "Q", "--by", "alice", "--p", "0.99", "--at", at)
    assert attack.exit_code == 2
    assert attack.stderr.count("\n") == 1
    assert "made_at:" in attack.stderr and "source URL and quote" in attack.stderr
    assert _head(cli) == before  # nothing written
    # after close, without --at: refused as well
    late = cli("forecast", "add", "Q", "--by", "alice", "--p", "0.99")
    assert late.exit_code == 2 and "after question Q closed" in late.stderr
    assert _head(cli) == before


def test_a_sourced_claim_is_accepted_marked_and_can_be_left_out(cli: Cli) -> None:
    _setup(cli)
    at = (utc_now() - timedelta(days=40)).isoformat()
    added = cli("forecast", "add", "Q", "--by", "alice", "--p", "0.99", "--at", at, *SOURCED)
    assert added.exit_code == 0, added.output
    shown = json.loads(cli("question", "show", "Q", "--json").stdout)
    latest = shown["forecasts"][-1]
    assert latest["backdated"] is True
    assert latest["made_at"] < latest["recorded_at"]
    record = json.loads(cli("record", "alice", "--json").stdout)
    assert record["backdated"] == 2 and record["n"] == 1
    honest = json.loads(cli("record", "alice", "--json", "--exclude-backdated").stdout)
    assert honest["backdated"] == 0 and honest["n"] == 0
    text = cli("question", "show", "Q").stdout
    assert "backdated: recorded" in text


def test_a_forecast_before_the_question_opens_is_refused(cli: Cli) -> None:
    _setup(cli)
    at = (utc_now() - timedelta(days=90)).isoformat()
    early = cli("forecast", "add", "Q", "--by", "alice", "--p", "0.5", "--at", at, *SOURCED)
    assert early.exit_code == 2 and "before question Q opened" in early.stderr


def test_imported_forecasts_keep_their_times_and_say_where_they_came_from(
    cli: Cli, tmp_path: Path
) -> None:
    _setup(cli)
    at = (utc_now() - timedelta(days=40)).isoformat()
    history = tmp_path / "history.yaml"
    history.write_text(
        f"forecasts:\n  - {{question: Q, by: alice, p: 0.7, made_at: '{at}'}}\n",
        encoding="utf-8",
    )
    assert cli("import", str(history)).exit_code == 0
    imported = json.loads(cli("question", "show", "Q", "--json").stdout)["forecasts"][-1]
    assert imported["backdated"] is True
    assert imported["origin"]["platform"] == "forecasts"
    assert imported["origin"]["file"] == "history.yaml"
    assert len(imported["origin"]["file_sha256"]) == 64


@pytest.mark.slow
def test_the_api_applies_the_same_rules_to_forecaster_tokens(
    runner: CliRunner, tmp_path: Path
) -> None:
    # One server run (SQLite) is enough: the API calls the same service as the CLI.
    database_url = f"sqlite:///{tmp_path / 'api.db'}"
    app = build_app()

    def cli(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", database_url])

    _setup(cli)
    store = open_database(database_url)
    secret, _ = create_token(store, "alice laptop", forecaster="alice", as_of=utc_now())
    store.close()
    at = (utc_now() - timedelta(days=40)).isoformat()
    with running_server(database_url) as base:
        auth = {"Authorization": f"Bearer {secret}"}
        body: dict[str, Any] = {"by": "alice", "p": 0.99, "made_at": at}
        response = httpx.post(f"{base}/api/questions/Q/forecasts", json=body, headers=auth)
        assert response.status_code == 422
        assert response.json()["detail"]["field"] == "made_at"
        now_body = {"by": "alice", "p": 0.99}
        late = httpx.post(f"{base}/api/questions/Q/forecasts", json=now_body, headers=auth)
        assert late.status_code == 422
        listed = httpx.get(f"{base}/api/questions/Q/forecasts").json()
        assert listed["count"] == 1
