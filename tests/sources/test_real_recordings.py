"""Built-in sources on real responses recorded by third parties (see each PROVENANCE.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from sources import NotYetError, PermanentSourceError
from sources.builtin.csv_source import CsvSource
from sources.builtin.epoch import EpochSource
from sources.builtin.fred import FredSource
from sources.builtin.http_json import HttpJsonSource
from sources.builtin.lmarena import LmarenaSource, missing_organizations, read_publication

from .conftest import FETCHED_AT, FIXTURES

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


# --- FRED: a VCR cassette recorded by pyfredapi (fixtures/fred/real/PROVENANCE.md)


def _cassette_body(name: str) -> bytes:
    cassette = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    return str(cassette["interactions"][0]["response"]["body"]["string"]).encode()


AFTER_FRED_CAPTURE = datetime(2024, 11, 4, tzinfo=UTC)


def test_fred_real_gdp_series_exact_quarter(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = _cassette_body("fred/real/test_get_series_json.yaml")
    spec = {"source": "fred", "series_id": "GDP", "date": "2024-07-01", "match": "exact"}
    observation = run_parse(FredSource(), spec, body, as_of=AFTER_FRED_CAPTURE)
    assert observation.value == pytest.approx(29349.924)
    assert str(observation.data_date) == "2024-07-01"


def test_fred_real_gdp_series_latest_on_or_before(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = _cassette_body("fred/real/test_get_series_json.yaml")
    spec = {"source": "fred", "series_id": "GDP", "date": "2024-09-30"}
    observation = run_parse(FredSource(), spec, body, as_of=AFTER_FRED_CAPTURE)
    # Quarterly series: the Q3 2024 value, dated the quarter's first day.
    assert observation.value == pytest.approx(29349.924)
    assert "latest value on or before" in observation.detail
    # Before the grace period ends, with no later observation, it is not final yet.
    with pytest.raises(NotYetError):
        run_parse(FredSource(), spec, body, as_of=datetime(2024, 10, 2, tzinfo=UTC))


def test_fred_real_missing_value_with_later_ones_is_permanent(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = _cassette_body("fred/real/test_get_series_json.yaml")
    spec = {"source": "fred", "series_id": "GDP", "date": "1946-01-01", "match": "exact"}
    with pytest.raises(PermanentSourceError, match="no value for 1946-01-01 and later ones exist"):
        run_parse(FredSource(), spec, body, as_of=AFTER_FRED_CAPTURE)


# --- http_json: Wikidata's entity JSON (fixtures/http_json/real/PROVENANCE.md)

ENTITY_URL = "https://www.wikidata.org/wiki/Special:EntityData/Q20145.json"


def test_http_json_real_document_text_and_number(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("http_json/real/Q20145.json")
    birth = {
        "source": "http_json",
        "url": ENTITY_URL,
        "path": "$.entities.Q20145.claims.P569[0].mainsnak.datavalue.value.time",
        "value_type": "text",
    }
    observation = run_parse(HttpJsonSource(), birth, body, as_of=FETCHED_AT)
    assert observation.text == "+1993-05-16T00:00:00Z"
    revision = {"source": "http_json", "url": ENTITY_URL, "path": "$.entities.Q20145.lastrevid"}
    assert run_parse(HttpJsonSource(), revision, body, as_of=FETCHED_AT).value == 448321170


def test_http_json_real_document_many_matches_need_a_pick(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("http_json/real/Q20145.json")
    spec = {
        "source": "http_json",
        "url": ENTITY_URL,
        "path": "$.entities.Q20145.labels.*.value",
        "value_type": "text",
    }
    with pytest.raises(PermanentSourceError, match="set pick"):
        run_parse(HttpJsonSource(), spec, body, as_of=FETCHED_AT)
    assert run_parse(HttpJsonSource(), {**spec, "pick": "first"}, body, as_of=FETCHED_AT).text


# --- csv: a real CSV file, the LMArena export above, through the generic source


def test_csv_real_file_filters_and_aggregates(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/real/lmarena_text_2025-08-04.csv")
    url = LMARENA_EXPORT.format(commit=LMARENA_FILES["2025-08-04"])
    spec = {
        "source": "csv",
        "url": url,
        "filters": {"organization": "DeepSeek"},
        "column": "arena_score",
        "aggregate": "max",
    }
    assert run_parse(CsvSource(), spec, body, as_of=FETCHED_AT).value == 1427
    counted = {**spec, "filters": {"organization": "Alibaba"}, "aggregate": "count"}
    assert run_parse(CsvSource(), counted, body, as_of=FETCHED_AT).value == 26
