"""Importing a Fatebook CSV export through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forecasts.platforms import handle_for
from forecasts.platforms.fatebook import parse_date
from tests.forecasts.conftest import Cli

FIXTURE = Path(__file__).parent / "fixtures" / "fatebook_export.csv"


def _head(cli: Cli) -> str:
    result = cli("ledger", "head")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _import(cli: Cli, path: Path, *extra: str) -> dict[str, object]:
    result = cli("import", "--from", "fatebook", str(path), "--json", *extra)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def _when(text: str) -> datetime:
    # Written apart from the parser on purpose: the test must not trust the code it checks.
    date, clock = text.split(" ")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi, s = (int(x) for x in clock.split(":"))
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def _expected_brier(path: Path, name: str) -> tuple[int, float]:
    """Mean Brier of ``name``'s last forecast by the resolve-by date, resolved YES/NO only."""
    last: dict[tuple[str, str], tuple[datetime, float, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Forecast created by"] != name or row["Resolution"] not in ("YES", "NO"):
                continue
            made = _when(row["Forecast created at"])
            if made > _when(row["Question resolve by"]):
                continue
            key = (row["Question title"], row["Multiple choice option"])
            if key not in last or made >= last[key][0]:
                last[key] = (made, float(row["Forecast (scale = 0-1)"]), row["Resolution"])
    scores = [(p - (1.0 if res == "YES" else 0.0)) ** 2 for _, p, res in last.values()]
    return len(scores), math.fsum(scores) / len(scores)


def test_import_then_record_reports_the_brier_of_last_forecasts_by_resolve_by(cli: Cli) -> None:
    report = _import(cli, FIXTURE)
    # 4 binary questions + one per option of the 3-option multiple-choice question.
    assert report["imported"] == {
        "forecasters": 2,
        "questions": 7,
        "forecasts": 15,
        "resolutions": 6,
        "corrections": 0,
    }
    assert report["forecasters"] == {
        "Ada Lovelace": "ada-lovelace",
        "Charles Babbage": "charles-babbage",
    }
    assert report["skipped"] == [
        {
            "where": "row 5",
            "reason": "forecast made 2024-03-01T12:00:00+00:00, after the resolve-by date",
        }
    ]
    n, brier = _expected_brier(FIXTURE, "Ada Lovelace")
    assert (
        n == 5
    )  # two binary questions and three options; the ambiguous and open ones do not count
    record = json.loads(cli("record", "ada-lovelace", "--json").stdout)
    assert record["n"] == n
    assert record["brier"] == pytest.approx(brier, abs=1e-12)
    other_n, other_brier = _expected_brier(FIXTURE, "Charles Babbage")
    other = json.loads(cli("record", "charles-babbage", "--json").stdout)
    assert (other["n"], other["brier"]) == (other_n, pytest.approx(other_brier, abs=1e-12))


def test_forecasts_keep_fatebook_times_and_provenance_and_outcomes_map(cli: Cli) -> None:
    _import(cli, FIXTURE)
    exported = json.loads(cli("export", "--format", "json").stdout)
    sha = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    first = next(f for f in exported["forecasts"] if f["made_at"].startswith("2024-01-02T09:05:07"))
    assert first["by"] == "ada-lovelace" and first["p"] == 0.6
    assert first["origin"] == {
        "platform": "fatebook",
        "file": FIXTURE.name,
        "file_sha256": sha,
        "platform_id": first["id"],
        "platform_score": 0.1534,  # the exporter's own Fatebook Brier for the question
    }
    titles = {q["id"]: q for q in exported["questions"]}
    engine = next(q for q in titles.values() if q["title"].startswith("Will the Analytical"))
    assert engine["title"] == 'Will the Analytical Engine run, "at scale", by March 2024?'
    assert engine["closes_at"].startswith("2024-03-01T00:00:00")
    assert engine["tags"] == ["engines", "history"]
    assert 'A second line, "quoted".' in engine["notes"]
    assert 'Doubtful, "very" doubtful' in engine["notes"]
    assert any(
        q["title"] == "Which language wins the benchmark? — C, or C++" for q in titles.values()
    )
    statuses = {
        q["title"]: q["status"] for q in json.loads(cli("question", "list", "--json").stdout)
    }
    assert statuses["Will the conference be held in person?"] == "annulled"
    assert statuses["Will Fatebook add numeric questions by 2030?"] == "open"
    assert statuses["Will it rain in London on 1 May 2024?"] == "resolved"


def test_reimporting_the_same_export_adds_nothing(cli: Cli) -> None:
    _import(cli, FIXTURE)
    head = _head(cli)
    again = _import(cli, FIXTURE)
    assert set(again["imported"].values()) == {0}  # type: ignore[union-attr]
    reasons = [s["reason"] for s in again["skipped"]]  # type: ignore[union-attr]
    assert sum("already imported" in r for r in reasons) == 7 + 15
    assert sum("already resolved" in r for r in reasons) == 6
    assert _head(cli) == head


def test_an_unresolved_question_can_be_resolved_here_later(cli: Cli) -> None:
    _import(cli, FIXTURE)
    open_q = next(
        q for q in json.loads(cli("question", "list", "--json").stdout) if q["status"] == "open"
    )
    result = cli(
        "resolve", open_q["id"], "--outcome", "yes", "--note", "Fatebook shipped it", "--by", "ada"
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "0.3,2024-01-05 08:00:9",
            "0.3,2024-01-05 8h00",
            "row 3: Forecast created at: '2024-01-05 8h00' is not a date like 2024-03-05 14:07:5",
        ),
        (
            "0.3,2024-01-05 08:00:9",
            "1.3,2024-01-05 08:00:9",
            "row 3: Forecast (scale = 0-1): 1.3 is not between 0 and 1",
        ),
        (
            '12:00:12,"Ada Lovelace",2024-04-01 07:00:1,2024-05-01 23:59:0,"NO"',
            '12:00:12,"Ada Lovelace",2024-04-01 07:00:1,2024-05-01 23:59:0,"MAYBE"',
            "row 7: Resolution: 'MAYBE' is not YES, NO or AMBIGUOUS",
        ),
    ],
)
def test_one_bad_row_refuses_the_whole_file(
    cli: Cli, tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    bad = tmp_path / "export.csv"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    before = _head(cli)
    result = cli("import", "--from", "fatebook", str(bad))
    assert result.exit_code == 2
    assert "1 invalid record(s), nothing imported" in result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _head(cli) == before
    assert json.loads(cli("question", "list", "--json").stdout) == []


def test_a_csv_that_is_not_a_fatebook_export_is_refused(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("record,handle,name\nforecaster,ada,Ada\n", encoding="utf-8")
    result = cli("import", "--from", "fatebook", str(other))
    assert result.exit_code == 2
    assert "header: not a Fatebook export: missing column(s) Question title" in result.stderr


def test_dry_run_reports_and_writes_nothing(cli: Cli) -> None:
    before = _head(cli)
    report = _import(cli, FIXTURE, "--dry-run")
    assert report["dry_run"] is True
    assert report["imported"]["forecasts"] == 15  # type: ignore[index]
    assert _head(cli) == before


def test_as_maps_names_and_a_case_variant_of_a_handle_is_the_same_person(cli: Cli) -> None:
    assert cli("forecaster", "add", "Charles-Babbage", "--name", "C. B.").exit_code == 0
    report = _import(cli, FIXTURE, "--as", "Ada Lovelace=ada")
    assert report["forecasters"] == {"Ada Lovelace": "ada", "Charles Babbage": "Charles-Babbage"}
    assert report["imported"]["forecasters"] == 1  # type: ignore[index]
    assert json.loads(cli("record", "ada", "--json").stdout)["n"] == 5


def test_a_bare_as_needs_a_one_person_file(cli: Cli) -> None:
    result = cli("import", "--from", "fatebook", str(FIXTURE), "--as", "me")
    assert result.exit_code == 2
    assert "the file has forecasts by 2 people" in result.stderr


def test_fatebook_dates_have_unpadded_seconds_and_names_become_handles() -> None:
    assert parse_date("2024-03-05 14:07:5", "x") == datetime(2024, 3, 5, 14, 7, 5, tzinfo=UTC)
    assert parse_date("2024-03-05 14:07:59", "x").second == 59
    assert handle_for("Ada Lovelace") == "ada-lovelace"
    assert handle_for("  José  O'Brien ") == "jose-o-brien"
    assert handle_for("李") is None
    assert re.fullmatch(r"[a-z0-9-]+", handle_for("X" * 100) or "")


def _fatebook_reads(text: str) -> set[tuple[str, float, str, str, str, str]]:
    """What Fatebook's importFromCsv takes from each row (percent / 100, YES/NO/AMBIGUOUS)."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {
        (
            row["Question title"],
            round(float(row["Forecast"].replace("%", "").strip()) / 100, 12),
            row["Resolution"],
            datetime.fromisoformat(row["Question created date"]).isoformat(),
            datetime.fromisoformat(row["Resolve by"]).isoformat(),
            datetime.fromisoformat(row["Forecast created date"]).isoformat(),
        )
        for row in rows
    }


def test_export_for_fatebook_gives_back_what_was_imported(cli: Cli, tmp_path: Path) -> None:
    _import(cli, FIXTURE)
    out = tmp_path / "for-fatebook.csv"
    result = cli("export", "--format", "fatebook", "--by", "ada-lovelace", "--out", str(out))
    assert result.exit_code == 0, result.output
    expected = set()
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            made = _when(row["Forecast created at"])
            if row["Forecast created by"] != "Ada Lovelace":
                continue
            if made > _when(row["Question resolve by"]):
                continue  # skipped on import, so not exported
            option = row["Multiple choice option"]
            title = f"{row['Question title']} — {option}" if option else row["Question title"]
            expected.add(
                (
                    title,
                    float(row["Forecast (scale = 0-1)"]),
                    row["Resolution"],
                    _when(row["Question created at"]).isoformat(),
                    _when(row["Question resolve by"]).isoformat(),
                    made.isoformat(),
                )
            )
    written = out.read_text(encoding="utf-8")
    assert written.splitlines()[0] == (
        "Question title,Forecast,Question created date,Resolution,Resolved at,Resolve by,"
        "Forecast created date,Tags,Notes"
    )
    assert len(list(csv.reader(io.StringIO(written, newline="")))) - 1 == len(expected) == 9
    assert _fatebook_reads(written) == expected


def test_export_for_fatebook_needs_a_known_forecaster(cli: Cli) -> None:
    result = cli("export", "--format", "fatebook")
    assert result.exit_code == 2
    assert "--by: required with --format fatebook" in result.stderr
    result = cli("export", "--format", "fatebook", "--by", "nobody")
    assert result.exit_code == 2
    assert "no forecaster with id 'nobody'" in result.stderr


def test_platforms_not_supported_say_so(cli: Cli) -> None:
    result = cli("import", "--from", "gjopen", str(FIXTURE))
    assert result.exit_code == 2
    assert "documents no export format" in result.stderr
    result = cli("import", "--from", "myspace", str(FIXTURE))
    assert result.exit_code == 2
    assert "'myspace' is not one of fatebook, predictionbook" in result.stderr
