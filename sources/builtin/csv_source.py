"""``csv``: filter the rows of a CSV file and aggregate a column."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import field_validator

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._evidence import Evidence
from ._common import http_url, read_csv, response_for
from ._table import TableQuery, evaluate

__all__ = ["CsvSource", "CsvSpec"]


class CsvSpec(SourceSpec, TableQuery):
    """``{source: csv, url, filters?, column, aggregate, date_column?, on_or_before?, ...}``."""

    source: Literal["csv"] = "csv"
    url: str

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return http_url(value)


class CsvSource(Source[CsvSpec]):
    """Aggregate a column over the rows of a CSV file that match the filters."""

    name: ClassVar[str] = "csv"
    spec_model: ClassVar[type[SourceSpec]] = CsvSpec

    def requests(self, spec: CsvSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [FetchRequest(url=spec.url)]

    def parse(
        self, spec: CsvSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, FetchRequest(url=spec.url))
        header, rows = read_csv(evidence)
        return evaluate(spec, header, rows, url=evidence.url, as_of=as_of)
