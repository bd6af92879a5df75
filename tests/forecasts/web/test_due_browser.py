"""Headless chromium opens /due on a real server: the questions waiting for a person, oldest
first, with who must act; the screenshot is kept at docs/screenshots/due.png."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from forecasts.db.store import open_store
from forecasts.timeutils import utc_now
from tests.forecasts.api._server import running_server
from tests.forecasts.reminders.conftest import seed
from tests.forecasts.web.test_browser import dump_dom

from ._chromium import chromium_command, chromium_or_skip

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "due.png"


def _screenshot(browser: str, url: str, profile: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    result = subprocess.run(
        chromium_command(
            browser,
            profile,
            "--hide-scrollbars",
            f"--screenshot={out}",
            "--window-size=1200,560",
            url,
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and out.stat().st_size > 0, result.stderr[-2000:]


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_shows_the_due_questions_oldest_first(tmp_path: Path) -> None:
    browser = chromium_or_skip()
    url = f"sqlite:///{tmp_path / 'due.db'}"
    store = open_store(url)
    seed(store, utc_now())
    store.close()
    with running_server(url) as base:
        dom = dump_dom(browser, f"{base}/due", tmp_path / "profile")
        _screenshot(browser, f"{base}/due", tmp_path / "profile", SCREENSHOT)
    rows = [line for line in dom.splitlines() if '<tr id="due-' in line]
    assert [r.split('"')[1] for r in rows] == ["due-REV", "due-MAN"]
    assert "needs_review" in dom and "no automatic resolution" in dom
    assert "LATER" not in dom and "<script" not in dom
