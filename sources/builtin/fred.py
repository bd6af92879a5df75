"""``fred``: an observation of a FRED series (``api_key``: the source's credential).

``match: exact`` takes the observation dated ``date``; ``on_or_before`` (default) the newest
observation dated on or before it. Not-yet versus permanent:

- ``date`` not over yet -> ``NotYetError``;
- exact: the date is missing or ``"."`` and no later observation exists -> ``NotYetError``;
  a later observation exists -> ``PermanentSourceError`` (a gap that will not be filled);
- on_or_before: final once an observation dated on or after ``date`` exists, or ``grace_days``
  after ``date``; before that -> ``NotYetError``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, parse_date, response_for, to_float

__all__ = ["FRED_OBSERVATIONS_URL", "FredSource", "FredSpec"]

FRED_OBSERVATIONS_URL = "https://api.stlouisfed.org/fred/series/observations"
_LOOKAHEAD = timedelta(days=45)


class FredSpec(SourceSpec):
    """``{source: fred, series_id: DEXHKUS, date: 2026-12-31, match: on_or_before}``."""

    source: Literal["fred"] = "fred"
    series_id: str = Field(pattern=r"^[A-Za-z0-9_]{1,40}$")
    date: _dt.date
    match: Literal["exact", "on_or_before"] = "on_or_before"
    lookback_days: int = Field(400, ge=0, le=4000)
    grace_days: int = Field(7, ge=0, le=400)


class FredSource(Source[FredSpec]):
    """One value of a FRED series on (or on or before) a date."""

    name: ClassVar[str] = "fred"
    spec_model: ClassVar[type[SourceSpec]] = FredSpec

    def _request(self, spec: FredSpec) -> FetchRequest:
        start = spec.date if spec.match == "exact" else spec.date - timedelta(spec.lookback_days)
        return FetchRequest(
            url=FRED_OBSERVATIONS_URL,
            params=(
                ("series_id", spec.series_id.upper()),
                ("file_type", "json"),
                ("observation_start", start.isoformat()),
                ("observation_end", (spec.date + _LOOKAHEAD).isoformat()),
                ("sort_order", "asc"),
            ),
        )

    def requests(self, spec: FredSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def auth(self, request: FetchRequest) -> FetchRequest:
        key = (self._credential or "").strip()
        if not key:
            raise PermanentSourceError(
                "the FRED API needs a key: no credential given to source 'fred'",
                url=request.public_url,
            )
        return request.with_secrets(params=[("api_key", key)])

    def parse(
        self, spec: FredSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        series = spec.series_id.upper()
        wanted = spec.date
        if as_of.date() <= wanted:
            raise NotYetError(f"{series} on {wanted.isoformat()}: day not over", url=url)
        rows = field(load_json(evidence), "observations", url=url)
        if not isinstance(rows, list):
            raise PermanentSourceError("'observations' is not a list", url=url)
        points: list[tuple[_dt.date, str]] = []
        for row in rows:
            day = parse_date(str(field(row, "date", url=url, where="observation")))
            value = field(row, "value", url=url, where="observation")
            if day is None:
                raise PermanentSourceError(f"unreadable observation date in {row!r}", url=url)
            points.append((day, str(value).strip()))
        later = any(day > wanted for day, _ in points)
        present = {day: value for day, value in points if value not in (".", "")}
        if spec.match == "exact":
            if wanted in present:
                return self._observation(series, wanted, present[wanted], url, "value")
            if later:
                raise PermanentSourceError(
                    f"{series} has no value for {wanted.isoformat()} and later ones exist", url=url
                )
            raise NotYetError(f"{series} has no value for {wanted.isoformat()} yet", url=url)
        settled = later or any(day == wanted for day, _ in points)
        grace_end = wanted + timedelta(days=spec.grace_days)
        if not settled and as_of.date() < grace_end:
            raise NotYetError(
                f"{series}: no observation dated {wanted.isoformat()} or later yet",
                url=url,
                expected_by=grace_end,
            )
        earlier = [day for day in present if day <= wanted]
        if not earlier:
            raise PermanentSourceError(
                f"{series} has no value on or before {wanted.isoformat()} in the window", url=url
            )
        day = max(earlier)
        return self._observation(series, day, present[day], url, "latest value on or before")

    @staticmethod
    def _observation(series: str, day: _dt.date, raw: str, url: str, how: str) -> Observation:
        value = to_float(raw, what=f"{series} on {day.isoformat()}", url=url)
        return Observation(
            kind="number",
            value=value,
            data_date=day,
            detail=f"FRED {series} {how}: {value:g} dated {day.isoformat()}",
            evidence_urls=[url],
        )
