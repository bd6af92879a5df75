"""Reminder settings are refused by name; ``forecasts scheduler`` runs the reminder pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from forecasts.db.store import open_store
from forecasts.settings import SettingsError, load_settings
from forecasts.timeutils import utc_now
from tests.forecasts.resolution.test_scheduler import _Lines

from .conftest import Hooks, seed


def test_reminder_settings_defaults_and_values() -> None:
    default = load_settings({})
    assert (default.reminder_period, default.smtp_port, default.smtp_starttls) == ("1d", 587, True)
    assert default.smtp_host is None and default.reminder_email_to == ()
    got = load_settings(
        {
            "FORECASTS_SMTP_HOST": "mail.example.org",
            "FORECASTS_SMTP_FROM": "bot@example.org",
            "FORECASTS_SMTP_PORT": "2525",
            "FORECASTS_SMTP_STARTTLS": "off",
            "FORECASTS_SMTP_USERNAME": "bot",
            "FORECASTS_SMTP_PASSWORD": "pw",
            "FORECASTS_REMINDER_EMAIL_TO": "a@example.org, b@example.org",
            "FORECASTS_REMINDER_PERIOD": "12h",
        }
    )
    assert (got.smtp_port, got.smtp_starttls) == (2525, False)
    assert got.reminder_email_to == ("a@example.org", "b@example.org")
    assert got.smtp_password is not None and "pw" not in repr(got)


@pytest.mark.parametrize(
    ("env", "variable", "problem"),
    [
        ({"FORECASTS_SMTP_PORT": "0"}, "FORECASTS_SMTP_PORT", "TCP port"),
        ({"FORECASTS_SMTP_PORT": "smtp"}, "FORECASTS_SMTP_PORT", "TCP port"),
        ({"FORECASTS_SMTP_FROM": "bot"}, "FORECASTS_SMTP_FROM", "not an email address"),
        ({"FORECASTS_REMINDER_EMAIL_TO": "a@x.org, b"}, "FORECASTS_REMINDER_EMAIL_TO", "'b'"),
        ({"FORECASTS_REMINDER_PERIOD": "0d"}, "FORECASTS_REMINDER_PERIOD", "positive"),
        ({"FORECASTS_REMINDER_PERIOD": "daily"}, "FORECASTS_REMINDER_PERIOD", "duration"),
        ({"FORECASTS_REMINDER_WEBHOOK_URL": "ftp://x"}, "FORECASTS_REMINDER_WEBHOOK_URL", "http"),
        ({"FORECASTS_SMTP_STARTTLS": "maybe"}, "FORECASTS_SMTP_STARTTLS", "true/false"),
        ({"FORECASTS_SMTP_HOST": "mail.example.org"}, "FORECASTS_SMTP_FROM", "required"),
        ({"FORECASTS_SMTP_USERNAME": "bot"}, "FORECASTS_SMTP_PASSWORD", "both"),
    ],
)  # fmt: skip
def test_bad_reminder_settings_name_the_variable(
    env: dict[str, str], variable: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variable == variable and problem in caught.value.problem


@pytest.mark.slow
def test_the_scheduler_reminds_once_per_period(tmp_path: Path, webhook_server: Hooks) -> None:
    url = f"sqlite:///{tmp_path / 'remind.db'}"
    store = open_store(url)
    seed(store, utc_now())
    store.close()
    env = {**os.environ, "FORECASTS_REMINDER_WEBHOOK_URL": f"{webhook_server.base}/hook"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "forecasts", "scheduler", "--interval", "2s", "--db", url],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = _Lines(proc)
    try:
        assert out.wait_for("reminders: sent 2, failed 0, no transport 1", 40), out.text
        assert out.wait_for("reminders: sent 0, failed 0, no transport 1", 20), out.text
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out.thread.join(timeout=5)
    assert proc.stdout is not None
    proc.stdout.close()
    assert code == 0, out.text[-2000:]
    assert sorted(body["text"].split()[1] for _, body in webhook_server.received) == ["MAN", "REV"]
