"""``import --from manifold USERNAME``: bets as probAfter forecasts, from a real local server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.forecasts.conftest import Cli

from ._replay import FIXTURES, replay_server, route

DIR = FIXTURES / "manifold"
UID = "Rk2mXkqpD4ZzE8pQ1xYbAdA1"
MARKETS = ("mYes1", "mMkt2", "mCan3", "mOpen4", "mMc5")


def _routes(folder: Path = DIR) -> dict[str, Path]:
    routes = {
        route("/v0/user/AdaL"): folder / "user_AdaL.json",
        route("/v0/bets", userId=UID, limit=4): folder / "bets_page_1.json",
        route("/v0/bets", userId=UID, limit=4, before="b06"): folder / "bets_page_2.json",
        route("/v0/bets", userId=UID, limit=4, before="b02"): folder / "bets_page_3.json",
    }
    routes.update({route(f"/v0/market/{m}"): folder / f"market_{m}.json" for m in MARKETS})
    return routes


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("FORECASTS_PLATFORM_INTERVAL", "0.01")


def _import(cli: Cli, url: str, *extra: str) -> dict[str, object]:
    result = cli(
        "import", "--from", "manifold", "AdaL", "--api-url", url, "--page-size", "4",
        "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_manifold_bets_become_forecasts_with_market_resolutions(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        report = _import(cli, server.url)
        asked = [(r.path, r.query.get("before")) for r in server.requests]
    # The user, three pages of bets (paged by the last bet's id), each market once.
    assert asked[:4] == [
        ("/v0/user/AdaL", None),
        ("/v0/bets", None),
        ("/v0/bets", "b06"),
        ("/v0/bets", "b02"),
    ]
    assert sorted(p for p, _ in asked[4:]) == sorted(f"/v0/market/{m}" for m in MARKETS)
    assert report["forecasters"] == {"Ada Lovelace": "ada-lovelace"}
    # Nine bets: a redemption, a cancelled limit order and a trade after the close are skipped.
    assert report["imported"] == {
        "forecasters": 1,
        "questions": 6,
        "forecasts": 6,
        "resolutions": 5,
        "corrections": 0,
    }
    reasons = " | ".join(s["reason"] for s in report["skipped"])  # type: ignore[union-attr]
    assert "bet b02: a redemption" in reasons
    assert "bet b03: cancelled limit order" in reasons
    assert "bet b06: made after the market closed" in reasons
    statuses = {q["id"]: q["status"] for q in json.loads(cli("question", "list", "--json").stdout)}
    assert statuses == {
        "manifold-mYes1": "resolved",
        "manifold-mMkt2": "annulled",
        "manifold-mCan3": "annulled",
        "manifold-mOpen4": "open",
        "manifold-mMc5-a5hop": "resolved",
        "manifold-mMc5-a5asp": "resolved",
    }
    exported = json.loads(cli("export", "--format", "json").stdout)
    forecasts = {f["id"]: f for f in exported["forecasts"]}
    assert forecasts["mfb-b01"]["p"] == 0.61  # the market after the trade, not before
    assert forecasts["mfb-b01"]["made_at"].startswith("2024-02-10T09:00:00")
    assert forecasts["mfb-b01"]["origin"] == {
        "platform": "manifold",
        "url": server.url + "/v0/market/mYes1",
        "platform_id": "b01",
    }
    notes = {r["question_id"]: r["note"] for r in exported["resolutions"]}
    assert "MKT at 62%" in notes["manifold-mMkt2"]
    outcomes = {r["question_id"]: r["outcome"] for r in exported["resolutions"]}
    assert outcomes["manifold-mMc5-a5hop"] == "yes"
    assert outcomes["manifold-mMc5-a5asp"] == "no"
    # Scored: mYes1 (YES at 61%), Hopfield (YES at 9%), Aspect (NO at 25%).
    record = json.loads(cli("record", "ada-lovelace", "--json").stdout)
    assert record["n"] == 3
    expected = ((1 - 0.61) ** 2 + (1 - 0.09) ** 2 + 0.25**2) / 3
    assert record["brier"] == pytest.approx(expected)


def test_manifold_reimport_adds_nothing_and_dry_run_writes_nothing(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        dry = _import(cli, server.url, "--dry-run")
        assert json.loads(cli("question", "list", "--json").stdout) == []
        first = _import(cli, server.url)
        again = _import(cli, server.url)
    assert first["imported"] == dry["imported"]
    assert set(again["imported"].values()) == {0}  # type: ignore[union-attr]


def test_a_bad_bet_refuses_the_whole_import(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "manifold"
    shutil.copytree(DIR, folder)
    page = json.loads((folder / "bets_page_2.json").read_text())
    page[1]["probAfter"] = 1.3
    (folder / "bets_page_2.json").write_text(json.dumps(page))
    with replay_server(_routes(folder)) as server:
        result = cli(
            "import", "--from", "manifold", "AdaL", "--api-url", server.url, "--page-size", "4"
        )
    assert result.exit_code == 2
    assert "bets page 2[1]" in result.stderr
    assert "bet b04: probAfter 1.3 is not a probability" in result.stderr
    assert json.loads(cli("question", "list", "--json").stdout) == []


def test_requests_are_spaced_by_the_platform_interval(store: object) -> None:
    from forecasts.db.store import Store
    from forecasts.resolution.runtime import build_fetcher
    from forecasts.services.platform_api import ApiImport, import_from_api
    from forecasts.settings import Settings
    from forecasts.timeutils import utc_now

    assert isinstance(store, Store)
    waits: list[float] = []
    with replay_server(_routes()) as server:
        source = ApiImport("manifold", "AdaL", base_url=server.url, interval=30.0, page_size=4)
        fetcher = build_fetcher(Settings(allow_private_sources=True))
        result = import_from_api(store, source, fetcher, as_of=utc_now(), sleep=waits.append)
        asked = len(server.requests)
    assert result.counts["forecasts"] == 6
    # One pause before every request but the first, each the rest of the 30 s interval (the
    # replay answers in well under a second, so none is skipped).
    assert asked == 9 and len(waits) == asked - 1
    assert all(29.0 < wait <= 30.0 for wait in waits)
