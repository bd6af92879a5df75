"""Headless chromium signs in and uses the forms like a person: creates a question, forecasts,
is refused without a CSRF token (nothing written), resolves, and sees the score.

Screenshots of every page and state go to ``$WEB_SCREENSHOTS`` when set (the repository's
``docs/screenshots/`` are made this way), else to the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from forecasts.db.store import open_store
from forecasts.domain import Forecaster
from forecasts.services.recording import add_forecaster
from forecasts.timeutils import utc_now
from tests.forecasts.api._server import running_server

from ._cdp import Browser
from ._chromium import chromium_or_skip

PASSWORD = "correct horse battery"


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forecasts", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _show(url: str, question_id: str) -> dict[str, Any]:
    result = _cli("question", "show", question_id, "--json", "--db", url)
    assert result.returncode == 0, result.stderr
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


@pytest.mark.browser
@pytest.mark.slow
def test_sign_in_create_forecast_refuse_resolve_and_score(
    database_url: str, tmp_path: Path
) -> None:
    binary = chromium_or_skip()
    shots = Path(os.environ.get("WEB_SCREENSHOTS") or tmp_path / "shots")
    store = open_store(database_url)
    for handle in ("alice", "bob"):
        forecaster = Forecaster(handle=handle, name=f"{handle.title()} Example")
        add_forecaster(store, forecaster, as_of=utc_now())
    store.close()
    for handle in ("alice", "bob"):
        args = ("forecaster", "passwd", handle, "--password-stdin", "--db", database_url)
        result = _cli(*args, stdin=PASSWORD + "\n")
        assert result.returncode == 0, result.stderr
    closes = (utc_now() + timedelta(days=30)).date().isoformat()
    with running_server(database_url) as base:
        browser = Browser(binary, tmp_path / "profile")
        try:
            browser.goto(f"{base}/login")
            browser.screenshot(shots / "login.png")
            browser.submit("#login-form", {"handle": "alice", "password": "wrong password"})
            assert browser.status == 401
            assert "password: wrong handle or password" in browser.text("#error-password")
            browser.screenshot(shots / "login-refused.png")
            browser.submit("#login-form", {"handle": "alice", "password": PASSWORD})
            assert browser.path == "/" and "signed in as alice" in browser.text("header")
            browser.screenshot(shots / "home-signed-in.png")

            browser.goto(f"{base}/questions/new")
            browser.submit("#question-form", {"title": "Will it snow?", "closes": ""})
            assert browser.status == 422 and "closes: required" in browser.text("#error-closes")
            browser.screenshot(shots / "question-new-error.png")
            title = f"Will the harbour freeze by {closes}?"
            browser.submit(
                "#question-form",
                {"title": title, "closes": closes, "criteria": "Ice across the harbour mouth."},
            )
            assert browser.path.startswith("/questions/q-")
            question_id = browser.path.rsplit("/", 1)[1]
            assert title in browser.text("h2")
            browser.screenshot(shots / "question-created.png")

            browser.submit("#forecast-form", {"p": "70%", "note": "Cold winters lately."})
            assert browser.status == 200
            history = browser.text("#forecast-table")
            assert "70%" in history and "Cold winters lately." in history
            assert "Update forecast" in browser.text("#forecast-form")
            browser.submit("#comment-form", {"comment": "Buoys report 4 cm already."})
            assert "Buoys report 4 cm already." in browser.text("#comments ~ .comment")
            browser.screenshot(shots / "question-forecast.png")
            shown = _show(database_url, question_id)
            assert [(f["forecaster"], f["probability"], f["note"]) for f in shown["forecasts"]] == [
                ("alice", 0.7, "Cold winters lately.")
            ]

            browser.submit("#forecast-form", {"p": "150%"})
            assert browser.status == 422
            assert "p: probability must be between 0 and 1" in browser.text("#error-p")
            browser.screenshot(shots / "forecast-error.png")

            browser.goto(f"{base}/questions/{question_id}")
            browser.evaluate("document.querySelector('#forecast-form [name=csrf_token]').remove()")
            browser.submit("#forecast-form", {"p": "0.2"})
            assert browser.status == 403 and "CSRF" in browser.text("#refused")
            browser.screenshot(shots / "csrf-refused.png")
            assert len(_show(database_url, question_id)["forecasts"]) == 1

            browser.goto(f"{base}/questions/{question_id}")
            browser.submit("#resolve-form", {"outcome": "yes", "resolution_note": "Frozen."})
            assert "yes" in browser.text("body") and "Frozen." in browser.text("body")
            browser.screenshot(shots / "question-resolved.png")
            assert _show(database_url, question_id)["resolution"]["outcome"] == "yes"
            browser.goto(f"{base}/forecasters/alice")
            assert browser.text("#brier") == "0.090"  # (1 - 0.7)^2
            browser.screenshot(shots / "forecaster-scored.png")

            browser.goto(f"{base}/")
            browser.submit("#quick-form", {"quick": f"Will the ferry run by {closes}? 60%"})
            assert browser.path.startswith("/questions/q-")
            quick_id = browser.path.rsplit("/", 1)[1]
            assert [f["probability"] for f in _show(database_url, quick_id)["forecasts"]] == [0.6]
            browser.screenshot(shots / "quick-capture.png")

            browser.goto(f"{base}/questions/new")
            browser.evaluate("document.querySelector('#hide_forecasts').checked = true")
            browser.submit(
                "#question-form",
                {
                    "title": "Which port opens first?",
                    "kind": "multiple_choice",
                    "options": "North\nSouth\nEast",
                    "closes": closes,
                },
            )
            choice_id = browser.path.rsplit("/", 1)[1]
            browser.submit(
                "#forecast-form",
                {
                    "option_0": "50%",
                    "option_1": "30%",
                    "option_2": "20%",
                    "note": "North is dredged.",
                },
            )
            assert "North: 50%" in browser.text("#forecast-table")
            browser.screenshot(shots / "multiple-choice-forecast.png")
            browser.goto(f"{base}/questions/new")
            browser.submit(
                "#question-form",
                {
                    "title": "How thick is the ice on 1 March?",
                    "kind": "numeric",
                    "unit": "cm",
                    "closes": closes,
                },
            )
            numeric_id = browser.path.rsplit("/", 1)[1]
            browser.submit("#forecast-form", {"quantiles": "0.1:5, 0.5:12, 0.9:30"})
            assert browser.status == 200
            [numeric] = _show(database_url, numeric_id)["forecasts"]
            assert numeric["distribution"] == {
                "type": "quantiles",
                "levels": [0.1, 0.5, 0.9],
                "values": [5.0, 12.0, 30.0],
            }
            browser.screenshot(shots / "numeric-forecast.png")

            browser.submit("header form[action='/logout']", {})
            assert "Sign in" in browser.text("header")
            browser.goto(f"{base}/login?next=/questions/{choice_id}")
            browser.submit("#login-form", {"handle": "bob", "password": PASSWORD})
            assert browser.path == f"/questions/{choice_id}"
            assert "1 forecast hidden" in browser.text("#hidden-forecasts")
            assert "North is dredged." not in browser.text("body")
            assert "Resolve" not in browser.text("body")  # bob does not own it
            browser.screenshot(shots / "hidden-forecasts.png")
        finally:
            browser.close()
