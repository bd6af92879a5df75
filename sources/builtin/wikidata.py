"""``wikidata``: one value bound by a SPARQL query on the Wikidata Query Service.

No binding for the variable -> ``NotYetError`` (the fact is not recorded yet); several
different values -> ``PermanentSourceError`` (make the query select one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, parse_date, response_for, to_float

__all__ = ["WIKIDATA_SPARQL_URL", "WikidataSource", "WikidataSpec"]

WIKIDATA_SPARQL_URL = "https://query.wikidata.org/sparql"


class WikidataSpec(SourceSpec):
    """``{source: wikidata, query: "SELECT ?date WHERE {...}", variable: date}``."""

    source: Literal["wikidata"] = "wikidata"
    query: str = Field(min_length=1, max_length=20_000)
    variable: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value_type: Literal["text", "number", "date"] = "text"


class WikidataSource(Source[WikidataSpec]):
    """A single SPARQL binding as text, number, or date (text plus ``data_date``)."""

    name: ClassVar[str] = "wikidata"
    spec_model: ClassVar[type[SourceSpec]] = WikidataSpec

    def _request(self, spec: WikidataSpec) -> FetchRequest:
        return FetchRequest(
            url=WIKIDATA_SPARQL_URL,
            params=(("query", spec.query), ("format", "json")),
            headers=(("Accept", "application/sparql-results+json"),),
        )

    def requests(self, spec: WikidataSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: WikidataSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        results = field(load_json(evidence), "results", url=url)
        bindings = field(results, "bindings", url=url, where="results")
        if not isinstance(bindings, list):
            raise PermanentSourceError("results.bindings is not a list", url=url)
        values = []
        for binding in bindings:
            if isinstance(binding, Mapping) and spec.variable in binding:
                values.append(str(field(binding[spec.variable], "value", url=url, where="binding")))
        distinct = sorted(set(values))
        if not distinct:
            raise NotYetError(f"SPARQL variable ?{spec.variable} has no binding", url=url)
        if len(distinct) > 1:
            raise PermanentSourceError(
                f"SPARQL variable ?{spec.variable} has {len(distinct)} values: "
                f"{', '.join(distinct[:5])}",
                url=url,
            )
        text = distinct[0]
        detail = f"Wikidata ?{spec.variable} = {text!r}"
        if spec.value_type == "number":
            value = to_float(text, what=f"?{spec.variable}", url=url)
            return Observation(kind="number", value=value, detail=detail, evidence_urls=[url])
        day = parse_date(text) if spec.value_type == "date" else None
        if spec.value_type == "date" and day is None:
            raise PermanentSourceError(f"?{spec.variable} is not a date: {text!r}", url=url)
        return Observation(
            kind="text", text=text, data_date=day, detail=detail, evidence_urls=[url]
        )
