"""``forecasts due --json``, ``remind`` and ``forecaster set-reminders`` through the CLI, and
the /due page and /api/due through the app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import warnings

import pytest

from forecasts.api import create_app
from forecasts.db.store import open_store
from forecasts.settings import Settings
from forecasts.timeutils import utc_now
from tests.forecasts.conftest import Cli

from .conftest import Hooks, Mailbox, seed

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient


@pytest.fixture
def seeded(database_url: str) -> str:
    store = open_store(database_url)
    seed(store, utc_now())
    store.close()
    return database_url


@pytest.mark.usefixtures("seeded")
def test_due_json_lists_oldest_first_with_who_and_why(cli: Cli) -> None:
    result = cli("due", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [i["question_id"] for i in items] == ["REV", "MAN"]
    assert [i["state"] for i in items] == ["needs_review", "manual"]
    assert [i["days_overdue"] for i in items] == [120, 92]
    assert all(i["who"] == "admin" for i in items)
    assert "nosuch" in items[0]["why"].lower() and "by hand" in items[1]["why"]
    text = cli("due")
    assert text.exit_code == 0 and text.stdout.index("REV") < text.stdout.index("MAN")


def test_due_on_an_empty_store_says_so(cli: Cli) -> None:
    assert json.loads(cli("due", "--json").stdout) == []
    assert "nothing is waiting" in cli("due").stdout


@pytest.mark.usefixtures("seeded")
def test_remind_sends_once_through_the_configured_transports(
    cli: Cli,
    smtp_server: Mailbox,
    webhook_server: Hooks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "FORECASTS_SMTP_HOST": smtp_server.host,
        "FORECASTS_SMTP_PORT": str(smtp_server.port),
        "FORECASTS_SMTP_FROM": "forecasts@example.test",
        "FORECASTS_SMTP_STARTTLS": "false",
        "FORECASTS_REMINDER_EMAIL_TO": "admin@example.test, ops@example.test",
        "FORECASTS_REMINDER_WEBHOOK_URL": f"{webhook_server.base}/T0/B0/secret",
    }.items():
        monkeypatch.setenv(name, value)
    dry = cli("remind", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert len(json.loads(dry.stdout)) == 7 and smtp_server.messages == []

    first = cli("remind", "--json")
    assert first.exit_code == 0, first.output
    rows = json.loads(first.stdout)
    assert {r["status"] for r in rows} == {"sent"}
    assert sorted((r["kind"], r["subject"], r["channel"]) for r in rows) == [
        ("due", "MAN", "email"),
        ("due", "MAN", "email"),
        ("due", "MAN", "webhook"),
        ("due", "REV", "email"),
        ("due", "REV", "email"),
        ("due", "REV", "webhook"),
        ("stale", "OPEN/alice", "email"),
    ]
    assert "secret" not in first.stdout  # a webhook URL's path is its credential
    assert len(smtp_server.messages) == 5 and len(webhook_server.received) == 2
    again = cli("remind")
    assert again.exit_code == 0 and "0 sent, 0 failed" in again.stdout
    assert len(smtp_server.messages) == 5 and len(webhook_server.received) == 2


@pytest.mark.usefixtures("seeded")
def test_remind_exits_1_when_a_send_fails(
    cli: Cli, webhook_server: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECASTS_REMINDER_WEBHOOK_URL", f"{webhook_server.base}/hook")
    webhook_server.status = 500
    result = cli("remind")
    assert result.exit_code == 1
    assert "failed" in result.stdout and "HTTP 500" in result.stdout
    assert "1 without a configured transport" in result.stdout  # alice's email, no SMTP


@pytest.mark.usefixtures("seeded")
def test_bad_reminder_settings_are_refused_by_name(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECASTS_SMTP_PORT", "70000")
    result = cli("remind")
    assert result.exit_code == 2 and "FORECASTS_SMTP_PORT" in result.output
    monkeypatch.delenv("FORECASTS_SMTP_PORT")
    monkeypatch.setenv("FORECASTS_SMTP_HOST", "mail.example.test")
    result = cli("remind")
    assert result.exit_code == 2 and "FORECASTS_SMTP_FROM" in result.output


@pytest.mark.usefixtures("seeded")
def test_set_reminders_through_the_cli(cli: Cli) -> None:
    bad = cli("forecaster", "set-reminders", "alice", "--email", "not-an-address")
    assert bad.exit_code == 2 and "--email" in bad.output
    ok = cli("forecaster", "set-reminders", "alice", "--stale-days", "14", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == {
        "handle": "alice",
        "email": "alice@example.test",
        "webhook": None,
        "stale_days": 14,
    }
    assert cli("forecaster", "set-reminders", "nobody", "--stale-days", "3").exit_code == 2


def test_due_page_and_api(seeded: str) -> None:
    with TestClient(create_app(Settings(database_url=seeded))) as client:
        page = client.get("/due")
        api = client.get("/api/due")
        home = client.get("/")
    assert page.status_code == 200 and api.status_code == 200
    html = page.text
    assert 'id="due-table"' in html
    assert html.index('id="due-REV"') < html.index('id="due-MAN"')
    assert "LATER" not in html and "DONE" not in html and 'href="/questions/MAN"' in html
    assert "needs_review" in html and "by hand" in html
    assert [i["question_id"] for i in api.json()] == ["REV", "MAN"]
    assert '<a href="/due">Due</a>' in home.text
