"""``yahoo_chart``: a daily close from Yahoo Finance's (unofficial) v8 chart API."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, model_validator

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, response_for, to_float

__all__ = ["YAHOO_CHART_URL", "YahooChartSource", "YahooChartSpec"]

YAHOO_CHART_URL = "https://query1.finance.yahoo.com/v8/finance/chart/"
_WINDOW_BEFORE = timedelta(days=14)
_WINDOW_AFTER = timedelta(days=7)


class YahooChartSpec(SourceSpec):
    """``{source: yahoo_chart, symbol: 0100.HK, date: 2026-07-09}`` or ``first_trading_day: true``.

    ``date`` is the exchange-local trading date. ``on_non_trading_day: previous`` (default)
    takes the previous close when ``date`` was not a trading day; ``error`` refuses.
    """

    source: Literal["yahoo_chart"] = "yahoo_chart"
    symbol: str = Field(pattern=r"^[A-Za-z0-9.\-^=]{1,24}$")
    date: _dt.date | None = None
    first_trading_day: bool = False
    on_non_trading_day: Literal["previous", "error"] = "previous"

    @model_validator(mode="after")
    def _one_mode(self) -> YahooChartSpec:
        if (self.date is None) == (not self.first_trading_day):
            raise ValueError("give exactly one of 'date' or 'first_trading_day: true'")
        return self


def _epoch(day: date) -> str:
    return str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()))


def _zone(meta: Mapping[str, Any], url: str) -> tzinfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, int) and not isinstance(offset, bool):
        return timezone(timedelta(seconds=offset))
    raise PermanentSourceError(
        "chart meta has neither a usable exchangeTimezoneName nor gmtoffset", url=url
    )


def _bars(result: Mapping[str, Any], zone: tzinfo, url: str) -> list[tuple[date, float | None]]:
    stamps = result.get("timestamp") or []
    if not stamps:
        return []
    quotes = field(field(result, "indicators", url=url), "quote", url=url, where="indicators")
    if not isinstance(quotes, list) or not quotes:
        raise PermanentSourceError("indicators.quote is empty", url=url)
    closes = field(quotes[0], "close", url=url, where="indicators.quote[0]")
    if not isinstance(stamps, list) or not isinstance(closes, list) or len(stamps) != len(closes):
        raise PermanentSourceError("timestamp and close arrays differ in length", url=url)
    bars: dict[date, float | None] = {}
    for stamp, close in zip(stamps, closes, strict=True):
        day = datetime.fromtimestamp(to_float(stamp, what="timestamp", url=url), zone).date()
        value = None if close is None else to_float(close, what=f"close on {day}", url=url)
        if value is not None or day not in bars:
            bars[day] = value
    return sorted(bars.items())


class YahooChartSource(Source[YahooChartSpec]):
    """Daily close on an exchange-local date, converted with the exchange's time zone."""

    name: ClassVar[str] = "yahoo_chart"
    spec_model: ClassVar[type[SourceSpec]] = YahooChartSpec

    def _request(self, spec: YahooChartSpec) -> FetchRequest:
        params: tuple[tuple[str, str], ...]
        if spec.date is None:
            params = (("interval", "1d"), ("range", "max"))
        else:
            params = (
                ("interval", "1d"),
                ("period1", _epoch(spec.date - _WINDOW_BEFORE)),
                ("period2", _epoch(spec.date + _WINDOW_AFTER)),
            )
        return FetchRequest(url=YAHOO_CHART_URL + spec.symbol, params=params)

    def requests(self, spec: YahooChartSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: YahooChartSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        chart = field(load_json(evidence), "chart", url=url)
        error = chart.get("error") if isinstance(chart, Mapping) else None
        if error:
            description = error.get("description") if isinstance(error, Mapping) else error
            raise PermanentSourceError(
                f"Yahoo chart error for {spec.symbol}: {description}", url=url
            )
        results = field(chart, "result", url=url, where="chart")
        if not isinstance(results, list) or not results:
            raise PermanentSourceError(f"no chart result for {spec.symbol}", url=url)
        result = results[0]
        meta = field(result, "meta", url=url, where="chart.result[0]")
        zone = _zone(meta, url)
        bars = _bars(result, zone, url)
        currency = meta.get("currency") or ""
        local_today = as_of.astimezone(zone).date()
        if spec.first_trading_day:
            granularity = meta.get("dataGranularity", "1d")
            if granularity != "1d":
                raise PermanentSourceError(f"expected daily bars, got {granularity!r}", url=url)
            traded = [(day, close) for day, close in bars if close is not None]
            if not traded or traded[0][0] >= local_today:
                raise NotYetError(f"{spec.symbol} has no completed trading day yet", url=url)
            day, close = traded[0]
            return self._observation(spec, day, close, currency, zone, url, "first trading day")
        target = spec.date
        assert target is not None
        if local_today <= target:
            raise NotYetError(
                f"{target.isoformat()} has not ended on the exchange", url=url, expected_by=target
            )
        closes = {day: close for day, close in bars if close is not None}
        if target in closes:
            return self._observation(spec, target, closes[target], currency, zone, url, "close")
        if not any(day > target for day, _ in bars):
            latest = bars[-1][0].isoformat() if bars else "none"
            raise NotYetError(
                f"no bar for {spec.symbol} on or after {target.isoformat()} yet "
                f"(latest bar {latest})",
                url=url,
            )
        if spec.on_non_trading_day == "error":
            raise PermanentSourceError(
                f"{target.isoformat()} was not a trading day for {spec.symbol}", url=url
            )
        earlier = [day for day in closes if day < target]
        if not earlier:
            raise PermanentSourceError(
                f"no close for {spec.symbol} on or before {target.isoformat()}", url=url
            )
        day = max(earlier)
        how = f"previous close (no trading on {target.isoformat()})"
        return self._observation(spec, day, closes[day], currency, zone, url, how)

    @staticmethod
    def _observation(
        spec: YahooChartSpec,
        day: date,
        close: float,
        currency: str,
        zone: tzinfo,
        url: str,
        how: str,
    ) -> Observation:
        unit = f" {currency}" if currency else ""
        return Observation(
            kind="number",
            value=close,
            data_date=day,
            detail=f"{how} of {spec.symbol} on {day.isoformat()} ({zone}) = {close:g}{unit}",
            evidence_urls=[url],
        )
