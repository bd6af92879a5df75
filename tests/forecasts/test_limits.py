"""Limits and bad input: out-of-range dates, non-finite numbers, oversized fields and bodies,
infinite scores. Each is refused with one line (exit 2) or a 4xx in the error shape, and
nothing is written; leaderboards stay up."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from forecasts.services.forecasting import new_id
from forecasts.timeutils import utc_now

from .conftest import Cli

SOON = (utc_now() + timedelta(days=365)).date().isoformat()
LATER = (utc_now() + timedelta(days=366)).date().isoformat()


def _question(cli: Cli, qid: str = "Q", *extra: str) -> None:
    result = cli(
        "question", "add", "--id", qid, "--kind", "binary", "--title", "t",
        "--closes", SOON, "--resolve-on", LATER, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


# (arguments, the flag or field the one-line message must name)
BAD_CLI_INPUTS: list[tuple[tuple[str, ...], str]] = [
    (("question", "add", "--id", "Y", "--kind", "binary", "--title", "t",
      "--closes", "9999-12-31", "--resolve-on", "9999-12-31"), "closes_at"),
    (("question", "add", "--id", "Y", "--kind", "binary", "--title", "t",
      "--closes", "1066-10-14", "--resolve-on", "1066-10-15"), "closes_at"),
    (("question", "add", "--id", "Y", "--kind", "binary", "--title", "x" * 501,
      "--closes", SOON, "--resolve-on", LATER), "title"),
    (("question", "add", "--id", "Y", "--kind", "numeric", "--title", "t", "--lower", "nan",
      "--closes", SOON, "--resolve-on", LATER), "scale.lower"),
    (("forecast", "add", "Q", "--by", "alice", "--p", "0.5", "--note", "n" * 4001), "note"),
    (("forecast", "add", "Q", "--by", "alice", "--p", "nan"), "p"),
    (("forecast", "add", "Q", "--by", "alice", "--p", "inf"), "p"),
    (("forecast", "add", "Q", "--by", "alice", "--p", "0.5", "--at", "9999-01-01"), "made_at"),
    (("record", "alice", "--since", "9999-12-31"), "--since"),
    (("forecaster", "add", "bob", "--name", "B" * 201), "name"),
    (("forecaster", "add", "Alice", "--name", "Alice again"), "handle"),
    (("question", "add", "--id", "Y", "--kind", "binary", "--title", "t", "--check-every", "0s",
      "--closes", SOON, "--resolve-on", LATER), "check_every"),
    (("question", "add", "--id", "Y", "--kind", "binary", "--title", "t", "--resolution",
      '{"source": "http_json", "url": "https://example.org/x", "path": "$.v", "op": ">=", '
      '"threshold": NaN}', "--closes", SOON, "--resolve-on", LATER), "threshold"),
]  # fmt: skip

# (file name, content, what the one-line message must name)
BAD_FILES: list[tuple[str, str, str]] = [
    ("dup.json", '{"forecasters": [{"handle": "x", "name": "X", "name": "Y"}]}', "'name'"),
    ("dup.yaml", "forecasters:\n  - {handle: x, name: X}\nforecasters: []\n", "'forecasters'"),
    ("ragged.csv", "record,handle,name\nforecaster,x,X,extra\n", "row 2"),
    ("short.csv", "record,handle,name\nforecaster,x\n", "row 2"),
]


@pytest.mark.parametrize(("args", "names"), BAD_CLI_INPUTS)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    cli: Cli, args: tuple[str, ...], names: str
) -> None:
    assert cli("forecaster", "add", "alice", "--name", "Alice").exit_code == 0
    _question(cli)
    before = cli("ledger", "head").stdout
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and names in result.stderr
    assert cli("ledger", "head").stdout == before


@pytest.mark.parametrize(("name", "content", "names"), BAD_FILES)
def test_a_bad_import_file_is_refused_whole(
    cli: Cli, tmp_path: Path, name: str, content: str, names: str
) -> None:
    before = cli("ledger", "head").stdout
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 2, result.output
    assert names in result.stderr
    assert cli("ledger", "head").stdout == before


def test_the_suite_states_how_many_bad_inputs_it_tries() -> None:
    assert (len(BAD_CLI_INPUTS), len(BAD_FILES)) == (13, 4)


def test_an_empty_correction_reason_is_refused(cli: Cli) -> None:
    assert cli("forecaster", "add", "alice", "--name", "Alice").exit_code == 0
    _question(cli)
    assert cli("resolve", "Q", "--outcome", "yes", "--by", "c", "--note", "n").exit_code == 0
    before = cli("ledger", "head").stdout
    result = cli("correct", "Q", "--outcome", "no", "--by", "c", "--reason", "  ")
    assert result.exit_code == 2 and "reason" in result.stderr
    assert cli("ledger", "head").stdout == before


def test_a_certain_wrong_forecast_keeps_the_leaderboards_up(cli: Cli) -> None:
    # Claims logged after the fact (sourced, backdated): no waiting on the clock.
    now = utc_now()
    opens, made, closes = (now - timedelta(days=d) for d in (3, 2, 1))
    sourced = ("--source", "https://example.org/claims", "--quote", "certain")
    for handle in ("alice", "bob"):
        assert cli("forecaster", "add", handle, "--name", handle).exit_code == 0
    for i in range(3):
        added = cli(
            "question", "add", "--id", f"Q{i}", "--kind", "binary", "--title", "t",
            "--opens", opens.isoformat(), "--closes", closes.isoformat(),
            "--resolve-on", closes.isoformat(),
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        for by, p in (("alice", "0"), ("bob", "0.6")):
            said = cli("forecast", "add", f"Q{i}", "--by", by, "--p", p,
                       "--at", made.isoformat(), *sourced)  # fmt: skip
            assert said.exit_code == 0, said.output
        resolved = cli("resolve", f"Q{i}", "--outcome", "yes", "--by", "c", "--note", "n")
        assert resolved.exit_code == 0, resolved.output
    for metric in ("log_score", "peer_score", "brier"):
        board = cli("leaderboard", "--metric", metric, "--json")
        assert board.exit_code == 0, board.output
        entries = json.loads(board.stdout)["entries"]
        assert [e["handle"] for e in entries] == ["bob", "alice"]
    log = json.loads(cli("leaderboard", "--metric", "log_score", "--json").stdout)["entries"]
    assert log[1]["score"] is None and log[1]["score_infinite"] == 1
    text = cli("leaderboard", "--metric", "log_score").stdout
    assert "+inf" in text
    assert cli("compare", "alice", "bob", "--metric", "log_score").exit_code == 0


def test_generated_ids_are_128_bit_and_time_ordered() -> None:
    ids = [new_id("f", now_ms=ms) for ms in (1, 2, 3)]
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"f-[0-9a-f]{32}", i) for i in ids)
    assert len({new_id("f") for _ in range(200_000)}) == 200_000
