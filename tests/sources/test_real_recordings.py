"""Built-in sources on real responses recorded by third parties (see each PROVENANCE.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources import PermanentSourceError
from sources.builtin.epoch import EpochSource
from sources.builtin.lmarena import LmarenaSource, missing_organizations, read_publication

# Claim B (examples/ai_race_2026.yaml): H100-equivalents of existing systems by country.
B_SPEC = {
    "source": "epoch",
    "dataset": "gpu_clusters.csv",
    "filters": {"Status": "Existing"},
    "date_column": "First Operational Date",
    "on_or_before": "2025-12-01",
    "column": "H100 equivalents",
    "aggregate": "sum",
    "group_by": "Country",
    "group_map": "country_code",
    "split_groups": True,
}
AFTER_CAPTURE = datetime(2025, 12, 18, tzinfo=UTC)


def test_epoch_real_download_maps_every_country_spelling(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("epoch/real/gpu_clusters.csv")
    spec = {**B_SPEC, "max_skipped_share": 0.15}
    observation = run_parse(EpochSource(), spec, body, as_of=AFTER_CAPTURE)
    ranking = observation.ranking or {}
    # Spellings the old hand-written table lacked now map through pycountry or an alias.
    assert {"KR", "TH", "LU", "SI", "HK"} <= set(ranking)
    # Mexico's and the Philippines' only rows have no H100 figure: skipped and counted.
    assert "MX 1" in observation.detail and "PH 1" in observation.detail
    assert ranking["US"] / ranking["CN"] == pytest.approx(6.08, abs=0.01)
    # Hong Kong stays apart unless the spec merges it.
    merged = run_parse(
        EpochSource(), {**spec, "merge_groups": {"HK": "CN", "MO": "CN"}}, body, as_of=AFTER_CAPTURE
    )
    assert "HK" not in (merged.ranking or {})
    assert merged.ranking["CN"] == pytest.approx(ranking["CN"] + ranking["HK"])  # type: ignore[index]


def test_epoch_real_download_counts_skipped_rows_in_the_evidence(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("epoch/real/gpu_clusters.csv")
    observation = run_parse(
        EpochSource(), {**B_SPEC, "max_skipped_share": 0.15}, body, as_of=AFTER_CAPTURE
    )
    detail = observation.detail
    assert "66 rows with blank 'Country' (known quantity 89,998.8)" in detail
    assert "33 rows with blank 'H100 equivalents' (CN 14, US 3," in detail
    assert "9 rows with blank or unreadable 'First Operational Date'" in detail
    assert "skipped share 9.5%" in detail


def test_epoch_real_download_goes_to_review_if_skips_matter(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("epoch/real/gpu_clusters.csv")
    with pytest.raises(
        PermanentSourceError,
        match=r"skipped rows could change the answer: .*could represent 9.5% of "
        r"sum\(H100 equivalents\), above max_skipped_share 5.0%",
    ):
        run_parse(EpochSource(), B_SPEC, body, as_of=AFTER_CAPTURE)


# --- LMArena: real publications of the text leaderboard (fixtures/lmarena/real/PROVENANCE.md)

LMARENA_EXPORT = (
    "https://raw.githubusercontent.com/fboulnois/llm-leaderboard-csv/{commit}/csv/lmarena_text.csv"
)
LMARENA_FILES = {
    "2025-07-27": "283321b9c6c2c7c43f0b8343480f00a9390c3fa2",
    "2025-08-04": "e964e252a171a83b8bf189675ca01406d86bc810",
}
AFTER_EXPORTS = datetime(2025, 8, 7, tzinfo=UTC)


def _arena_spec(day: str, **extra: object) -> dict[str, object]:
    # Family A's spec (examples/ai_race_2026.yaml, A1) pointed at a recorded export.
    return {
        "source": "lmarena",
        "date": day,
        "config": "text",
        "category": "overall",
        "by": "country",
        "export_url": LMARENA_EXPORT.format(commit=LMARENA_FILES[day]),
        "export_date": day,
        **extra,
    }


def test_lmarena_real_export_ranks_countries_by_their_best_model(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/real/lmarena_text_2025-08-04.csv")
    spec = _arena_spec("2025-08-04", unknown_orgs="ignore")
    observation = run_parse(LmarenaSource(), spec, body, as_of=AFTER_EXPORTS)
    ranking = observation.ranking or {}
    # A1's question on this publication: the top model is Google's, so China does not lead.
    assert max(ranking, key=ranking.__getitem__) == "US"
    assert ranking["US"] == 1470 and ranking["CN"] == 1434
    assert str(observation.data_date) == "2025-08-04"
    assert "266 models" in observation.detail
    assert "top rating 1470 by Gemini-2.5-Pro (Google)" in observation.detail
    assert "ignored unmapped: AllenAI/UW, HuggingFace" in observation.detail


def test_lmarena_real_exports_show_the_gap_narrowing(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    gaps = {}
    for day in LMARENA_FILES:
        body = fixture_bytes(f"lmarena/real/lmarena_text_{day}.csv")
        ranking = run_parse(
            LmarenaSource(), _arena_spec(day, unknown_orgs="ignore"), body, as_of=AFTER_EXPORTS
        ).ranking
        assert ranking is not None
        gaps[day] = ranking["US"] - ranking["CN"]
    # Claim C's G(D), within each publication: 48 points, then 36.
    assert gaps == {"2025-07-27": 48, "2025-08-04": 36}


def test_lmarena_real_export_with_unmapped_orgs_goes_to_review(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/real/lmarena_text_2025-08-04.csv")
    with pytest.raises(PermanentSourceError, match=r"no country for organization\(s\) AllenAI/UW"):
        run_parse(LmarenaSource(), _arena_spec("2025-08-04"), body, as_of=AFTER_EXPORTS)


def test_lmarena_real_export_needs_its_publication_date(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/real/lmarena_text_2025-08-04.csv")
    spec = {**_arena_spec("2025-08-04", unknown_orgs="ignore"), "export_date": None}
    with pytest.raises(PermanentSourceError, match="give export_date"):
        run_parse(LmarenaSource(), spec, body, as_of=AFTER_EXPORTS)


def test_orgs_missing_lists_what_the_mapping_lacks_in_a_real_export(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    rows = read_publication(fixture_bytes("lmarena/real/lmarena_text_2025-08-04.csv"))
    assert rows[0]["model_name"] == "Gemini-2.5-Pro" and rows[0]["rating"] == 1470.0
    report = missing_organizations(rows)
    assert report.organizations == 51 and report.blank_rows == 0
    assert [(m.name, m.models, m.best_rating) for m in report.missing[:3]] == [
        ("HuggingFace", 4, 1150.0),
        ("AllenAI/UW", 1, 1127.0),
        ("OpenChat", 2, 1113.0),
    ]
    assert {m.name for m in report.missing} == {
        "HuggingFace",
        "AllenAI/UW",
        "OpenChat",
        "MosaicML",
        "UW",
        "Nomic AI",
        "RWKV",
        "OpenAssistant",
    }


def test_orgs_missing_cli_on_a_real_export(fixture_bytes, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from forecasts.cli import build_app

    path = tmp_path / "lmarena_text.csv"
    path.write_bytes(fixture_bytes("lmarena/real/lmarena_text_2025-08-04.csv"))
    result = CliRunner().invoke(build_app(), ["sources", "orgs", "--missing", str(path)])
    assert result.exit_code == 0, result.output
    assert "8 of 51 organizations" in result.output
    assert "HuggingFace\t4 models\tbest rating 1150" in result.output
