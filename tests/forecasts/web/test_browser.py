"""Headless chromium opens a forecaster's page of the example data: the reliability diagram
and the scores are there, rendered by the server (no JavaScript)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from forecasts.db.store import open_store
from forecasts.records import load_record_data, track_record
from forecasts.timeutils import utc_now
from tests.forecasts.api._server import example_database, running_server

from ._chromium import chromium_command, chromium_or_skip


def dump_dom(browser: str, url: str, profile: Path) -> str:
    result = subprocess.run(
        chromium_command(browser, profile, "--dump-dom", url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_shows_the_reliability_diagram_and_the_scores(tmp_path: Path) -> None:
    browser = chromium_or_skip()
    now = utc_now()
    url = example_database(tmp_path / "pages.db", as_of=now)
    store = open_store(url)
    record = track_record(load_record_data(store, as_of=now), "yao-shunyu")
    store.close()
    assert record.n_binary == 4 and record.brier is not None
    with running_server(url) as base:
        dom = dump_dom(browser, f"{base}/forecasters/yao-shunyu", tmp_path / "profile")
        home = dump_dom(browser, f"{base}/", tmp_path / "profile")
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="reliability-diagram"' in dom
    assert 'class="band"' in dom and 'class="cep"' in dom
    assert f'<b id="brier">{record.brier:.3f}</b>' in dom
    assert f'<b id="brier-time-weighted">{record.brier_time_weighted:.3f}</b>' in dom
    assert f'<b id="log-score">{record.log_score:.3f}</b>' in dom
    assert 'id="calibration-table"' in dom and "Verbal forecasts" in dom
    assert "<script" not in dom
    assert "Leaderboard" in home and "/forecasters/yao-shunyu" in home
