"""``http_json``: one value at an RFC 9535 JSONPath in a JSON document."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

import jsonpath_rfc9535
from pydantic import Field, field_validator, model_validator

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import PermanentSourceError
from .._evidence import Evidence
from ._common import http_url, response_for, to_float
from ._json import query_json

__all__ = ["HttpJsonSource", "HttpJsonSpec"]

Pick = Literal["first", "last", "max", "min", "sum"]


@functools.lru_cache(maxsize=4096)
def _query(path: str) -> jsonpath_rfc9535.JSONPathQuery:
    """A compiled JSONPath (compiled queries are immutable; many questions share a path)."""
    return jsonpath_rfc9535.compile(path)


class HttpJsonSpec(SourceSpec):
    """``{source: http_json, url, path, headers?, pick?, value_type?}``."""

    source: Literal["http_json"] = "http_json"
    url: str
    path: str
    # A factory, not a literal: pydantic deep-copies a mutable default for every spec.
    headers: dict[str, str] = Field(default_factory=dict)
    pick: Pick | None = None
    value_type: Literal["number", "text"] = "number"

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        try:
            _query(value)
        except jsonpath_rfc9535.JSONPathError as error:
            raise ValueError(f"not a valid RFC 9535 JSONPath: {error}") from None
        return value

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name.lower() in ("authorization", "cookie", "x-api-key"):
                raise ValueError(f"header {name!r} would store a secret in the question")
        return value

    @model_validator(mode="after")
    def _check_pick(self) -> HttpJsonSpec:
        if self.value_type == "text" and self.pick in ("max", "min", "sum"):
            raise ValueError(f"pick {self.pick!r} needs value_type: number")
        return self


@functools.lru_cache(maxsize=16384)
def _request(url: str, headers: tuple[tuple[str, str], ...]) -> FetchRequest:
    # One (frozen) request per URL and headers: the questions that read the same URL share
    # it, and its key is worked out once.
    return FetchRequest(url=url, headers=headers + (("Accept", "application/json"),))


_PICKS: dict[str, Callable[[list[float]], float]] = {
    "first": lambda numbers: numbers[0],
    "last": lambda numbers: numbers[-1],
    "max": max,
    "min": min,
    "sum": math.fsum,
}


def _find(path: str, document: Any) -> tuple[Any, ...]:
    return tuple(node.value for node in _query(path).find(document))


def _text(value: Any, *, url: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise PermanentSourceError(f"value is a JSON {type(value).__name__}, not a scalar", url=url)


class HttpJsonSource(Source[HttpJsonSpec]):
    """Fetch a JSON URL and read the value at a JSONPath."""

    name: ClassVar[str] = "http_json"
    spec_model: ClassVar[type[SourceSpec]] = HttpJsonSpec

    def _request(self, spec: HttpJsonSpec) -> FetchRequest:
        headers = spec.headers
        return _request(spec.url, tuple(sorted(headers.items())) if headers else ())

    def requests(self, spec: HttpJsonSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: HttpJsonSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        # The questions reading one body mostly read the same path: found once per body.
        matches = query_json(evidence, ("jsonpath", spec.path), functools.partial(_find, spec.path))
        url = evidence.url
        if not matches:
            raise PermanentSourceError(f"JSONPath {spec.path!r} matched nothing in {url}")
        if len(matches) > 1 and spec.pick is None:
            raise PermanentSourceError(
                f"JSONPath {spec.path!r} matched {len(matches)} values in {url}; "
                "set pick: first|last|max|min|sum"
            )
        where = f"{spec.path} in {url}"
        if spec.value_type == "text":
            chosen = matches[-1] if spec.pick == "last" else matches[0]
            text = _text(chosen, url=url)
            return Observation(
                kind="text", text=text, detail=f"read {text!r} at {where}", evidence_urls=[url]
            )
        numbers = [to_float(v, what=f"value at {spec.path}", url=url) for v in matches]
        pick = spec.pick or "first"
        value = _PICKS[pick](numbers)
        how = f"{pick} of {len(numbers)} matches" if len(numbers) > 1 else "read"
        return Observation(
            kind="number", value=value, detail=f"{how} {value:g} at {where}", evidence_urls=[url]
        )
