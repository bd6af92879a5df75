"""fred, worldbank, owid, wikidata, yahoo_chart: pure parsing on fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from sources import NotYetError, PermanentSourceError, SpecError, load_sources
from sources.builtin.fred import FredSource
from sources.builtin.owid import OwidSource
from sources.builtin.wikidata import WikidataSource
from sources.builtin.worldbank import WorldBankSource
from sources.builtin.yahoo_chart import YahooChartSource

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
Fixture = Callable[[str], bytes]


def test_fred(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("fred/observations.json")
    exact = run_parse(
        FredSource(),
        {"source": "fred", "series_id": "DEXHKUS", "date": "2026-12-28", "match": "exact"},
        body,
        as_of=AS_OF,
    )
    assert exact.value == 7.7812 and exact.data_date == date(2026, 12, 28)
    gap = {"source": "fred", "series_id": "DEXHKUS", "date": "2026-12-29"}
    with pytest.raises(PermanentSourceError, match="no value for 2026-12-29 and later ones exist"):
        run_parse(FredSource(), {**gap, "match": "exact"}, body, as_of=AS_OF)
    assert run_parse(FredSource(), gap, body, as_of=AS_OF).value == 7.7812  # previous value
    newest = {"source": "fred", "series_id": "DEXHKUS", "date": "2026-12-31"}
    with pytest.raises(NotYetError, match="no value for 2026-12-31 yet"):
        run_parse(FredSource(), {**newest, "match": "exact"}, body, as_of=AS_OF)
    assert run_parse(FredSource(), newest, body, as_of=AS_OF).value == 7.7790
    after = {"source": "fred", "series_id": "DEXHKUS", "date": "2027-01-05"}
    with pytest.raises(NotYetError, match="dated 2027-01-05 or later"):
        run_parse(FredSource(), after, body, as_of=AS_OF)
    with pytest.raises(NotYetError, match="day not over"):
        run_parse(FredSource(), {**after, "date": "2027-01-10"}, body, as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="missing field 'observations'"):
        run_parse(FredSource(), gap, {"error_code": 400}, as_of=AS_OF)


def test_worldbank(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "worldbank", "country": "CHN", "indicator": "NY.GDP.MKTP.CD", "year": 2024}
    observation = run_parse(
        WorldBankSource(), spec, fixture_bytes("worldbank/ok.json"), as_of=AS_OF
    )
    assert observation.value == pytest.approx(1.87438e13, rel=1e-4)
    with pytest.raises(NotYetError, match="not published yet"):
        run_parse(
            WorldBankSource(),
            {**spec, "year": 2025},
            fixture_bytes("worldbank/null_latest.json"),
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="Invalid value"):
        run_parse(
            WorldBankSource(), spec, fixture_bytes("worldbank/error_message.json"), as_of=AS_OF
        )
    with pytest.raises(NotYetError, match="year not over"):
        run_parse(
            WorldBankSource(),
            {**spec, "year": 2027},
            fixture_bytes("worldbank/ok.json"),
            as_of=AS_OF,
        )
    with pytest.raises(SpecError, match="field 'country'"):
        load_sources("forecasts.sources").parse_spec({**spec, "country": "China!"})


def test_worldbank_checks_the_country_of_the_row(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("worldbank/ok.json")
    spec = {"source": "worldbank", "country": "CN", "indicator": "NY.GDP.MKTP.CD", "year": 2024}
    # The two-letter code matches country.id as the three-letter one matches countryiso3code.
    assert run_parse(WorldBankSource(), spec, body, as_of=AS_OF).value == pytest.approx(1.87438e13)
    # A response whose row for the year is another country's is never read as ours.
    with pytest.raises(PermanentSourceError, match="the rows for 2024 are for CHN, CN, not USA"):
        run_parse(WorldBankSource(), {**spec, "country": "USA"}, body, as_of=AS_OF)


def test_owid(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("owid/chart.csv")
    spec = {
        "source": "owid",
        "slug": "cumulative-number-of-large-scale-ai-systems-by-country",
        "entity": "China",
        "year": 2024,
    }
    assert run_parse(OwidSource(), spec, body, as_of=AS_OF).value == 35.0
    with pytest.raises(NotYetError, match="not published yet"):
        run_parse(OwidSource(), {**spec, "year": 2025}, body, as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="missing"):
        run_parse(
            OwidSource(), {**spec, "year": 2022, "entity": "United States"}, body, as_of=AS_OF
        )
    with pytest.raises(PermanentSourceError, match="entity 'Atlantis'"):
        run_parse(OwidSource(), {**spec, "entity": "Atlantis"}, body, as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="expected Entity and Year"):
        run_parse(OwidSource(), spec, b"a,b\n1,2\n", as_of=AS_OF)


def test_wikidata(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "source": "wikidata",
        "query": "SELECT ?date WHERE { wd:Q1 wdt:P571 ?date }",
        "variable": "date",
        "value_type": "date",
    }
    observation = run_parse(
        WikidataSource(), spec, fixture_bytes("wikidata/sparql.json"), as_of=AS_OF
    )
    assert observation.text == "2026-01-09T00:00:00Z" and observation.data_date == date(2026, 1, 9)
    with pytest.raises(NotYetError, match="no binding"):
        run_parse(WikidataSource(), spec, fixture_bytes("wikidata/empty.json"), as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="not numeric"):
        run_parse(
            WikidataSource(),
            {**spec, "value_type": "number"},
            fixture_bytes("wikidata/sparql.json"),
            as_of=AS_OF,
        )


YAHOO = {"source": "yahoo_chart", "symbol": "0100.HK"}


@pytest.mark.parametrize(
    ("day", "close", "data_date"),
    [
        ("2026-01-09", 345.0, date(2026, 1, 9)),  # listing day (bar stamped 01:30 UTC = 09:30 HKT)
        ("2026-01-10", 345.0, date(2026, 1, 9)),  # Saturday: previous close
        ("2026-01-13", 300.0, date(2026, 1, 12)),  # null close (halt): previous close
        ("2026-01-14", 310.0, date(2026, 1, 14)),
    ],
)
def test_yahoo_close_on_exchange_date(run_parse, fixture_bytes, day, close, data_date) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("yahoo_chart/0100HK_2026-01.json")
    observation = run_parse(
        YahooChartSource(), {**YAHOO, "date": day}, body, as_of=datetime(2026, 1, 20, tzinfo=UTC)
    )
    assert observation.value == close and observation.data_date == data_date
    assert "HKD" in observation.detail


def test_yahoo_unhappy_paths(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("yahoo_chart/0100HK_2026-01.json")
    later = datetime(2026, 1, 20, tzinfo=UTC)
    with pytest.raises(NotYetError, match="no bar for 0100.HK on or after 2026-01-15"):
        run_parse(YahooChartSource(), {**YAHOO, "date": "2026-01-15"}, body, as_of=later)
    with pytest.raises(NotYetError, match="has not ended"):  # 16:00 HKT on the 15th
        run_parse(
            YahooChartSource(),
            {**YAHOO, "date": "2026-01-15"},
            body,
            as_of=datetime(2026, 1, 15, 8, tzinfo=UTC),
        )
    with pytest.raises(PermanentSourceError, match="was not a trading day"):
        run_parse(
            YahooChartSource(),
            {**YAHOO, "date": "2026-01-10", "on_non_trading_day": "error"},
            body,
            as_of=later,
        )
    with pytest.raises(PermanentSourceError, match="symbol may be delisted"):
        run_parse(
            YahooChartSource(),
            {**YAHOO, "date": "2026-01-09"},
            fixture_bytes("yahoo_chart/not_found.json"),
            as_of=later,
        )
    with pytest.raises(SpecError, match="exactly one of 'date' or 'first_trading_day"):
        load_sources("forecasts.sources").parse_spec({**YAHOO})


def test_yahoo_day_boundary_uses_the_exchange_zone(run_parse) -> None:  # type: ignore[no-untyped-def]
    # HK bar at 16:30 UTC on the 8th is 00:30 HKT on the 9th: it belongs to the 9th.
    stamp = int(datetime(2026, 1, 8, 16, 30, tzinfo=UTC).timestamp())
    body = {
        "chart": {
            "result": [
                {
                    "meta": {"exchangeTimezoneName": "Asia/Hong_Kong", "gmtoffset": 28800},
                    "timestamp": [stamp, stamp + 3 * 86400],
                    "indicators": {"quote": [{"close": [1.0, 2.0]}]},
                }
            ],
            "error": None,
        }
    }
    observation = run_parse(
        YahooChartSource(),
        {**YAHOO, "date": "2026-01-09"},
        body,
        as_of=datetime(2026, 1, 20, tzinfo=UTC),
    )
    assert observation.value == 1.0
    bad = {
        "chart": {
            "result": [
                {"meta": {}, "timestamp": [stamp], "indicators": {"quote": [{"close": [1.0]}]}}
            ],
            "error": None,
        }
    }
    with pytest.raises(PermanentSourceError, match="gmtoffset"):
        run_parse(
            YahooChartSource(),
            {**YAHOO, "date": "2026-01-09"},
            bad,
            as_of=datetime(2026, 1, 20, tzinfo=UTC),
        )
    short = {
        "chart": {
            "result": [
                {
                    "meta": {"gmtoffset": 0},
                    "timestamp": [stamp],
                    "indicators": {"quote": [{"close": []}]},
                }
            ],
            "error": None,
        }
    }
    with pytest.raises(PermanentSourceError, match="differ in length"):
        run_parse(
            YahooChartSource(),
            {**YAHOO, "date": "2026-01-09"},
            short,
            as_of=datetime(2026, 1, 20, tzinfo=UTC),
        )


def test_yahoo_first_trading_day(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("yahoo_chart/0100HK_2026-01.json")
    spec = {**YAHOO, "first_trading_day": True}
    observation = run_parse(YahooChartSource(), spec, body, as_of=datetime(2026, 1, 20, tzinfo=UTC))
    assert observation.value == 345.0 and observation.data_date == date(2026, 1, 9)
    with pytest.raises(NotYetError, match="no completed trading day"):
        run_parse(YahooChartSource(), spec, body, as_of=datetime(2026, 1, 9, 3, tzinfo=UTC))
    request = YahooChartSource().requests(
        YahooChartSource.spec_model.model_validate(spec), as_of=AS_OF
    )[0]  # type: ignore[arg-type]
    assert dict(request.params) == {"interval": "1d", "range": "max"}
