"""The light SQLite path (no SQLAlchemy) reads and writes exactly what the store does.

``forecasts question list`` and ``forecasts forecast add`` take this path on the embedded
file; a row or event written differently would break ``verify`` or a later read, so the tests
build two identical databases and compare the rows each path writes, column by column.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forecasts.db.lite import LiteStore, open_lite
from forecasts.db.store import Store, open_store
from forecasts.db.verify import verify_store
from forecasts.domain import Correction, Forecast, Resolution
from forecasts.errors import ConflictError
from forecasts.services import add_correction, add_forecaster, add_question, add_resolution
from forecasts.services.forecasting import build_forecast
from forecasts.services.queries import list_questions
from tests.factories import (
    AS_OF,
    STILL_OPEN,
    make_forecast_input,
    make_forecaster,
    make_question,
)

LATER = AS_OF + timedelta(days=3, microseconds=123)
_NOW = LATER.isoformat()
_CLAIM = {"source": "https://example.org/interview", "quote": "it will happen"}


def _url(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


def _populate(url: str) -> None:
    """The same forecasters, questions and outcomes every time (same ids, same times)."""
    store = open_store(url)
    try:
        add_forecaster(store, make_forecaster("alice", affiliation="Lab"), as_of=AS_OF)
        add_forecaster(store, make_forecaster("bob"), as_of=AS_OF)
        questions = [
            make_question(
                "QB", tags=["ai", "chips"], resolution={"source": "manual"}, **STILL_OPEN
            ),
            make_question(
                "QM", kind="multiple_choice", options=["US", "China", "other"], **STILL_OPEN
            ),
            make_question(
                "QN",
                kind="numeric",
                scale={"log_scale": True, "lower": 1, "unit": "x"},
                check_every="7d",
                closes_at="2026-09-01",
            ),
            make_question("QR", closes_at="2026-05-01", resolve_on="2026-05-02"),
            make_question("QC", closes_at="2026-04-01", resolve_on="2026-04-02"),
        ]
        for question in questions:
            add_question(store, question, as_of=AS_OF)
        for question_id in ("QR", "QC"):
            entry = make_forecast_input(question_id, made_at="2026-03-01", **_CLAIM)
            forecast = build_forecast(
                entry,
                question=store.question(question_id),
                forecaster_known=True,
                as_of=AS_OF,
                id_factory=lambda q=question_id: f"f-setup-{q}",
            )
            with store.transaction() as session:
                store.record(session, forecast, as_of=AS_OF)
        resolved = datetime(2026, 5, 20, tzinfo=UTC)
        add_resolution(
            store, Resolution(question_id="QR", outcome="yes", resolved_at=resolved), as_of=AS_OF
        )
        add_resolution(
            store, Resolution(question_id="QC", outcome="yes", resolved_at=resolved), as_of=AS_OF
        )
        correction = Correction(
            question_id="QC",
            previous_outcome="yes",
            outcome="no",
            corrected_at=resolved,
            by="alice",
            reason="misread the source",
        )
        add_correction(store, correction, as_of=AS_OF)
    finally:
        store.close()


def _forecasts(store: Store | LiteStore) -> list[Forecast]:
    """One forecast of every shape: a probability with its source, a verbal phrase, options,
    quantiles, and a backdated claim on the resolved question."""
    entries = [
        make_forecast_input(
            "QB",
            p="70%",
            source="https://example.org/story",
            quote="a high likelihood",
            published_at="2026-01-20",
            note="from the story",
        ),
        make_forecast_input("QB", by="bob", p=None, said="very likely", made_at=_NOW),
        make_forecast_input(
            "QM", p=None, options={"US": 0.5, "China": 0.4, "other": 0.1}, made_at=_NOW
        ),
        make_forecast_input(
            "QN", p=None, quantiles={"0.1": 10, "0.5": 30, "0.9": 100}, made_at=_NOW
        ),
        make_forecast_input("QR", by="bob", p=0.2, made_at="2026-04-01", **_CLAIM),
    ]
    built = []
    for number, entry in enumerate(entries):
        built.append(
            build_forecast(
                entry,
                question=store.question(entry.question),
                forecaster_known=store.forecaster(entry.by) is not None,
                as_of=LATER,
                id_factory=lambda n=number: f"f-parity-{n}",
            )
        )
    return built


def _rows(url: str, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def _lite(url: str) -> LiteStore:
    lite = open_lite(url)
    assert lite is not None, "the light path refused a fresh database at the newest schema"
    return lite


def test_forecasts_written_on_the_light_path_are_the_rows_and_events_the_store_writes(
    tmp_path: Path,
) -> None:
    by_store, by_lite = _url(tmp_path, "store.db"), _url(tmp_path, "lite.db")
    _populate(by_store)
    _populate(by_lite)
    store, lite = open_store(by_store), _lite(by_lite)
    for forecast in _forecasts(store):
        with store.transaction() as session:
            store.record(session, forecast, as_of=LATER)
    for forecast in _forecasts(lite):
        with lite.transaction() as session:
            lite.record(session, forecast, as_of=LATER)
    lite.close()
    store.close()

    # forecast rows, events and head, and (for the backdated claim on QR) the kept scores
    for table in ("forecast", "ledger_event", "ledger_head", "kept_question", "kept_score"):
        assert _rows(by_lite, table) == _rows(by_store, table), table
    assert len(_rows(by_lite, "forecast")) == 7
    reopened = open_store(by_lite)
    assert verify_store(reopened).ok
    assert {f.id for f in reopened.forecasts(question_id="QB")} == {"f-parity-0", "f-parity-1"}
    reopened.close()


def test_the_light_path_reads_what_the_store_reads(tmp_path: Path) -> None:
    url = _url(tmp_path, "reads.db")
    _populate(url)
    store, lite = open_store(url), _lite(url)
    assert [q.id for q in lite.questions()] == ["QC", "QR", "QN", "QB", "QM"]
    assert lite.questions() == store.questions()
    for question in store.questions():
        assert lite.question(question.id) == question
    assert lite.question("nope") is None
    assert lite.forecaster("alice") == store.forecaster("alice")
    assert lite.forecaster("carol") is None
    assert lite.current_outcomes() == store.current_outcomes() == {"QR": "yes", "QC": "no"}
    as_of = datetime(2026, 6, 10, tzinfo=UTC)
    assert list_questions(lite, as_of=as_of) == list_questions(store, as_of=as_of)
    lite.close()
    store.close()


def test_a_repeated_forecast_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    url = _url(tmp_path, "conflict.db")
    _populate(url)
    lite = _lite(url)
    first = _forecasts(lite)[0]
    with lite.transaction() as session:
        lite.record(session, first, as_of=LATER)
    head = _rows(url, "ledger_head")
    with pytest.raises(ConflictError, match="f-parity-0"), lite.transaction() as session:
        lite.record(session, first, as_of=LATER)
    assert _rows(url, "ledger_head") == head
    assert sum(row[0] == "f-parity-0" for row in _rows(url, "forecast")) == 1
    lite.close()


def _at_revision(url: str, statement: str) -> str:
    _populate(url)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute(statement)
    return url


@pytest.mark.parametrize(
    "case",
    ["missing file", "postgresql", "in memory", "older schema", "kept scores incomplete"],
)
def test_the_store_opens_what_the_light_path_does_not_cover(tmp_path: Path, case: str) -> None:
    url = {
        "missing file": lambda: _url(tmp_path, "absent.db"),
        "postgresql": lambda: "postgresql://u@localhost/db",
        "in memory": lambda: "sqlite:///:memory:",
        "older schema": lambda: _at_revision(
            _url(tmp_path, "old.db"), "UPDATE alembic_version SET version_num = '0008'"
        ),
        "kept scores incomplete": lambda: _at_revision(
            _url(tmp_path, "kept.db"), "UPDATE kept_state SET complete = 0"
        ),
    }[case]()
    assert open_lite(url) is None


def _forecasts_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        "from forecasts.cli import main\n"
        "sys.argv = ['forecasts', *sys.argv[1:]]\n"
        "try:\n    main()\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "else:\n    code = 0\n"
        "print('loaded sqlalchemy' if 'sqlalchemy' in sys.modules else 'no sqlalchemy')\n"
        "sys.exit(code)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args, "--db", str(db)], capture_output=True, text=True
    )


def test_everyday_commands_on_the_sqlite_file_load_no_sqlalchemy(tmp_path: Path) -> None:
    url = _url(tmp_path, "cli.db")
    _populate(url)
    db = tmp_path / "cli.db"
    listed = _forecasts_cli("question", "list", db=db)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].startswith("QC ")
    assert "resolved" in listed.stdout
    assert listed.stdout.splitlines()[-1] == "no sqlalchemy"

    added = _forecasts_cli("forecast", "add", "QB", "--by", "bob", "--p", "65%", db=db)
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[-1] == "no sqlalchemy"
    forecast_id = added.stdout.splitlines()[0]
    store = open_store(url)
    assert [f.probability for f in store.forecasts(question_id="QB") if f.id == forecast_id] == [
        0.65
    ]
    assert verify_store(store).ok
    store.close()

    # a claim on a resolved question changes its scores: the store takes that one
    claim = _forecasts_cli(
        "forecast",
        "add",
        "QR",
        "--by",
        "bob",
        "--p",
        "0.9",
        "--at",
        "2026-04-15",
        "--source",
        "https://example.org/talk",
        "--quote",
        "almost certain",
        db=db,
    )
    assert claim.returncode == 0, claim.stderr
    assert claim.stdout.splitlines()[-1] == "loaded sqlalchemy"
    kept = [row for row in _rows(url, "kept_score") if "QR" in row and "bob" in row]
    assert kept, "the backdated claim on a resolved question left no kept score for bob"

    refused = _forecasts_cli("forecast", "add", "QB", "--by", "nobody", "--p", "0.5", db=db)
    assert refused.returncode == 2
    assert "nobody" in refused.stderr
