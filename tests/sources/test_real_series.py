"""Series and query sources on real responses recorded by third parties (see each PROVENANCE.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sources import NotYetError, PermanentSourceError
from sources.builtin.owid import OwidSource
from sources.builtin.wikidata import WikidataSource
from sources.builtin.worldbank import WorldBankSource
from sources.builtin.yahoo_chart import YahooChartSource

from .conftest import cassette_body

# --- World Bank: wbdata-go's go-vcr cassette (fixtures/worldbank/real/PROVENANCE.md)

WB_CASSETTE = "worldbank/real/TestIndicatorValuesService_ListByCountryIDs.yaml"
AFTER_WB = datetime(2021, 6, 14, tzinfo=UTC)


def _gdp(country: str, year: int) -> dict[str, object]:
    return {"source": "worldbank", "country": country, "indicator": "NY.GDP.MKTP.CD", "year": year}


def test_worldbank_real_value_by_iso3_and_iso2(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = cassette_body(WB_CASSETTE, 0)
    assert run_parse(WorldBankSource(), _gdp("JPN", 2019), body, as_of=AFTER_WB).value == (
        pytest.approx(5081769542379.77)
    )
    assert run_parse(WorldBankSource(), _gdp("JP", 2018), body, as_of=AFTER_WB).value == (
        pytest.approx(4954806619995.19)
    )


def test_worldbank_real_rows_of_another_country_are_never_read_as_ours(run_parse) -> None:  # type: ignore[no-untyped-def]
    # The recorded page answers a JPN;USA request: its 50 rows are all Japan's. Matching on the
    # year alone would report Japan's 2019 GDP as the United States'.
    body = cassette_body(WB_CASSETTE, 0)
    with pytest.raises(PermanentSourceError, match="rows for 2019 are for JP, JPN, not USA"):
        run_parse(WorldBankSource(), _gdp("USA", 2019), body, as_of=AFTER_WB)


def test_worldbank_real_null_latest_year_is_not_yet(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = cassette_body(WB_CASSETTE, 0)
    with pytest.raises(NotYetError, match="JPN in 2020 is not published yet"):
        run_parse(WorldBankSource(), _gdp("JPN", 2020), body, as_of=AFTER_WB)


def test_worldbank_real_error_message_is_permanent(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = cassette_body(WB_CASSETTE, 3)  # the request for INVALID.INDICATOR.ID
    with pytest.raises(PermanentSourceError, match="World Bank API error: Invalid value"):
        run_parse(WorldBankSource(), _gdp("JPN", 2019), body, as_of=AFTER_WB)


# --- Yahoo chart: node-yahoo-finance2's recorded fixtures (fixtures/yahoo_chart/real/PROVENANCE.md)

AFTER_YAHOO = datetime(2025, 2, 21, tzinfo=UTC)


def _chart(fixture_bytes, name: str) -> bytes:  # type: ignore[no-untyped-def]
    # The recorder keeps the parsed body (``bodyJson``); re-encoded, it is the served JSON.
    recording = json.loads(fixture_bytes(f"yahoo_chart/real/{name}"))
    return json.dumps(recording["response"]["bodyJson"]).encode()


def test_yahoo_real_close_on_a_trading_day(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = _chart(fixture_bytes, "chart-AAPL-2020-08-31-to-2020-11-07.json")
    spec = {"source": "yahoo_chart", "symbol": "AAPL", "date": "2020-09-04"}
    observation = run_parse(YahooChartSource(), spec, body, as_of=AFTER_YAHOO)
    assert observation.value == pytest.approx(120.96, abs=0.001)
    assert "(America/New_York)" in observation.detail and observation.detail.endswith("USD")


def test_yahoo_real_holiday_takes_the_previous_close_or_refuses(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = _chart(fixture_bytes, "chart-AAPL-2020-08-31-to-2020-11-07.json")
    spec = {"source": "yahoo_chart", "symbol": "AAPL", "date": "2020-09-07"}  # Labor Day
    observation = run_parse(YahooChartSource(), spec, body, as_of=AFTER_YAHOO)
    assert str(observation.data_date) == "2020-09-04"
    assert "previous close (no trading on 2020-09-07)" in observation.detail
    with pytest.raises(PermanentSourceError, match="2020-09-07 was not a trading day"):
        run_parse(
            YahooChartSource(), {**spec, "on_non_trading_day": "error"}, body, as_of=AFTER_YAHOO
        )


def test_yahoo_real_exchange_time_zone_dates_the_bar(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    # Xetra bars are stamped 09:00 Europe/Berlin, i.e. 07:00 UTC the same day.
    body = _chart(fixture_bytes, "chart-WSU.DE-2023-08-04-to-2023-08-09.json")
    spec = {"source": "yahoo_chart", "symbol": "WSU.DE", "date": "2023-08-08"}
    observation = run_parse(YahooChartSource(), spec, body, as_of=AFTER_YAHOO)
    assert observation.value == pytest.approx(33.2, abs=0.001)
    assert "(Europe/Berlin)" in observation.detail and observation.detail.endswith("EUR")


# --- OWID: a grapher CSV download (fixtures/owid/real/PROVENANCE.md)

OWID_SLUG = "cumulative-number-of-large-scale-ai-systems-by-country"
AFTER_OWID = datetime(2026, 5, 8, tzinfo=UTC)


def _owid(entity: str, year: int) -> dict[str, object]:
    return {"source": "owid", "slug": OWID_SLUG, "entity": entity, "year": year}


def test_owid_real_chart_values_for_the_us_and_china(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes(f"owid/real/{OWID_SLUG}.csv")
    us = run_parse(OwidSource(), _owid("United States", 2025), body, as_of=AFTER_OWID)
    cn = run_parse(OwidSource(), _owid("China", 2025), body, as_of=AFTER_OWID)
    assert (us.value, cn.value) == (214, 190)
    assert "Cumulative number of large-scale AI systems by country for China" in cn.detail


def test_owid_real_chart_later_year_and_unknown_entity(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes(f"owid/real/{OWID_SLUG}.csv")
    with pytest.raises(NotYetError, match="not published yet \\(latest 2026\\)"):
        run_parse(OwidSource(), _owid("China", 2027), body, as_of=AFTER_OWID)
    # Entities are OWID's names: Taiwan has no row in this chart, Hong Kong has its own.
    with pytest.raises(PermanentSourceError, match="entity 'Taiwan' is not in the chart"):
        run_parse(OwidSource(), _owid("Taiwan", 2025), body, as_of=AFTER_OWID)
    assert run_parse(OwidSource(), _owid("Hong Kong", 2024), body, as_of=AFTER_OWID).value == 5


# --- Wikidata: WDQS results kept by wikibase-sdk (fixtures/wikidata/real/PROVENANCE.md)

QUERY = "SELECT ?publicationDate ?duration ?directorLabel ?genre WHERE { ... }"


def _sparql(variable: str, value_type: str = "text") -> dict[str, object]:
    return {"source": "wikidata", "query": QUERY, "variable": variable, "value_type": value_type}


def test_wikidata_real_single_row_as_date_number_and_text(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("wikidata/real/sparql_results_with_optional_values.json")
    day = run_parse(WikidataSource(), _sparql("publicationDate", "date"), body, as_of=AFTER_OWID)
    assert str(day.data_date) == "2013-01-01" and day.text == "2013-01-01T00:00:00Z"
    minutes = run_parse(WikidataSource(), _sparql("duration", "number"), body, as_of=AFTER_OWID)
    assert minutes.value == 94
    assert run_parse(WikidataSource(), _sparql("directorLabel"), body, as_of=AFTER_OWID).text == (
        "Reinhard Klooss"
    )


def test_wikidata_real_unbound_optional_variable_is_not_yet(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("wikidata/real/sparql_results_with_optional_values.json")
    with pytest.raises(NotYetError, match=r"\?genre has no binding"):
        run_parse(WikidataSource(), _sparql("genre"), body, as_of=AFTER_OWID)


def test_wikidata_real_many_values_are_refused(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("wikidata/real/results_with_labels_descriptions_and_aliases.json")
    with pytest.raises(PermanentSourceError, match=r"\?itemLabel has 48 values: Akira Kurosawa"):
        run_parse(WikidataSource(), _sparql("itemLabel"), body, as_of=AFTER_OWID)
