"""``resolve``, ``correct`` and ``evidence`` on the command line, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from forecasts.db.engine import make_engine
from tests.forecasts.conftest import Cli
from tests.forecasts.resolution.conftest import Route, Server

DUE = ("--opens", "2025-01-01", "--closes", "2025-06-01", "--resolve-on", "2025-06-02")


def _recent() -> tuple[str, ...]:
    """Due since yesterday: a failing source is retried (older than 30 days goes to review)."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    return ("--closes", yesterday.isoformat(), "--resolve-on", yesterday.isoformat())


def _ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _head(cli: Cli) -> str:
    return _ok(cli, "ledger", "head").strip()


def _show(cli: Cli, qid: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(_ok(cli, "question", "show", qid, "--json"))
    return shown


def _add(cli: Cli, qid: str, kind: str = "binary", *extra: str, due: tuple[str, ...] = DUE) -> None:
    _ok(cli, "question", "add", "--id", qid, "--title", f"{qid}?", "--kind", kind, *due, *extra)


@pytest.fixture
def questions(cli: Cli) -> Cli:
    """B1, B2 (binary), MC (red/blue), N1 (numeric): due, no resolution spec."""
    _add(cli, "B1")
    _add(cli, "B2")
    _add(cli, "MC", "multiple_choice", "--option", "red", "--option", "blue")
    _add(cli, "N1", "numeric", "--unit", "GW")
    return cli


def _resolve(cli: Cli, qid: str, outcome: str, *extra: str) -> Any:
    return cli("resolve", qid, "--outcome", outcome, "--by", "carol", "--note", "seen", *extra)


def test_manual_resolution_of_each_kind(questions: Cli) -> None:
    cli = questions
    result = _resolve(cli, "B1", "YES", "--evidence-url", "https://example.org/report")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "B1 resolved yes by carol"
    assert _resolve(cli, "MC", "blue").exit_code == 0
    as_json = _resolve(cli, "N1", " 42.5 ", "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["value"] == 42.5
    assert _resolve(cli, "B2", "annulled").exit_code == 0

    b1 = _show(cli, "B1")
    assert b1["status"] == "resolved"
    assert b1["resolution"]["outcome"] == "yes"
    assert b1["resolution"]["method"] == "manual"
    assert b1["resolution"]["by"] == "carol" and b1["resolution"]["note"] == "seen"
    assert b1["resolution"]["evidence_url"] == "https://example.org/report"
    assert _show(cli, "MC")["resolution"]["outcome"] == "blue"
    n1 = _show(cli, "N1")["resolution"]
    assert (n1["outcome"], n1["value"]) == ("42.5", 42.5)
    b2 = _show(cli, "B2")
    assert b2["status"] == "annulled" and b2["resolution"]["outcome"] == "annulled"
    assert "resolution: blue (manual by carol" in _ok(cli, "question", "show", "MC")
    assert "ok:" in _ok(cli, "verify")


def _by_hand(qid: str, outcome: str) -> tuple[str, ...]:
    return ("resolve", qid, "--outcome", outcome, "--by", "carol", "--note", "seen")


BAD = [
    (_by_hand("B1", "maybe"), "--outcome: 'maybe' is not yes, no or annulled"),
    (_by_hand("MC", "green"), "--outcome: 'green' is not an option of MC (red, blue)"),
    (_by_hand("MC", "Red"), "--outcome: 'Red' is not an option of MC"),
    (_by_hand("N1", "abc"), "--outcome: 'abc' is not a number or annulled"),
    (_by_hand("N1", "nan"), "--outcome: 'nan' is not a finite number"),
    (_by_hand("NOPE", "yes"), "no question with id 'NOPE'"),
    (("resolve", "B1", "--outcome", "yes", "--by", "carol"), "--note: required"),
    (("resolve", "B1", "--outcome", "yes", "--note", "seen"), "--by: required"),
    (("resolve", "B1", "--by", "carol", "--note", "seen"), "--outcome: required"),
    (("resolve", "--due", "--lease", "soon"), "--lease"),
]


def test_bad_input_exits_2_names_the_field_and_writes_nothing(questions: Cli) -> None:
    cli = questions
    before = _head(cli)
    for args, message in BAD:
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _head(cli) == before
    assert all(_show(cli, q)["resolution"] is None for q in ("B1", "MC", "N1"))


def test_a_second_resolution_is_refused_and_a_correction_is_recorded(questions: Cli) -> None:
    cli = questions
    nothing = cli("correct", "B1", "--outcome", "no", "--by", "dave", "--reason", "x")
    assert nothing.exit_code == 2 and "B1 is not resolved; nothing to correct" in nothing.stderr
    assert _resolve(cli, "B1", "yes").exit_code == 0
    before = _head(cli)

    again = _resolve(cli, "B1", "no")
    assert again.exit_code == 2
    assert "B1 is already resolved; record a correction" in again.stderr
    same = cli("correct", "B1", "--outcome", "yes", "--by", "dave", "--reason", "x")
    assert same.exit_code == 2 and "already resolves to 'yes'" in same.stderr
    bad = cli("correct", "B1", "--outcome", "perhaps", "--by", "dave", "--reason", "x")
    assert bad.exit_code == 2 and "--outcome" in bad.stderr
    assert _head(cli) == before

    fixed = cli("correct", "B1", "--outcome", "no", "--by", "dave", "--reason", "misread")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.strip() == "B1 corrected: yes -> no"
    assert _head(cli) != before
    shown = _show(cli, "B1")
    assert shown["resolution"]["outcome"] == "yes"  # the original stays
    assert [(c["previous_outcome"], c["outcome"], c["by"]) for c in shown["corrections"]] == [
        ("yes", "no", "dave")
    ]
    assert "correction: yes -> no by dave" in _ok(cli, "question", "show", "B1")
    annul = cli("correct", "B1", "--outcome", "annulled", "--by", "dave", "--reason", "void")
    assert annul.exit_code == 0, annul.output
    assert _show(cli, "B1")["status"] == "annulled"
    assert "ok:" in _ok(cli, "verify")


def _spec(server: Server, path: str, **rule: Any) -> str:
    return json.dumps(
        {"source": "http_json", "url": server.url(path), "path": "$.data.value", **rule}
    )


@pytest.fixture
def swept(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, dict[str, Any], bytes]:
    """YES, NO, BROKEN (a 500), STALE (a 500, due long ago) and BYHAND (resolved by hand
    first), all due; then one sweep."""
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    body = b'{"data": {"value": 12}}'
    server.routes["/v"] = Route(body)
    # Retry-After: 0 keeps the fetcher's own retries of the 500 instant.
    server.routes["/broken"] = Route(b"boom", 500, "text/plain", {"Retry-After": "0"})
    recent = ("--opens", "2025-01-01", *_recent())
    for qid, path, rule in (
        ("YES", "/v", {"op": ">=", "threshold": 10}),
        ("NO", "/v", {"op": ">=", "threshold": 20}),
        ("BROKEN", "/broken", {"op": ">", "threshold": 0}),
        ("BYHAND", "/v", {"op": ">", "threshold": 0}),
    ):
        _add(cli, qid, "binary", "--resolution", _spec(server, path, **rule), due=recent)
    _add(cli, "STALE", "binary", "--resolution", _spec(server, "/broken", op=">", threshold=0))
    _add(cli, "MANUAL")  # no spec: never swept
    assert _resolve(cli, "BYHAND", "no").exit_code == 0
    summary = json.loads(_ok(cli, "resolve", "--due", "--json", "--worker", "cli-test"))
    return cli, summary, body


def test_resolve_due_reports_the_counts_and_is_idempotent(
    swept: tuple[Cli, dict[str, Any], bytes], server: Server
) -> None:
    cli, summary, _ = swept
    assert summary["counts"] == {
        "resolved": 2,
        "pending": 0,
        "failed": 1,
        "needs_review": 1,
        "skipped": 0,
    }
    assert summary["worker"] == "cli-test" and summary["dry_run"] is False
    assert summary["requests"] == 2
    results = {r["question_id"]: (r["result"], r["outcome"]) for r in summary["results"]}
    assert results == {
        "YES": ("resolved", "yes"),
        "NO": ("resolved", "no"),
        "BROKEN": ("failed", None),
        "STALE": ("needs_review", None),
    }
    assert _show(cli, "YES")["resolution"]["method"] == "source"
    assert _show(cli, "BYHAND")["resolution"]["outcome"] == "no"  # the sweep left it alone
    assert _show(cli, "MANUAL")["resolution"] is None
    assert server.hits["/v"] == 1

    head = _head(cli)
    again = json.loads(_ok(cli, "resolve", "--due", "--json"))
    assert again["results"] == [] and again["requests"] == 0  # BROKEN waits for its backoff
    assert _head(cli) == head
    text_out = _ok(cli, "resolve", "--due")
    assert "resolved 0, pending 0, failed 0, needs_review 0 (0 distinct requests)" in text_out
    assert "ok:" in _ok(cli, "verify")


def test_evidence_list_and_show_rehash_the_served_bytes(
    swept: tuple[Cli, dict[str, Any], bytes], database_url: str
) -> None:
    cli, _, body = swept
    digest = hashlib.sha256(body).hexdigest()
    listed = json.loads(_ok(cli, "evidence", "list", "YES", "--json"))
    assert listed["state"] == "resolved"
    assert [(e["sha256"], e["status"], e["size"]) for e in listed["evidence"]] == [
        (digest, 200, len(body))
    ]
    assert [h["result"] for h in listed["history"]] == ["resolved"]
    assert f"sha256 {digest}" in _ok(cli, "evidence", "list", "YES")

    broken = json.loads(_ok(cli, "evidence", "list", "BROKEN", "--json"))
    assert broken["state"] == "pending" and broken["attempts"] == 1
    assert broken["evidence"] == [] and "500" in broken["last_error"]
    assert broken["next_check_at"] is not None
    stale = json.loads(_ok(cli, "evidence", "list", "STALE", "--json"))
    assert stale["state"] == "needs_review" and stale["next_check_at"] is None
    assert "past the grace period" in stale["last_error"]

    evidence_id = str(listed["evidence"][0]["id"])
    shown = json.loads(_ok(cli, "evidence", "show", evidence_id, "--json"))
    assert shown["check"] == "ok"
    assert shown["sha256"] == shown["rehashed"] == digest
    assert shown["question_id"] == "YES" and shown["status"] == 200
    as_text = _ok(cli, "evidence", "show", evidence_id)
    assert "check: ok" in as_text and body.decode() in as_text

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE evidence SET body = :body WHERE id = :id"),
            {"body": b'{"data": {"value": 99}}', "id": int(evidence_id)},
        )
    engine.dispose()
    tampered = cli("evidence", "show", evidence_id)
    assert tampered.exit_code == 1
    assert "check: MISMATCH" in tampered.stdout
    assert f"not {digest}" in tampered.stderr
    as_json = cli("evidence", "show", evidence_id, "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["check"] == "MISMATCH"

    missing = cli("evidence", "show", "99999")
    assert missing.exit_code == 2 and "no evidence with id '99999'" in missing.stderr
    unknown = cli("evidence", "list", "NOPE")
    assert unknown.exit_code == 2 and "no question with id 'NOPE'" in unknown.stderr


def test_dry_run_covers_every_due_question_and_writes_nothing(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    server.routes["/v"] = Route(b'{"data": {"value": 12}}')
    for i in range(5):
        _add(cli, f"D{i}", "binary", "--resolution", _spec(server, "/v", op=">=", threshold=10))
    head = _head(cli)
    dry = json.loads(_ok(cli, "resolve", "--due", "--dry-run", "--batch", "2", "--json"))
    assert dry["dry_run"] is True
    assert sorted(r["question_id"] for r in dry["results"]) == [f"D{i}" for i in range(5)]
    assert dry["counts"]["resolved"] == 5
    assert _head(cli) == head
    assert _show(cli, "D0")["resolution"] is None
    real = json.loads(_ok(cli, "resolve", "--due", "--batch", "2", "--json"))
    assert real["counts"]["resolved"] == 5
