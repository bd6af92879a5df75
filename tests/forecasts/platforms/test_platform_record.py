"""The record filtered by platform, with a platform's own score beside ours (CLI and page)."""

from __future__ import annotations

import csv
import json
import math
import warnings
from pathlib import Path

import pytest

from forecasts.api import create_app
from forecasts.db.store import open_store
from forecasts.settings import Settings
from tests.forecasts.conftest import Cli

from ._replay import replay_server
from .test_manifold_api import _routes as manifold_routes

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient

EXPORT = Path(__file__).parent / "fixtures" / "fatebook_export.csv"


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("FORECASTS_PLATFORM_INTERVAL", "0.01")


def _fatebook_scores() -> list[float]:
    """The exporter's Brier column, once per binary question we make (options count apart)."""
    seen: dict[tuple[str, str], float] = {}
    with EXPORT.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Your Brier score for this question"]:
                key = (row["Question title"], row["Multiple choice option"])
                seen[key] = float(row["Your Brier score for this question"])
    return list(seen.values())


def _both(cli: Cli) -> None:
    assert cli("import", "--from", "fatebook", str(EXPORT)).exit_code == 0
    with replay_server(manifold_routes()) as server:
        result = cli(
            "import", "--from", "manifold", "AdaL", "--api-url", server.url, "--page-size", "4"
        )
    assert result.exit_code == 0, result.output


def test_record_by_platform_with_fatebooks_own_brier_beside_ours(cli: Cli) -> None:
    _both(cli)
    everything = json.loads(cli("record", "ada-lovelace", "--json").stdout)
    fatebook = json.loads(cli("record", "ada-lovelace", "--platform", "fatebook", "--json").stdout)
    manifold = json.loads(cli("record", "ada-lovelace", "--platform", "manifold", "--json").stdout)
    assert (everything["n"], fatebook["n"], manifold["n"]) == (8, 5, 3)
    assert fatebook["filters"]["platform"] == "fatebook"
    assert {q["question_id"][:3] for q in fatebook["questions"]} == {"fb-"}
    assert {q["question_id"][:9] for q in manifold["questions"]} == {"manifold-"}
    assert manifold["brier"] == pytest.approx(((1 - 0.61) ** 2 + (1 - 0.09) ** 2 + 0.25**2) / 3)
    theirs = _fatebook_scores()
    assert len(theirs) == 5
    [score] = fatebook["platform_scores"]
    assert score["platform"] == "fatebook" and score["n"] == 5
    assert score["theirs"] == pytest.approx(math.fsum(theirs) / 5)
    assert score["theirs_on_our_scale"] == pytest.approx(math.fsum(theirs) / 10)
    # Every Fatebook question of the record carries a Fatebook score: ours over the same
    # questions is the record's Brier.
    assert score["ours"] == pytest.approx(fatebook["brier"])
    assert "days before your first forecast as perfect" in score["why_they_differ"]
    assert manifold["platform_scores"] == []  # Manifold's export carries no score of ours
    assert everything["platform_scores"] == fatebook["platform_scores"]
    # The Brier columns are the exporter's (Ada: on every question of the file), not Charles's.
    other = json.loads(cli("record", "charles-babbage", "--json").stdout)
    assert other["platform_scores"] == []
    text = cli("record", "ada-lovelace", "--platform", "fatebook").stdout
    assert "fatebook's own brier on 5 of these question(s)" in text
    assert "why they differ" in text


def _scored_table(html: str) -> str:
    """The record page's table of scored questions (the claims list shows every claim)."""
    start = html.index('id="scored-questions"')
    return html[start : html.index("</table>", start)]


def test_record_page_and_api_filter_by_platform(cli: Cli, database_url: str) -> None:
    _both(cli)
    store = open_store(database_url)
    try:
        with TestClient(create_app(Settings(), store=store)) as client:
            page = client.get("/forecasters/ada-lovelace", params={"platform": "fatebook"})
            assert page.status_code == 200
            assert 'id="platform-filter"' in page.text
            assert 'id="platform-scores"' in page.text
            scored = _scored_table(page.text)
            assert "manifold-mYes1" not in scored and "fb-" in scored
            everything = _scored_table(client.get("/forecasters/ada-lovelace").text)
            assert "manifold-mYes1" in everything
            api = client.get(
                "/api/forecasters/ada-lovelace/record", params={"platform": "manifold"}
            )
            assert api.status_code == 200
            assert api.json()["n"] == 3
    finally:
        store.close()
