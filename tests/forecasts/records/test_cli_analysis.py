"""``forecasts record | leaderboard | compare | calibration | token`` as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from forecasts.db.store import open_store
from forecasts.records import load_record_data, track_record
from forecasts.timeutils import utc_now
from tests.forecasts.conftest import Cli

from .conftest import seed


@pytest.fixture
def seeded_cli(cli: Cli, database_url: str) -> Cli:
    store = open_store(database_url)
    seed(store)
    store.close()
    return cli


def test_record_json_has_the_promised_keys_and_matches_the_service(
    seeded_cli: Cli, database_url: str
) -> None:
    result = seeded_cli("record", "alice", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    for key in ("n", "brier", "brier_time_weighted", "log_score", "coverage", "calibration"):
        assert key in body
    assert isinstance(body["calibration"], list) and body["calibration"][0]["count"] >= 0
    store = open_store(database_url)
    expected = track_record(load_record_data(store, as_of=utc_now()), "alice")
    store.close()
    assert body["n"] == expected.n
    assert body["brier"] == pytest.approx(expected.brier)


def test_record_text_filters_and_errors(seeded_cli: Cli) -> None:
    text = seeded_cli("record", "alice")
    assert text.exit_code == 0, text.output
    assert "Brier at close" in text.output and "calibration" in text.output
    tagged = seeded_cli("record", "alice", "--tag", "even", "--since", "2026-01-01", "--json")
    assert tagged.exit_code == 0 and json.loads(tagged.output)["filters"]["tag"] == "even"
    unknown = seeded_cli("record", "nobody")
    assert unknown.exit_code == 2
    assert "no forecaster with id 'nobody'" in unknown.output
    bad_date = seeded_cli("record", "alice", "--since", "yesterday")
    assert bad_date.exit_code == 2 and "--since" in bad_date.output


def test_leaderboard_and_compare(seeded_cli: Cli) -> None:
    board = seeded_cli("leaderboard", "--json")
    assert board.exit_code == 0, board.output
    entries = json.loads(board.output)["entries"]
    assert sorted(e["handle"] for e in entries) == ["alice", "bob", "carol"]
    assert all({"n", "coverage", "interval", "score"} <= set(e) for e in entries)
    limited = seeded_cli("leaderboard", "--min-n", "13", "--metric", "peer_score")
    assert limited.exit_code == 0, limited.output
    assert "carol" not in limited.output and "peer_score" in limited.output
    bad = seeded_cli("leaderboard", "--metric", "accuracy")
    assert bad.exit_code == 2 and "metric" in bad.output
    duel = seeded_cli("compare", "alice", "bob", "--json")
    assert duel.exit_code == 0, duel.output
    body = json.loads(duel.output)
    assert body["n"] > 0 and body["permutation_pvalue"] is not None
    text = seeded_cli("compare", "alice", "bob")
    assert "Diebold-Mariano" in text.output


def test_calibration_writes_an_svg(seeded_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "alice.svg"
    result = seeded_cli("calibration", "alice", "--out", str(out))
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert svg.startswith("<svg") and 'id="reliability-diagram"' in svg and "band" in svg
    wrong = seeded_cli("calibration", "alice", "--out", str(tmp_path / "x.pdf"))
    assert wrong.exit_code == 2


@pytest.mark.browser
def test_calibration_writes_a_png(seeded_cli: Cli, tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        if os.environ.get("FORECASTS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is missing -- required because FORECASTS_REQUIRE_BROWSER=1")
        pytest.skip("needs Debian's chromium")
    out = tmp_path / "alice.png"
    result = seeded_cli("calibration", "alice", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tokens_are_printed_once_and_stored_hashed(seeded_cli: Cli, database_url: str) -> None:
    created = seeded_cli("token", "create", "alice laptop", "--forecaster", "alice", "--json")
    assert created.exit_code == 0, created.output
    body = json.loads(created.output)
    secret = body["token"]
    assert len(secret) >= 40
    store = open_store(database_url)
    with store.engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT token_hash FROM api_token")).scalars().all()
    store.close()
    assert secret not in stored and len(stored[0]) == 64
    listing = seeded_cli("token", "list")
    assert "alice laptop" in listing.output and secret not in listing.output
    assert seeded_cli("token", "create", "x").exit_code == 2  # neither --admin nor --forecaster
    assert seeded_cli("token", "create", "x", "--forecaster", "nobody").exit_code == 2
    assert seeded_cli("token", "revoke", str(body["id"])).exit_code == 0
    assert "revoked" in seeded_cli("token", "list").output
    assert seeded_cli("token", "revoke", "999").exit_code == 2
