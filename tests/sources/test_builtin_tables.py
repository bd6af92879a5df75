"""http_json, csv, manual and epoch: pure parsing on fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from sources import NotYetError, PermanentSourceError, SpecError, load_sources
from sources.builtin.csv_source import CsvSource
from sources.builtin.epoch import EpochSource
from sources.builtin.http_json import HttpJsonSource
from sources.builtin.manual import ManualSource

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
URL = "https://example.org/data.json"
Fixture = Callable[[str], bytes]


@pytest.fixture
def nested(fixture_bytes: Fixture) -> bytes:
    return fixture_bytes("http_json/nested.json")


@pytest.mark.parametrize(
    ("path", "extra", "expected"),
    [
        ("$.data.price", {}, 123.5),
        ("$.data.series[*]", {"pick": "max"}, 5.0),
        ("$.data.series[*]", {"pick": "sum"}, 9.0),
        ("$.data.series[*]", {"pick": "last"}, 3.0),
        ("$.data.series[?@ > 2]", {"pick": "min"}, 3.0),
    ],
)
def test_http_json_numbers(run_parse, nested, path, extra, expected) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "http_json", "url": URL, "path": path, **extra}
    observation = run_parse(HttpJsonSource(), spec, nested, as_of=AS_OF)
    assert observation.kind == "number" and observation.value == expected
    assert observation.evidence_urls == [URL] and path in observation.detail


def test_http_json_text_and_errors(run_parse, nested) -> None:  # type: ignore[no-untyped-def]
    source = HttpJsonSource()
    spec = {"source": "http_json", "url": URL, "path": "$.data.active", "value_type": "text"}
    assert run_parse(source, spec, nested, as_of=AS_OF).text == "true"
    with pytest.raises(
        PermanentSourceError,
        match=r"JSONPath '\$.x' matched nothing in https://example.org/data.json",
    ):
        run_parse(source, {"source": "http_json", "url": URL, "path": "$.x"}, nested, as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="matched 3 values.*pick"):
        run_parse(
            source,
            {"source": "http_json", "url": URL, "path": "$.data.series[*]"},
            nested,
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="boolean"):
        run_parse(
            source,
            {"source": "http_json", "url": URL, "path": "$.data.active"},
            nested,
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="not numeric"):
        run_parse(
            source, {"source": "http_json", "url": URL, "path": "$.data.name"}, nested, as_of=AS_OF
        )


def test_http_json_spec_validation() -> None:
    registry = load_sources("forecasts.sources")
    with pytest.raises(SpecError, match="field 'path': not a valid RFC 9535 JSONPath"):
        registry.parse_spec({"source": "http_json", "url": URL, "path": "$..["})
    with pytest.raises(SpecError, match="field 'headers'.*secret"):
        registry.parse_spec(
            {"source": "http_json", "url": URL, "path": "$.a", "headers": {"Authorization": "x"}}
        )
    with pytest.raises(SpecError, match="pick 'sum' needs value_type: number"):
        registry.parse_spec(
            {"source": "http_json", "url": URL, "path": "$.a", "pick": "sum", "value_type": "text"}
        )


CSV = "https://example.org/series.csv"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {
                "filters": {"country": "US"},
                "column": "value",
                "aggregate": "sum",
                "max_skipped_share": 0.5,
            },
            22.0,
        ),
        (
            {
                "filters": {"country": "US"},
                "column": "value",
                "aggregate": "last",
                "date_column": "date",
                "max_skipped_share": 0.5,
            },
            12.0,
        ),
        (
            {"column": "value", "aggregate": "max", "filters": {"value": {"op": "<", "value": 11}}},
            10.0,
        ),
        ({"aggregate": "count", "filters": {"date": {"op": ">=", "value": date(2026, 2, 1)}}}, 3.0),
        (
            {
                "column": "value",
                "aggregate": "mean",
                "date_column": "date",
                "on_or_before": "2026-01-31",
            },
            6.5,
        ),
    ],
)
def test_csv_aggregates(run_parse, fixture_bytes, extra, expected) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "csv", "url": CSV, **extra}
    observation = run_parse(CsvSource(), spec, fixture_bytes("csv/series.csv"), as_of=AS_OF)
    assert observation.value == pytest.approx(expected)


def test_csv_blank_value_is_skipped_and_counted_or_sent_to_review(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("csv/series.csv")
    spec = {"source": "csv", "url": CSV, "filters": {"country": "US"}, "column": "value"}
    # The newest US value is blank: "last" could be anything, so a reviewer decides.
    with pytest.raises(
        PermanentSourceError,
        match=r"skipped 1 rows with blank 'value'; they could represent 33.3% of last\(value\), "
        r"above max_skipped_share 5.0%",
    ):
        run_parse(CsvSource(), {**spec, "date_column": "date"}, body, as_of=AS_OF)
    observation = run_parse(
        CsvSource(), {**spec, "aggregate": "sum", "max_skipped_share": 0.4}, body, as_of=AS_OF
    )
    assert observation.value == 22.0
    assert "over 2 of 3 rows" in observation.detail and "skipped share 33.3%" in observation.detail


def test_csv_unhappy_paths(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("csv/series.csv")
    source = CsvSource()
    with pytest.raises(NotYetError, match="no rows match"):
        run_parse(
            source,
            {
                "source": "csv",
                "url": CSV,
                "column": "value",
                "date_column": "date",
                "on_or_before": "2025-01-01",
            },
            body,
            as_of=AS_OF,
        )
    with pytest.raises(NotYetError, match="not final"):
        run_parse(
            source,
            {
                "source": "csv",
                "url": CSV,
                "column": "value",
                "date_column": "date",
                "on_or_before": "2027-01-10",
            },
            body,
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="no rows match country == 'FR'"):
        run_parse(
            source,
            {"source": "csv", "url": CSV, "column": "value", "filters": {"country": "FR"}},
            body,
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="column 'price' is not in the CSV header"):
        run_parse(source, {"source": "csv", "url": CSV, "column": "price"}, body, as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="not numeric on CSV row"):
        run_parse(
            source,
            {"source": "csv", "url": CSV, "column": "note", "filters": {"country": "US"}},
            body,
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="expected CSV but got HTML"):
        run_parse(
            source, {"source": "csv", "url": CSV, "column": "value"}, b"<html></html>", as_of=AS_OF
        )
    registry = load_sources("forecasts.sources")
    with pytest.raises(SpecError, match="'column' is required"):
        registry.parse_spec({"source": "csv", "url": CSV, "aggregate": "sum"})
    with pytest.raises(SpecError, match="needs 'date_column'"):
        registry.parse_spec(
            {"source": "csv", "url": CSV, "column": "v", "on_or_before": "2026-01-01"}
        )
    with pytest.raises(SpecError, match="field 'aggregate'"):
        registry.parse_spec({"source": "csv", "url": CSV, "column": "v", "aggregate": "median"})


def test_manual_makes_no_request_and_waits() -> None:
    source = ManualSource()
    spec = source.spec_model.model_validate({"source": "manual", "note": "check the AI Index"})
    assert source.requests(spec, as_of=AS_OF) == []  # type: ignore[arg-type]
    with pytest.raises(NotYetError, match="awaiting manual resolution: check the AI Index"):
        source.parse(spec, {}, as_of=AS_OF)  # type: ignore[arg-type]


def test_epoch_compute_ratio_by_country(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "source": "epoch",
        "dataset": "gpu_clusters.csv",
        "column": "H100 equivalents",
        "aggregate": "sum",
        "group_by": "Country",
        "group_map": "country_code",
        "split_groups": True,
        "filters": {"Status": "Existing"},
        "date_column": "First Operational Date",
        "on_or_before": "2026-12-31",
    }
    observation = run_parse(
        EpochSource(), spec, fixture_bytes("epoch/gpu_clusters_sample.csv"), as_of=AS_OF
    )
    assert observation.kind == "ranking"
    assert observation.ranking == {"US": 301000.0, "CN": 51000.0}
    assert observation.evidence_urls == ["https://epoch.ai/data/gpu_clusters.csv"]
    assert observation.data_date == date(2025, 9, 30)


def test_epoch_top_eci_by_organization_country(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "source": "epoch",
        "dataset": "eci_scores.csv",
        "column": "eci",
        "aggregate": "max",
        "group_by": "Organization",
        "group_map": "org_country",
        "date_column": "date",
        "on_or_before": "2025-12-31",
    }
    observation = run_parse(
        EpochSource(), spec, fixture_bytes("epoch/eci_scores_sample.csv"), as_of=AS_OF
    )
    assert observation.ranking == {"US": 154.0, "CN": 146.8}


def test_epoch_multiline_fields_and_contains_filter(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "source": "epoch",
        "dataset": "notable_ai_models.csv",
        "aggregate": "count",
        "filters": {"Country (of organization)": {"op": "contains", "value": "China"}},
    }
    body = fixture_bytes("epoch/notable_ai_models_sample.csv")
    assert run_parse(EpochSource(), spec, body, as_of=AS_OF).value == 2.0
    spec = {
        "source": "epoch",
        "dataset": "notable_ai_models.csv",
        "column": "Training compute (FLOP)",
        "aggregate": "max",
    }
    assert run_parse(EpochSource(), spec, body, as_of=AS_OF).value == 2.1e25


def test_epoch_unknown_groups(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("epoch/gpu_clusters_sample.csv")
    spec = {
        "source": "epoch",
        "dataset": "gpu_clusters.csv",
        "column": "H100 equivalents",
        "aggregate": "sum",
        "group_by": "Owner",
        "group_map": "org_country",
        "filters": {"Status": "Existing"},
    }
    with pytest.raises(PermanentSourceError, match="no org_country mapping for A, B"):
        run_parse(EpochSource(), spec, body, as_of=AS_OF)
    ignore = {**spec, "unknown_groups": "ignore"}
    with pytest.raises(PermanentSourceError, match=r"could change the answer.*unmapped: A, B"):
        run_parse(EpochSource(), ignore, body, as_of=AS_OF)
    observation = run_parse(EpochSource(), {**ignore, "max_skipped_share": 1}, body, as_of=AS_OF)
    assert observation.ranking == {"US": 300000.0}
    # The anonymized Chinese systems have no owner: skipped and counted, never guessed.
    assert "2 rows with blank 'Owner' (known quantity 50,000)" in observation.detail
    assert "2 rows with unmapped 'Owner' (known quantity 1,000)" in observation.detail
    assert "unmapped: A, B, X" in observation.detail
    other = {**spec, "unknown_groups": "other", "max_skipped_share": 0.2}
    observation = run_parse(EpochSource(), other, body, as_of=AS_OF)
    assert observation.ranking == {"US": 300000.0, "OTHER": 1000.0}
    assert "1 rows with blank 'H100 equivalents' (OTHER 1)" in observation.detail
    with pytest.raises(SpecError, match="field 'dataset'"):
        load_sources("forecasts.sources").parse_spec(
            {"source": "epoch", "dataset": "../secrets.csv", "aggregate": "count"}
        )
