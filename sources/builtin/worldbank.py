"""``worldbank``: one indicator value for a country and year (World Bank API v2).

A ``null`` value or a year without rows -> ``NotYetError`` (the latest years stay null for
months); an API error message -> ``PermanentSourceError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, response_for, to_float

__all__ = ["WORLDBANK_API", "WorldBankSource", "WorldBankSpec"]

WORLDBANK_API = "https://api.worldbank.org/v2/country/"


class WorldBankSpec(SourceSpec):
    """``{source: worldbank, country: CHN, indicator: NY.GDP.MKTP.CD, year: 2025}``."""

    source: Literal["worldbank"] = "worldbank"
    country: str = Field(pattern=r"^[A-Za-z]{2,3}$")
    indicator: str = Field(pattern=r"^[A-Za-z0-9._]+$")
    year: int = Field(ge=1900, le=2200)


def _api_error(payload: Any) -> str | None:
    if isinstance(payload, list) and payload and isinstance(payload[0], Mapping):
        messages = payload[0].get("message")
        if isinstance(messages, list) and messages:
            first = messages[0] if isinstance(messages[0], Mapping) else {}
            return f"{first.get('key', 'error')}: {first.get('value', '')}".strip()
    return None


def _row_codes(row: Any) -> set[str]:
    """The ISO-3 and ISO-2 codes a row names (``countryiso3code``, ``country.id``)."""
    codes = {str(row.get("countryiso3code") or "").upper()}
    country = row.get("country")
    if isinstance(country, Mapping):
        codes.add(str(country.get("id") or "").upper())
    return {code for code in codes if code}


class WorldBankSource(Source[WorldBankSpec]):
    """The value of an indicator for one country and year."""

    name: ClassVar[str] = "worldbank"
    spec_model: ClassVar[type[SourceSpec]] = WorldBankSpec

    def _request(self, spec: WorldBankSpec) -> FetchRequest:
        return FetchRequest(
            url=f"{WORLDBANK_API}{spec.country.upper()}/indicator/{spec.indicator}",
            params=(("format", "json"), ("date", str(spec.year)), ("per_page", "100")),
        )

    def requests(self, spec: WorldBankSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: WorldBankSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        label = f"{spec.indicator} for {spec.country.upper()} in {spec.year}"
        if as_of.year <= spec.year:
            raise NotYetError(
                f"{label}: year not over", url=url, expected_by=date(spec.year + 1, 1, 1)
            )
        payload = load_json(evidence)
        message = _api_error(payload)
        if message is not None:
            raise PermanentSourceError(f"World Bank API error: {message}", url=url)
        if not isinstance(payload, list) or len(payload) != 2:
            raise PermanentSourceError("expected a [metadata, rows] array", url=url)
        rows = payload[1] or []
        if not isinstance(rows, list):
            raise PermanentSourceError("rows are not a list", url=url)
        wanted = spec.country.upper()
        others: set[str] = set()
        for row in rows:
            if str(field(row, "date", url=url, where="row")) != str(spec.year):
                continue
            codes = _row_codes(row)
            if wanted not in codes:
                # A year match alone is not enough: aggregates and other countries share years.
                others.update(codes or {"(no country code)"})
                continue
            value = field(row, "value", url=url, where="row")
            if value is None:
                raise NotYetError(f"{label} is not published yet (null)", url=url)
            number = to_float(value, what=label, url=url)
            return Observation(
                kind="number",
                value=number,
                data_date=date(spec.year, 12, 31),
                detail=f"World Bank {label} = {number:g}",
                evidence_urls=[url],
            )
        if others:
            raise PermanentSourceError(
                f"{label}: the rows for {spec.year} are for {', '.join(sorted(others))}, "
                f"not {wanted} (countryiso3code / country.id)",
                url=url,
            )
        raise NotYetError(f"{label}: no row yet", url=url)
