"""`ledger head --json` prints what to publish; `verify --head` proves the ledger extends it."""

from __future__ import annotations

import json

import pytest

from forecasts.ledger import GENESIS_HASH
from forecasts.timeutils import parse_datetime
from tests.forecasts.conftest import Cli


def _ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _write(cli: Cli, handle: str) -> None:
    _ok(cli, "forecaster", "add", handle, "--name", handle.title())


def test_an_empty_ledger_has_the_genesis_head(cli: Cli) -> None:
    head = json.loads(_ok(cli, "ledger", "head", "--json"))
    assert head == {"seq": 0, "hash": GENESIS_HASH, "recorded_at": None}
    assert "extends the published head 0" in _ok(cli, "verify", "--head", f"0:{GENESIS_HASH}")


def test_verify_proves_the_ledger_extends_a_published_head(cli: Cli) -> None:
    _write(cli, "alice")
    _write(cli, "bob")
    published = _ok(cli, "ledger", "head", "--json")
    head = json.loads(published)
    assert set(head) == {"seq", "hash", "recorded_at"}
    assert parse_datetime(head["recorded_at"]) is not None
    assert _ok(cli, "ledger", "head").strip() == f"{head['seq']} {head['hash']}"

    same = _ok(cli, "verify", "--head", f"{head['seq']}:{head['hash']}")
    assert f"ok: the ledger extends the published head {head['seq']} {head['hash']}" in same
    _write(cli, "carol")
    _ok(cli, "token", "create", "ops", "--admin")
    later = _ok(cli, "verify", "--head", published)  # the JSON, as printed
    assert "(2 events since)" in later and "ok: 4 events" in later
    as_json = json.loads(_ok(cli, "verify", "--head", published, "--json"))
    assert as_json["ok"] is True
    assert as_json["published"] == {"seq": head["seq"], "hash": head["hash"]}


def test_a_head_the_ledger_does_not_extend_exits_1_and_is_named_first(cli: Cli) -> None:
    _write(cli, "alice")
    _write(cli, "bob")
    other = "ab" * 32
    wrong = cli("verify", "--head", f"1:{other}")
    assert wrong.exit_code == 1
    first = wrong.stdout.splitlines()[0]
    assert first.startswith(f"TAMPERED: published head 1:{other[:16]}...: the chain up to event 1")
    ahead = cli("verify", "--head", f"9:{other}")
    assert ahead.exit_code == 1
    assert "the ledger ends at event 2 (events were removed)" in ahead.stdout
    genesis = cli("verify", "--head", f"0:{other}")
    assert genesis.exit_code == 1 and "event 0 is the genesis hash" in genesis.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12", "'12' is not SEQ:HASH"),
        ("x:" + "ab" * 32, "is not SEQ:HASH"),
        ("-1:" + "ab" * 32, "is not SEQ:HASH"),
        ("3:abc", "the hash must be 64 hexadecimal characters"),
        ("3:" + "zz" * 32, "the hash must be 64 hexadecimal characters"),
        ('{"seq": 3', "is not valid JSON"),
        ('{"seq": "3", "hash": "%s"}' % ("ab" * 32), '"seq" must be an integer'),
        ('{"hash": "%s"}' % ("ab" * 32), 'must be an object with "seq" and "hash"'),
    ],
)
def test_a_malformed_head_exits_2_naming_the_option(cli: Cli, value: str, message: str) -> None:
    result = cli("verify", "--head", value)
    assert result.exit_code == 2, result.output
    assert "--head:" in result.stderr and message in result.stderr, result.stderr
