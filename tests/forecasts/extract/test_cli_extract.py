"""``forecasts extract`` through the real CLI: the founding article, drafts, import, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from forecasts.cli import build_app

from ..conftest import Cli
from .conftest import FakeServer, Reply

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ai_race_2026.yaml"


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(build_app(), list(args), input=input)


def claims_of(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def by_speaker(document: dict[str, Any], speaker: str) -> dict[str, Any]:
    return next(c for c in document["claims"] if c["speaker"] == speaker)


def test_founding_article_yields_the_a_b_c_claims_and_the_ipos_as_facts(
    seed_article: Path,
) -> None:
    document = claims_of(run("extract", str(seed_article), "--json"))
    text = seed_article.read_text(encoding="utf-8")
    assert document["made_at"] == "2026-01-10"  # the dateline, no --date given
    for claim in document["claims"]:
        assert text[claim["start"] : claim["end"]] == claim["quote"]

    yao = by_speaker(document, "Yao Shunyu")
    assert yao["probability_text"] == "high likelihood"
    assert (yao["probability"], yao["band"], yao["read_as"]) == (0.875, [0.8, 0.95], "very likely")
    assert (yao["window_start"], yao["resolve_by"]) == ("2029-01-10", "2031-01-10")
    assert "chief AI scientist" in yao["speaker_role"]
    assert yao["forecastable"] and yao["question"]["kind"] == "binary"

    lin = by_speaker(document, "Lin Junyang")
    assert lin["quantity"]["low"] == 10 and lin["quantity"]["high"] == 100
    assert lin["quantity"]["scale"] == "log"
    assert lin["question"]["kind"] == "numeric" and lin["question"]["scale"]["log_scale"]
    assert lin["forecast"]["interval"] == {
        "low": 10.0,
        "high": 100.0,
        "coverage": 0.9,
        "log_scale": True,
    }

    gap = next(c for c in document["claims"] if "gap is shrinking" in c["quote"])
    assert gap["forecastable"] and gap["claim"].startswith("The gap is shrinking")

    assert not any("debuts" in c["quote"] for c in document["claims"])
    facts = [s for s in document["not_predictions"] if "debuts" in s["quote"]]
    assert [s["kind"] for s in facts] == ["fact"]


def _questions_only_example(tmp_path: Path) -> Path:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document.pop("forecasts")
    path = tmp_path / "questions.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_draft_imports_into_the_founding_questions(
    cli: Cli, seed_article: Path, tmp_path: Path
) -> None:
    assert cli("import", str(_questions_only_example(tmp_path))).exit_code == 0
    draft = tmp_path / "draft.yaml"
    result = cli("extract", str(seed_article), "--match", "--out", str(draft), "--url",
                 "https://example.org/ai-race")  # fmt: skip
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert document.get("questions") is None  # every forecastable claim matched
    assert all(item["review"] == "pending" for section in document.values() for item in section)

    head = cli("ledger", "head", "--json").stdout
    refused = cli("import", str(draft))
    assert refused.exit_code == 2 and "review: pending" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert cli("ledger", "head", "--json").stdout == head  # nothing written

    assert cli("import", str(draft), "--accept-pending").exit_code == 0
    targets: dict[str, set[str]] = {}
    for question in ("A1", "A2", "A3", "A4", "B1", "B2", "B3", "C1", "C2"):
        shown = json.loads(cli("question", "show", question, "--json").stdout)
        for forecast in shown["forecasts"]:
            targets.setdefault(forecast["forecaster"], set()).add(question)
    assert targets == {
        "yao-shunyu": {"A1", "A2", "A3", "A4"},
        "lin-junyang": {"B1"},
        "industry-observers": {"C1"},
    }
    shown = json.loads(cli("question", "show", "A1", "--json").stdout)
    forecast = shown["forecasts"][0]
    assert forecast["made_at"].startswith("2026-01-10")
    assert forecast["provenance"]["source_url"] == "https://example.org/ai-race"
    assert "high likelihood" in forecast["provenance"]["quote"]


def test_a_fresh_draft_imports_as_new_questions(
    cli: Cli, seed_article: Path, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.yaml"
    assert cli("extract", str(seed_article), "--out", str(draft)).exit_code == 0
    result = cli("import", str(draft), "--accept-pending", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"]["questions"] == 3
    # Running the import again is refused: the drafted ids are deterministic.
    assert cli("import", str(draft), "--accept-pending").exit_code == 2


def test_review_marks_other_than_pending_or_done_are_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("forecasters:\n  - {handle: ok, name: OK, review: maybe}\n", encoding="utf-8")
    result = cli("import", str(path), "--accept-pending")
    assert result.exit_code == 2 and "review: 'maybe'" in result.stderr
    path.write_text("forecasters:\n  - {handle: ok, name: OK, review: done}\n", encoding="utf-8")
    assert cli("import", str(path)).exit_code == 0


PAGE = b"""<!doctype html><html><head><title>Outlook</title>
<meta property="article:published_time" content="2026-03-02T08:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/markets">Markets</a> Subscribe now</nav>
<article><h1>Norte Bank sees slower inflation</h1>
<p>Ana Ruiz, chief economist at Norte Bank, said inflation is likely to fall to 2.1% next
year.</p><p>The bank's board will meet on Thursday to set rates.</p>
<p>Shares of the bank rose 4% this week.</p></article>
<footer>Copyright 2026 Example News. Cookie policy. All rights reserved.</footer>
</body></html>"""


def test_extract_from_a_url_reads_the_main_text_and_the_page_date(
    fake_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    fake_server.pages["/outlook"] = Reply(body=PAGE, content_type="text/html; charset=utf-8")
    url = fake_server.url("/outlook")
    draft = tmp_path / "draft.yaml"
    document = claims_of(run("extract", url, "--json", "--out", str(draft)))
    assert document["made_at"] == "2026-03-02"
    [claim] = document["claims"]
    assert (claim["speaker"], claim["speaker_role"]) == (
        "Ana Ruiz",
        "chief economist at Norte Bank",
    )
    assert (claim["probability_text"], claim["resolve_by"]) == ("likely", "2027-12-31")
    assert claim["quantity"]["point"] == 2.1 and claim["quantity"]["unit"] == "%"
    assert "Cookie" not in claim["context"] and "Subscribe" not in claim["context"]
    assert {s["kind"] for s in document["not_predictions"]} == {"schedule", "fact"}
    forecast = yaml.safe_load(draft.read_text(encoding="utf-8"))["forecasts"][0]
    assert forecast["source"] == url and forecast["made_at"] == "2026-03-02"


def test_stdin_and_speaker_hint() -> None:
    text = "Prices will double by 2030, according to nobody in particular we can name."
    document = claims_of(run("extract", "-", "--date", "2026-02-01", "--json", input=text))
    assert document["claims"][0]["speaker"] == "nobody in particular we can name"
    hinted = claims_of(
        run(
            "extract",
            "-",
            "--date",
            "2026-02-01",
            "--json",
            "--speaker-hint",
            "Op-ed author",
            input="Prices will double by 2030.",
        )  # fmt: skip
    )
    assert hinted["claims"][0]["speaker"] == "Op-ed author"
    assert hinted["claims"][0]["resolve_by"] == "2030-12-31"


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"", (), "empty input"),
        (b"   \n\n", (), "empty input"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", (), "binary file"),
        (b"Rates will fall by 2027, she said.", ("--date", "10/01/2026"), "--date: '10/01/2026'"),
        (b"Rates will fall by 2027, she said.", (), "--date: the text carries no publication"),
        (b"Rates will fall by 2027.", ("--date", "2026-01-10", "--engine", "magic"), "--engine"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, content: bytes, args: tuple[str, ...], message: str
) -> None:
    source = tmp_path / "input.txt"
    source.write_bytes(content)
    out = tmp_path / "draft.yaml"
    result = run("extract", str(source), "--out", str(out), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("status", [404, 500])
def test_a_url_that_fails_exits_2(
    fake_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")
    fake_server.pages["/gone"] = Reply(status, b"nope", "text/plain")
    out = tmp_path / "draft.yaml"
    result = run("extract", fake_server.url("/gone"), "--out", str(out), "--date", "2026-01-10")
    assert result.exit_code == 2, result.output
    assert "fetch failed" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_private_addresses_are_refused_by_the_bounded_fetcher(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORECASTS_ALLOW_PRIVATE_SOURCES", raising=False)
    fake_server.pages["/outlook"] = Reply(body=PAGE, content_type="text/html")
    result = run("extract", fake_server.url("/outlook"), "--date", "2026-01-10")
    assert result.exit_code == 2 and "fetch failed" in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("extract", str(tmp_path / "nope.txt"), "--date", "2026-01-10")
    assert result.exit_code == 2 and "cannot read" in result.stderr
