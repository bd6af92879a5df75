"""``import --from fatebook --api-key KEY``: Fatebook's JSON API from a real local server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.forecasts.conftest import Cli

from ._replay import FIXTURES, replay_server, route

DIR = FIXTURES / "fatebook"
KEY = "fb-key-3f9a"


def _routes(folder: Path = DIR) -> dict[str, Path]:
    return {
        route("/api/v0/getQuestions", limit=2, cursor=cursor): folder
        / f"questions_cursor_{cursor}.json"
        for cursor in (0, 2, 4)
    }


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("FORECASTS_PLATFORM_INTERVAL", "0.01")


def _import(cli: Cli, url: str, *extra: str) -> dict[str, object]:
    result = cli(
        "import", "--from", "fatebook", "--api-key", KEY, "--api-url", url,
        "--page-size", "2", "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_fatebook_api_questions_of_several_people(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        report = _import(cli, server.url)
        asked = [(r.query.get("cursor"), r.query.get("apiKey")) for r in server.requests]
    assert asked == [("0", KEY), ("2", KEY), ("4", KEY)]
    assert report["forecasters"] == {
        "Ada Lovelace": "ada-lovelace",
        "Bob O'Brien, Jr.": "bob-o-brien-jr",
    }
    # Two binary questions, three options of a multiple-choice one, one open question.
    assert report["imported"] == {
        "forecasters": 2,
        "questions": 6,
        "forecasts": 9,
        "resolutions": 5,
        "corrections": 0,
    }
    statuses = {q["id"]: q["status"] for q in json.loads(cli("question", "list", "--json").stdout)}
    assert statuses == {
        "fb-clv1aaaaaaaaaaaaaaaaaaaa1": "resolved",
        "fb-clv1bbbbbbbbbbbbbbbbbbbb2-clv1opt0lab": "resolved",
        "fb-clv1bbbbbbbbbbbbbbbbbbbb2-clv1opt0con": "resolved",
        "fb-clv1bbbbbbbbbbbbbbbbbbbb2-clv1opt0oth": "resolved",
        "fb-clv1cccccccccccccccccccc3": "annulled",
        "fb-clv1dddddddddddddddddddd4": "open",
    }
    exported = json.loads(cli("export", "--format", "json").stdout)
    forecasts = {f["id"]: f for f in exported["forecasts"]}
    assert forecasts["fbapi-102"]["by"] == "bob-o-brien-jr"
    assert forecasts["fbapi-102"]["made_at"].startswith("2024-01-04T11:00:00")
    origin = forecasts["fbapi-102"]["origin"]
    assert origin["platform"] == "fatebook" and origin["platform_id"] == "102"
    assert KEY not in json.dumps(exported)  # the key never lands in provenance
    # Ada: Q1 NO at 10% (her last), Labour YES at 75%, Conservative NO at 20%.
    record = json.loads(cli("record", "ada-lovelace", "--json").stdout)
    assert record["n"] == 3
    assert record["brier"] == pytest.approx((0.1**2 + 0.25**2 + 0.2**2) / 3)


def test_fatebook_api_reimport_adds_nothing(cli: Cli) -> None:
    with replay_server(_routes()) as server:
        dry = _import(cli, server.url, "--dry-run")
        assert json.loads(cli("question", "list", "--json").stdout) == []
        _import(cli, server.url)
        again = _import(cli, server.url)
    assert dry["dry_run"] is True
    assert set(again["imported"].values()) == {0}  # type: ignore[union-attr]


def test_fatebook_api_needs_a_key(cli: Cli) -> None:
    result = cli("import", "--from", "fatebook", "--api-url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "--api-key" in result.stderr


def test_a_bad_question_refuses_the_whole_import(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "fatebook"
    shutil.copytree(DIR, folder)
    page = json.loads((folder / "questions_cursor_2.json").read_text())
    page["items"][0]["resolution"] = "MAYBE"
    (folder / "questions_cursor_2.json").write_text(json.dumps(page))
    with replay_server(_routes(folder)) as server:
        result = cli(
            "import", "--from", "fatebook", "--api-key", KEY, "--api-url", server.url,
            "--page-size", "2",
        )  # fmt: skip
    assert result.exit_code == 2
    assert "page 2 items[0]" in result.stderr
    assert "resolution 'MAYBE' is not YES, NO or AMBIGUOUS" in result.stderr
    assert json.loads(cli("question", "list", "--json").stdout) == []
