"""``owid``: one value from an Our World in Data grapher chart CSV.

A missing entity -> ``PermanentSourceError``; a year after the entity's latest row, or a blank
value in its latest year -> ``NotYetError``; a gap before the latest year -> permanent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import read_csv, response_for, to_float

__all__ = ["OWID_GRAPHER_URL", "OwidSource", "OwidSpec"]

OWID_GRAPHER_URL = "https://ourworldindata.org/grapher/"
_KEYS = ("Entity", "Code", "Year", "Day")


class OwidSpec(SourceSpec):
    """``{source: owid, slug: ..., entity: China, year: 2025, column?}``."""

    source: Literal["owid"] = "owid"
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    entity: str = Field(min_length=1)
    year: int = Field(ge=1, le=2200)
    column: str | None = None


class OwidSource(Source[OwidSpec]):
    """The indicator value of one entity in one year."""

    name: ClassVar[str] = "owid"
    spec_model: ClassVar[type[SourceSpec]] = OwidSpec

    def _request(self, spec: OwidSpec) -> FetchRequest:
        return FetchRequest(url=f"{OWID_GRAPHER_URL}{spec.slug}.csv")

    def requests(self, spec: OwidSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: OwidSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        header, rows = read_csv(evidence)
        if "Entity" not in header or "Year" not in header:
            raise PermanentSourceError(
                f"expected Entity and Year columns, got {', '.join(header)}", url=url
            )
        values = [c for c in header if c not in _KEYS]
        column = spec.column
        if column is None:
            if len(values) != 1:
                raise PermanentSourceError(
                    f"chart has {len(values)} value columns; set column to one of "
                    f"{', '.join(values)}",
                    url=url,
                )
            column = values[0]
        elif column not in header:
            raise PermanentSourceError(f"column {column!r} is not in the chart CSV", url=url)
        years: dict[int, str] = {}
        for row in rows:
            if row.get("Entity") == spec.entity:
                try:
                    years[int(row.get("Year", ""))] = row.get(column, "").strip()
                except ValueError:
                    raise PermanentSourceError(
                        f"unreadable Year {row.get('Year')!r}", url=url
                    ) from None
        label = f"{column} for {spec.entity} in {spec.year}"
        if not years:
            raise PermanentSourceError(f"entity {spec.entity!r} is not in the chart", url=url)
        latest = max(years)
        raw = years.get(spec.year, "")
        if not raw:
            if spec.year >= latest:
                raise NotYetError(f"{label} is not published yet (latest {latest})", url=url)
            raise PermanentSourceError(f"{label} is missing", url=url)
        value = to_float(raw, what=label, url=url)
        return Observation(
            kind="number",
            value=value,
            data_date=date(spec.year, 12, 31),
            detail=f"OWID {spec.slug}: {label} = {value:g}",
            evidence_urls=[url],
        )
