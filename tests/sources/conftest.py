"""Fixtures for the sources tests: fixture payloads as evidence, a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sources import Evidence, FetchRequest, Observation, Source

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED_AT = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)

Body = bytes | str | list[Any] | dict[str, Any]


def _bytes(body: Body) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def make_evidence(
    body: Body, *, url: str = "https://example.org/data", content_type: str = "application/json"
) -> Evidence:
    return Evidence.from_response(
        url=url, status=200, content_type=content_type, body=_bytes(body), fetched_at=FETCHED_AT
    )


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """``fixture_bytes("manifold/resolved_yes.json")``."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def run_parse() -> Callable[..., Observation]:
    """Parse ``bodies`` (one per request, in order) with a source, as a sweep would."""

    def run(
        source: Source[Any], spec: Mapping[str, Any], *bodies: Body, as_of: datetime
    ) -> Observation:
        model = source.spec_model.model_validate(dict(spec))
        requests: list[FetchRequest] = source.requests(model, as_of=as_of)
        assert len(requests) == len(bodies), [r.key for r in requests]
        responses = {
            r.key: make_evidence(b, url=r.public_url) for r, b in zip(requests, bodies, strict=True)
        }
        return source.parse(model, responses, as_of=as_of)

    return run


def cassette_body(name: str, interaction: int = -1) -> bytes:
    """The response body of one interaction of a recorded VCR cassette (YAML) under FIXTURES."""
    import gzip

    import yaml

    cassette = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    body = cassette["interactions"][interaction]["response"]["body"]
    raw = body["string"] if isinstance(body, dict) else body
    if isinstance(raw, bytes):
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    return str(raw).encode()
