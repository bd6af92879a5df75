"""Importing PredictionBook JSON (my_predictions pages) through the real CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.forecasts.conftest import Cli

FIXTURE = Path(__file__).parent / "fixtures" / "predictionbook_my_predictions.json"


def _import(cli: Cli, path: Path, *extra: str) -> dict[str, object]:
    result = cli("import", "--from", "predictionbook", str(path), "--json", *extra)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_predictionbook_pages_import_with_judgements_and_score(cli: Cli) -> None:
    report = _import(cli, FIXTURE)
    assert report["imported"] == {
        "forecasters": 2,
        "questions": 4,
        "forecasts": 6,  # 8 responses: one comment without a wager, one after the deadline
        "resolutions": 3,
        "corrections": 0,
    }
    assert report["skipped"] == [
        {
            "where": "predictions[0].responses[4]",
            "reason": "wager made 2012-09-01T18:00:00+00:00, after the deadline",
        }
    ]
    # Scored: 5001 (yes, Ada's last wager by the deadline 85%), 5002 (no, 15%); 5003 is
    # unjudged and 5004 withdrawn (annulled).
    record = json.loads(cli("record", "ada-lovelace", "--json").stdout)
    assert record["n"] == 2
    assert record["brier"] == pytest.approx(math.fsum([(0.85 - 1) ** 2, 0.15**2]) / 2)
    statuses = {q["id"]: q["status"] for q in json.loads(cli("question", "list", "--json").stdout)}
    assert statuses == {
        "pb-5001": "resolved",
        "pb-5002": "resolved",
        "pb-5003": "open",
        "pb-5004": "annulled",
    }
    exported = json.loads(cli("export", "--format", "json").stdout)
    wager = next(f for f in exported["forecasts"] if f["id"] == "pbf-90001")
    assert wager["made_at"].startswith("2012-03-04T05:06:07")
    assert wager["note"] == "Gears, mostly."
    assert wager["origin"]["url"] == "https://predictionbook.com/predictions/5001"
    assert wager["origin"]["platform_id"] == "90001"
    judged = {r["question_id"]: r for r in exported["resolutions"]}
    # No judgement time recorded: the later of the deadline and a day after the last update.
    assert judged["pb-5002"]["resolved_at"].startswith("2012-12-27T09:00:00")
    again = _import(cli, FIXTURE)
    assert set(again["imported"].values()) == {0}  # type: ignore[union-attr]


def test_a_bad_wager_refuses_the_file_and_names_it(cli: Cli, tmp_path: Path) -> None:
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    document[1]["predictions"][0]["responses"][0]["confidence"] = 140
    bad = tmp_path / "pb.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    result = cli("import", "--from", "predictionbook", str(bad))
    assert result.exit_code == 2
    assert "predictions[2].responses[0]: confidence: 140 is not between 0 and 100" in result.stderr
    assert json.loads(cli("question", "list", "--json").stdout) == []
