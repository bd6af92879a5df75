"""``forecasts sources orgs --missing``: what the organization mapping lacks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forecasts.cli import build_app


def _publication(tmp_path: Path) -> Path:
    rows = [
        ("glm-5", "zai", 1456.0),
        ("claude-opus-4-6", "anthropic", 1500.0),
        ("mystery-1", "thinky", 1420.0),
        ("mystery-2", "thinky", 1410.0),
        ("vicuna-13b", "", 1100.0),
    ]
    page = {
        "rows": [
            {"row_idx": i, "row": {"model_name": m, "organization": o, "rating": r}}
            for i, (m, o, r) in enumerate(rows)
        ],
        "num_rows_total": len(rows),
    }
    path = tmp_path / "filter_page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def test_orgs_missing_lists_unmapped_organizations(tmp_path: Path) -> None:
    path = _publication(tmp_path)
    result = CliRunner().invoke(build_app(), ["sources", "orgs", "--missing", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 of 3 organizations in filter_page.json have no row" in result.stdout
    assert "1 rows have a blank organization" in result.stdout
    assert "thinky\t2 models\tbest rating 1420" in result.stdout
    as_json = CliRunner().invoke(build_app(), ["sources", "orgs", "--missing", str(path), "--json"])
    assert json.loads(as_json.stdout)["missing"] == [
        {"organization": "thinky", "models": 2, "best_rating": 1420.0}
    ]


def test_orgs_missing_refuses_a_file_that_is_not_a_publication(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"features": []}', encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["sources", "orgs", "--missing", str(path)])
    assert result.exit_code == 2
    assert "not a leaderboard publication: expected a datasets-server page" in result.output
