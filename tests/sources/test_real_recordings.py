"""Built-in sources on real responses recorded by third parties (see each PROVENANCE.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources import PermanentSourceError
from sources.builtin.epoch import EpochSource

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
