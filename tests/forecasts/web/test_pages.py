"""The pages render from the same app, without JavaScript, with inline SVG charts."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from forecasts.api import create_app
from forecasts.db.store import Store
from forecasts.records import load_record_data, track_record
from forecasts.records.models import CalibrationBinOut, ReliabilityOut
from forecasts.settings import Settings
from forecasts.timeutils import utc_now
from forecasts.web.charts import history_svg, reliability_svg
from tests.forecasts.records.conftest import Seeded, seed

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient


@pytest.fixture
def pages(store: Store) -> Iterator[tuple[TestClient, Seeded]]:
    seeded = seed(store)
    with TestClient(create_app(Settings(), store=store)) as client:
        yield client, seeded


def test_forecaster_page_shows_the_record_and_the_diagram(
    pages: tuple[TestClient, Seeded],
) -> None:
    client, seeded = pages
    page = client.get("/forecasters/alice")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    record = track_record(load_record_data(seeded.store, as_of=utc_now()), "alice")
    assert f'<b id="brier">{record.brier:.3f}</b>' in html
    assert 'id="reliability-diagram"' in html and 'id="calibration-table"' in html
    assert "<script" not in html
    assert "Verbal forecasts (1)" in html and "CRPS" in html


def test_home_question_and_leaderboard_pages(pages: tuple[TestClient, Seeded]) -> None:
    client, _ = pages
    home = client.get("/").text
    assert "Recently resolved" in home and "/forecasters/alice" in home
    question = client.get("/questions/B00").text
    assert 'id="forecast-history"' in question and "Resolution criteria" in question
    corrected = client.get("/questions/K1").text
    assert "Corrected" in corrected and "misread" in corrected
    board = client.get("/leaderboard", params={"metric": "peer_score", "min_n": 2}).text
    assert "peer_score" in board and "higher is better" in board
    assert client.get("/forecasters/nobody").status_code == 404
    assert client.get("/questions/nope").status_code == 404
    assert client.get("/leaderboard", params={"metric": "nope"}).status_code == 422


def test_charts_escape_text_and_draw_the_band() -> None:
    diagram = ReliabilityOut(
        x=[0.2, 0.8], cep=[0.25, 0.75], band_low=[0.1, 0.6], band_high=[0.4, 0.9], level=0.9
    )
    bins = [
        CalibrationBinOut(lower=0.0, upper=0.5, count=3, mean_forecast=0.2,
                          observed_frequency=0.33, wilson_low=0.06, wilson_high=0.79),
    ]  # fmt: skip
    svg = reliability_svg(diagram, bins, title="<b>&</b>")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" id="reliability-diagram"')
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg and "<b>" not in svg
    assert 'class="band"' in svg and 'class="cep"' in svg and "<circle" in svg
    single = reliability_svg(
        ReliabilityOut(x=[0.875], cep=[0.5], band_low=[0.25], band_high=[1.0], level=0.9), []
    )
    assert single.count(",") >= 4  # one value is drawn as a short segment, not a lone point
    empty = reliability_svg(None, [])
    assert 'class="band"' not in empty and empty.endswith("</svg>")
    from datetime import UTC, datetime

    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    history = history_svg([("A <x>", [(start, 0.2), (end, 0.7)])], start=start, end=end)
    assert "A &lt;x&gt;" in history and "<polyline" in history
