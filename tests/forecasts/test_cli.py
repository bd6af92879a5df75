"""The CLI contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.forecasts.conftest import Cli


def _head(cli: Cli) -> str:
    result = cli("ledger", "head")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    assert cli("forecaster", "add", "alice", "--name", "Alice").exit_code == 0
    result = cli(
        "question",
        "add",
        "--id",
        "Q1",
        "--title",
        "Will it rain?",
        "--kind",
        "binary",
        "--opens",
        "2026-01-01",
        "--closes",
        "2026-03-01",
        "--resolve-on",
        "2026-03-02",
        "--tag",
        "weather",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Q1"
    result = cli(
        "question",
        "add",
        "--id",
        "MC",
        "--title",
        "Which colour?",
        "--kind",
        "multiple_choice",
        "--option",
        "red",
        "--option",
        "blue",
        "--opens",
        "2026-01-01",
        "--closes",
        "2030-01-01",
        "--resolve-on",
        "2030-01-02",
    )
    assert result.exit_code == 0, result.output
    return cli


def test_forecast_forms_are_recorded(seeded: Cli) -> None:
    cli = seeded
    for args in (
        ["--p", "70%"],
        ["--p", "7:3"],
        ["--said", "likely"],
        ["--said", "very likely", "--scale", "ipcc"],
    ):
        # Claims logged after the fact: a past --at needs the source and the quote.
        sourced = ["--source", "https://example.org/a", "--quote", "it will rain"]
        result = cli(
            "forecast", "add", "Q1", "--by", "alice", "--at", "2026-02-01", *args, *sourced
        )
        assert result.exit_code == 0, result.output
    result = cli(
        "forecast",
        "add",
        "MC",
        "--by",
        "alice",
        "--option",
        "red=0.25",
        "--option",
        "blue=0.75",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["probabilities"] == {"red": 0.25, "blue": 0.75}
    shown = json.loads(cli("question", "show", "Q1", "--json").stdout)
    values = [f["probability"] for f in shown["forecasts"]]
    assert values == pytest.approx([0.7, 0.7, 0.675, 0.95])
    assert shown["forecasts"][3]["verbal"]["scale"] == "ipcc"


def test_numeric_forecasts(cli: Cli) -> None:
    assert cli("forecaster", "add", "bob", "--name", "Bob").exit_code == 0
    result = cli(
        "question",
        "add",
        "--id",
        "N1",
        "--title",
        "Ratio?",
        "--kind",
        "numeric",
        "--log",
        "--unit",
        "ratio",
        "--closes",
        "2030-01-01",
        "--resolve-on",
        "2030-02-01",
    )
    assert result.exit_code == 0, result.output
    result = cli(
        "forecast",
        "add",
        "N1",
        "--by",
        "bob",
        "--interval",
        "10",
        "100",
        "--coverage",
        "0.9",
        "--log",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["distribution"] == {
        "type": "interval",
        "low": 10.0,
        "high": 100.0,
        "coverage": 0.9,
        "log_scale": True,
    }
    result = cli("forecast", "add", "N1", "--by", "bob", "--quantiles", "0.1:5,0.5:20,0.9:80")
    assert result.exit_code == 0, result.output
    result = cli("question", "show", "N1")
    assert "10 to 100, 90% interval, log scale" in result.stdout
    assert "quantiles 0.1:5, 0.5:20, 0.9:80" in result.stdout


BAD_INPUTS = [
    (["forecast", "add", "Q1", "--by", "alice", "--p", "1.5"], "between 0 and 1, got 1.5"),
    (["forecast", "add", "Q1", "--by", "alice", "--p", "nan"], "NaN"),
    (
        ["forecast", "add", "MC", "--by", "alice", "--option", "red=0.5", "--option", "blue=0.4"],
        "sum to 1, they sum to 0.9",
    ),
    (
        ["forecast", "add", "Q1", "--by", "alice", "--said", "pretty sure"],
        "unknown phrase 'pretty sure'",
    ),
    (
        ["forecast", "add", "Q1", "--by", "alice", "--p", "0.5", "--at", "2026-03-05"],
        "after question Q1 closed",
    ),
    (
        [
            "forecast",
            "add",
            "MC",
            "--by",
            "alice",
            "--option",
            "red=0.5",
            "--option",
            "blue=0.5",
            "--at",
            "2199-01-01",
        ],
        "in the future",
    ),
    (
        ["forecast", "add", "Q1", "--by", "alice", "--p", "0.5", "--at", "2026-02-30"],
        "--at: '2026-02-30' is not a valid date",
    ),
    (["forecast", "add", "NOPE", "--by", "alice", "--p", "0.5"], "no question with id 'NOPE'"),
    (["forecast", "add", "Q1", "--by", "nobody", "--p", "0.5"], "no forecaster with id 'nobody'"),
    (
        ["forecaster", "add", "alice", "--name", "Another Alice"],
        "a forecaster with id 'alice' already exists",
    ),
    (
        [
            "question",
            "add",
            "--title",
            "x",
            "--kind",
            "binary",
            "--closes",
            "2026-01-01",
            "--opens",
            "2026-02-01",
            "--resolve-on",
            "2026-03-01",
        ],
        "is before opens_at",
    ),
    (
        ["question", "add", "--title", "x", "--kind", "binary", "--closes", "2099-01-01"],
        "exactly one of resolve_on and deadline",
    ),
    (["question", "show", "NOPE"], "no question with id 'NOPE'"),
    (
        [
            "question",
            "add",
            "--title",
            "x",
            "--kind",
            "binary",
            "--closes",
            "2099-01-01",
            "--resolve-on",
            "2099-01-01",
            "--resolution",
            "{not json",
        ],
        "--resolution: not valid",
    ),
]


@pytest.mark.parametrize(
    ("args", "message"),
    BAD_INPUTS,
    ids=[m.split()[0] + str(i) for i, (_, m) in enumerate(BAD_INPUTS)],
)
def test_bad_input_exits_2_names_the_problem_and_writes_nothing(
    seeded: Cli, args: list[str], message: str
) -> None:
    before = _head(seeded)
    result = seeded(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _head(seeded) == before


def test_question_list_filters(seeded: Cli) -> None:
    listed = json.loads(seeded("question", "list", "--json").stdout)
    assert {q["id"] for q in listed} == {"Q1", "MC"}
    by_tag = json.loads(seeded("question", "list", "--tag", "weather", "--json").stdout)
    assert [q["id"] for q in by_tag] == ["Q1"]
    due = json.loads(seeded("question", "list", "--status", "due", "--json").stdout)
    assert [q["id"] for q in due] == ["Q1"]
    bad = seeded("question", "list", "--status", "sleepy")
    assert bad.exit_code == 2 and "--status" in bad.stderr


def test_import_example_lists_and_shows_a1(cli: Cli, example_file: Path) -> None:
    result = cli("import", str(example_file))
    assert result.exit_code == 0, result.output
    listed = json.loads(cli("question", "list", "--json").stdout)
    ids = {q["id"] for q in listed}
    assert len(ids) >= 11
    assert {"A1", "A2", "A3", "A4", "B1", "B2", "B3", "C1", "C2", "D1", "D2"} <= ids
    shown = json.loads(cli("question", "show", "A1", "--json").stdout)
    yao = next(f for f in shown["forecasts"] if f["forecaster"] == "yao-shunyu")
    assert yao["made_at"].startswith("2026-01-10")
    assert yao["verbal"] == {
        "phrase": "high likelihood",
        "scale": "icd203",
        "term": "very likely",
        "low": 0.8,
        "high": 0.95,
    }
    assert yao["probability"] == 0.875
    assert yao["provenance"]["source_url"].startswith("https://")
    text = cli("question", "show", "A1").stdout
    assert "said 'high likelihood' read as 'very likely', ICD 203 band 0.8-0.95" in text
    assert "source: https://" in text


def test_import_is_all_or_nothing_and_lists_every_bad_record(cli: Cli, tmp_path: Path) -> None:
    before = _head(cli)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "forecasters:\n"
        "  - {handle: ok, name: OK}\n"
        "questions:\n"
        "  - {id: G1, title: Good, kind: binary, closes_at: 2030-01-01, resolve_on: 2030-01-02}\n"
        "forecasts:\n"
        "  - {question: G1, by: ok, p: 0.4}\n"
        "  - {question: G1, by: ok, p: 1.5}\n"
        "  - {question: G9, by: ok, p: 0.5}\n",
        encoding="utf-8",
    )
    result = cli("import", str(bad))
    assert result.exit_code == 2
    assert "2 invalid record(s), nothing imported" in result.stderr
    assert "forecasts[1]: p: probability must be between 0 and 1, got 1.5" in result.stderr
    assert "forecasts[2]: no question with id 'G9'" in result.stderr
    assert _head(cli) == before
    assert json.loads(cli("question", "list", "--json").stdout) == []


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv"])
def test_export_then_import_into_empty_database_round_trips(
    cli: Cli, example_file: Path, tmp_path: Path, fmt: str
) -> None:
    assert cli("import", str(example_file)).exit_code == 0
    out = tmp_path / f"export.{fmt}"
    result = cli("export", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = cli("import", str(out), db=empty)
    assert result.exit_code == 0, result.output

    def snapshot(db: str | None) -> dict[str, object]:
        if db is None:
            base = cli
        else:

            def base(*args: str) -> object:
                return cli(*args, db=db)

        exported = json.loads(base("export", "--format", "json").stdout)  # type: ignore[attr-defined]
        exported.pop("ledger_head")
        return exported

    assert snapshot(empty) == snapshot(None)


def test_verify_passes_then_names_a_tampered_row(
    cli: Cli, example_file: Path, database_url: str
) -> None:
    assert cli("import", str(example_file)).exit_code == 0
    ok = cli("verify")
    assert ok.exit_code == 0, ok.output
    assert "ok:" in ok.stdout
    from sqlalchemy import text

    from forecasts.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE forecast SET probability = 0.5 WHERE forecaster = 'lin-junyang'"
                " AND question_id = 'A2'"
            )
        )
        conn.execute(text("UPDATE question SET title = 'edited' WHERE id = 'B3'"))
    engine.dispose()
    bad = cli("verify")
    assert bad.exit_code == 1
    assert "forecast" in bad.stdout and "changed probability (ledger 0.15, row 0.5)" in bad.stdout
    assert "question B3" in bad.stdout and "changed title" in bad.stdout


def test_verify_finds_deleted_and_smuggled_rows(
    cli: Cli, example_file: Path, database_url: str
) -> None:
    assert cli("import", str(example_file)).exit_code == 0
    from sqlalchemy import text

    from forecasts.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM forecast WHERE question_id = 'D2'"))
        conn.execute(
            text("INSERT INTO forecaster (handle, name, kind) VALUES ('ghost', 'G', 'person')")
        )
    engine.dispose()
    result = cli("verify", "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert any("row was deleted" in p for p in problems)
    assert any(p.startswith("forecaster ghost: row has no ledger event") for p in problems)


def test_verify_finds_an_edited_event(cli: Cli, example_file: Path, database_url: str) -> None:
    assert cli("import", str(example_file)).exit_code == 0
    from sqlalchemy import text

    from forecasts.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        seq = conn.execute(
            text("SELECT min(seq) FROM ledger_event WHERE payload LIKE '%0.15%'")
        ).scalar_one()
        conn.execute(
            text(
                "UPDATE ledger_event SET payload = replace(payload, '0.15', '0.25') WHERE seq = :s"
            ),
            {"s": seq},
        )
    engine.dispose()
    result = cli("verify")
    assert result.exit_code == 1
    assert f"event {seq}: hash does not match its payload" in result.stdout


def test_init_migrates_and_is_idempotent(cli: Cli) -> None:
    first = cli("init")
    assert first.exit_code == 0, first.output
    again = cli("init")
    assert again.exit_code == 0 and "already at schema" in again.stdout


def test_a_command_line_loads_only_the_module_of_its_command() -> None:
    import subprocess
    import sys

    from typer.main import get_command

    from forecasts.cli import build_app

    everything = get_command(build_app())
    names = set(everything.commands)  # type: ignore[attr-defined]
    assert {"question", "forecast", "predict", "demo", "ledger", "verify", "serve"} <= names
    for name in names:
        alone = get_command(build_app([name, "--help"]))
        # the command is there, with the same help, and the other modules' commands are not
        assert name in alone.commands  # type: ignore[attr-defined]
        assert alone.commands[name].help == everything.commands[name].help  # type: ignore[attr-defined]
        assert len(alone.commands) < len(names)  # type: ignore[attr-defined]
    code = (
        "import sys; from forecasts.cli import build_app; build_app(['question', 'list']); "
        "print(' '.join(m for m in sys.modules if m.startswith('forecasts.cli.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert "forecasts.cli.questions" in loaded
    assert "forecasts.cli.scores" not in loaded
