"""``import --from metaculus USER_ID``: the posts feed, paged, from a real local server."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from forecasts.platforms.metaculus import cdf_quantiles, scaled
from tests.forecasts.conftest import Cli

from ._replay import FIXTURES, Replay, replay_server, route

DIR = FIXTURES / "metaculus"
USER = "120873"


def _routes(folder: Path = DIR) -> dict[str, Path]:
    return {
        route(
            "/api/posts/", forecaster_id=USER, limit=2, offset=offset, order_by="published_at"
        ): folder / f"posts_offset_{offset}.json"
        for offset in (0, 2, 4)
    }


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("FORECASTS_PLATFORM_INTERVAL", "0.01")
    monkeypatch.setenv("FORECASTS_METACULUS_TOKEN", "tok-from-settings")


def _run(cli: Cli, server: Replay, *extra: str) -> dict[str, object]:
    result = cli(
        "import", "--from", "metaculus", USER, "--api-url", server.url,
        "--page-size", "2", "--as", "ada", "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def _page(offset: int) -> dict[str, object]:
    page: dict[str, object] = json.loads((DIR / f"posts_offset_{offset}.json").read_text())
    return page


def test_metaculus_history_is_paged_parsed_and_scored(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        report = _run(cli, server)
        asked = [(r.path, r.query.get("offset")) for r in server.requests]
        tokens = {r.headers.get("Authorization") for r in server.requests}
    assert asked == [("/api/posts/", "0"), ("/api/posts/", "2"), ("/api/posts/", "4")]
    assert tokens == {"Token tok-from-settings"}
    assert report["forecasters"] == {"metaculus user 120873": "ada"}
    # binary 30001, multiple choice 30002, numeric 30003, group 30004 + 30005, log numeric
    # 30006; the conditional post is skipped.
    assert report["imported"] == {
        "forecasters": 1,
        "questions": 6,
        "forecasts": 8,
        "resolutions": 5,
        "corrections": 0,
    }
    reasons = [s["reason"] for s in report["skipped"]]  # type: ignore[union-attr]
    assert any("conditional pair" in r for r in reasons)
    assert any("30004: 1 earlier forecast(s) came without values" in r for r in reasons)
    statuses = {q["id"]: q["status"] for q in json.loads(cli("question", "list", "--json").stdout)}
    assert statuses == {
        "metaculus-30001": "resolved",
        "metaculus-30002": "resolved",
        "metaculus-30003": "resolved",
        "metaculus-30004": "annulled",
        "metaculus-30005": "open",
        "metaculus-30006": "resolved",
    }
    exported = json.loads(cli("export", "--format", "json").stdout)
    by_id = {f["id"]: f for f in exported["forecasts"]}
    last = by_id["mcf-30001-1717243200"]
    assert last["p"] == pytest.approx(0.07)
    assert last["made_at"].startswith("2024-06-01T12:00:00")
    assert last["origin"]["platform"] == "metaculus"
    assert last["origin"]["platform_id"] == "30001@1717243200"
    assert last["origin"]["url"].startswith(server.url + "/api/posts/?forecaster_id=120873")
    choice = by_id["mcf-30002-1718867700"]
    assert choice["options"] == {
        "Conservative": 0.08,
        "Labour": 0.87,
        "Liberal Democrats": 0.03,
        "Other": 0.02,
    }
    resolutions = {r["question_id"]: r for r in exported["resolutions"]}
    assert resolutions["metaculus-30002"]["outcome"] == "Labour"
    assert resolutions["metaculus-30003"]["value"] == 18.0
    # Above the upper bound: the bound itself, the nearest value the scale can say.
    assert resolutions["metaculus-30006"]["value"] == 1_000_000.0
    # Scored: 30001 (NO; the last forecast by the close was 7%), 30002 (multiple choice) and
    # the two numeric questions; 30004 is annulled and 30005 open.
    record = json.loads(cli("record", "ada", "--json").stdout)
    assert (record["n"], record["n_binary"], record["n_numeric"]) == (4, 1, 2)
    assert record["brier"] == pytest.approx(0.07**2)


def test_numeric_cdf_becomes_quantiles_on_the_real_scale(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        _run(cli, server)
    exported = json.loads(cli("export", "--format", "json").stdout)
    numeric = next(f for f in exported["forecasts"] if f["question"] == "metaculus-30003")
    quantiles = numeric["distribution"]
    assert quantiles["type"] == "quantiles"
    cdf = _page(2)["results"][0]["question"]["my_forecasts"]["history"][0]["forecast_values"]  # type: ignore[index]
    # Independently: the median is where the CDF crosses one half, scaled 0..200 linearly.
    i = next(i for i, v in enumerate(cdf) if v >= 0.5)
    x = (i - 1 + (0.5 - cdf[i - 1]) / (cdf[i] - cdf[i - 1])) / 200
    median = quantiles["values"][quantiles["levels"].index(0.5)]
    assert median == pytest.approx(200 * x)
    assert 15 < median < 25  # the recorded forecast centres near 20 storms
    log = next(f for f in exported["forecasts"] if f["question"] == "metaculus-30006")
    levels = log["distribution"]["levels"]
    # 1% of the mass lies below the range, so the 1% quantile is at the lower bound at most.
    assert levels[0] in (0.01, 0.05)
    # Log scale around zero_point 0: the midpoint of the axis is the geometric mean.
    assert scaled(0.5, {"range_min": 100, "range_max": 1e6, "zero_point": 0}) == pytest.approx(
        math.sqrt(100 * 1e6)
    )
    assert cdf_quantiles([0.0, 0.5, 1.0], {"range_min": 0, "range_max": 10, "zero_point": None})[
        7
    ] == (0.5, 5.0)


def test_reimport_adds_nothing_and_dry_run_writes_nothing(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        dry = _run(cli, server, "--dry-run")
        assert dry["dry_run"] is True
        assert json.loads(cli("question", "list", "--json").stdout) == []
        first = _run(cli, server)
        assert first["imported"] == dry["imported"]
        again = _run(cli, server)
    assert set(again["imported"].values()) == {0}  # type: ignore[union-attr]


def test_a_bad_record_refuses_the_whole_import(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "metaculus"
    shutil.copytree(DIR, folder)
    page = json.loads((folder / "posts_offset_0.json").read_text())
    # The multiple-choice forecast loses an option's value.
    page["results"][1]["question"]["my_forecasts"]["history"][0]["forecast_values"].pop()
    (folder / "posts_offset_0.json").write_text(json.dumps(page))
    with replay_server(_routes(folder)) as server:
        result = cli(
            "import", "--from", "metaculus", USER, "--api-url", server.url,
            "--page-size", "2", "--as", "ada",
        )  # fmt: skip
    assert result.exit_code == 2
    assert "page 1 results[1]" in result.stderr
    assert "3 values for 4 options" in result.stderr
    assert json.loads(cli("question", "list", "--json").stdout) == []


def test_server_errors_fail_without_writing(cli: Cli) -> None:
    routes = _routes()
    with replay_server(routes) as server:
        server.statuses[next(k for k in routes if "offset=4" in k)] = 403
        result = cli(
            "import", "--from", "metaculus", USER, "--api-url", server.url, "--page-size", "2"
        )
    assert result.exit_code == 1
    assert "403" in result.stderr
    assert json.loads(cli("question", "list", "--json").stdout) == []


def test_without_a_token_nothing_is_guessed(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORECASTS_METACULUS_TOKEN")
    folder = tmp_path / "metaculus"
    shutil.copytree(DIR, folder)
    for offset in (0, 2, 4):
        # Without the user's token Metaculus sends the questions but not their forecasts.
        path = folder / f"posts_offset_{offset}.json"
        page = json.loads(path.read_text())
        for post in page["results"]:
            inner = [post.get("question")] + (post.get("group_of_questions") or {}).get(
                "questions", []
            )
            for question in filter(None, inner):
                question.pop("my_forecasts", None)
        path.write_text(json.dumps(page))
    with replay_server(_routes(folder)) as server:
        report = _run(cli, server)
        sent = [r.headers.get("Authorization") for r in server.requests]
    assert sent == [None, None, None]
    assert set(report["imported"].values()) == {0}  # type: ignore[union-attr]
    reasons = [s["reason"] for s in report["skipped"]]  # type: ignore[union-attr]
    assert sum("only with that user's token" in r for r in reasons) == 6
