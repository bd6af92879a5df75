"""Core types: requests, evidence, observations, errors, the Source base and the registry."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal

import pytest
from pydantic import ValidationError

import sources
from sources import (
    Evidence,
    FetchRequest,
    NotYetError,
    Observation,
    PermanentSourceError,
    RetryableSourceError,
    Source,
    SourceError,
    SourceRegistry,
    SourceSpec,
    SpecError,
    UnknownSourceError,
    load_sources,
)

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
BUILTINS = [
    "csv",
    "epoch",
    "fred",
    "http_json",
    "kalshi",
    "lmarena",
    "manifold",
    "manual",
    "metaculus",
    "owid",
    "polymarket",
    "wikidata",
    "worldbank",
    "yahoo_chart",
]


class EchoSpec(SourceSpec):
    source: Literal["echo"] = "echo"
    url: str


class EchoSource(Source[EchoSpec]):
    name: ClassVar[str] = "echo"
    spec_model: ClassVar[type[SourceSpec]] = EchoSpec

    def requests(self, spec: EchoSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [FetchRequest(url=spec.url)]

    def parse(
        self, spec: EchoSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        body = responses[FetchRequest(url=spec.url).key].raw
        return Observation(kind="text", text=body.decode())


def test_public_surface_is_pinned() -> None:
    assert sources.__all__ == sorted(sources.__all__)
    assert set(sources.__all__) == {
        "BatchResult",
        "DEFAULT_EXCERPT_LIMIT",
        "Evidence",
        "FetchRequest",
        "Fetcher",
        "FetcherLike",
        "NotYetError",
        "Observation",
        "ObservationKind",
        "PermanentSourceError",
        "ReplayFetcher",
        "Resolver",
        "RetryableSourceError",
        "Source",
        "SourceError",
        "SourceRegistry",
        "SourceSpec",
        "SpecError",
        "UnknownSourceError",
        "load_sources",
        "make_client",
        "parse_retry_after",
        "resolve_many",
        "save_recording",
    }


def test_fetch_request_is_frozen_hashable_and_keyed() -> None:
    a = FetchRequest(url="https://x.org/p", params=(("b", "2"), ("a", "1")))
    b = FetchRequest(url="https://x.org/p", params=(("b", "2"), ("a", "1")))
    assert a == b and hash(a) == hash(b) and a.key == b.key
    assert a.key == "GET https://x.org/p?b=2&a=1"
    assert len({a, b}) == 1
    with pytest.raises(ValidationError):
        a.url = "https://other"  # type: ignore[misc]
    assert (
        FetchRequest(url="https://x.org/p", headers=(("Accept", "x"),)).key
        != FetchRequest(url="https://x.org/p").key
    )
    assert (
        FetchRequest(method="POST", url="https://x.org/p", body=b"1").key
        != FetchRequest(method="POST", url="https://x.org/p", body=b"2").key
    )
    with pytest.raises(ValidationError, match="http"):
        FetchRequest(url="file:///etc/passwd")


def test_evidence_from_response_and_verify() -> None:
    evidence = Evidence.from_response(
        url="https://x.org",
        status=200,
        content_type="application/json; charset=utf-8",
        body=b"{}",
        fetched_at=AS_OF,
    )
    assert evidence.media_type == "application/json" and evidence.verify()
    tampered = evidence.model_copy(update={"body": b"[]"})
    assert not tampered.verify()
    with pytest.raises(ValidationError, match="timezone-aware"):
        Evidence.from_response(
            url="u", status=200, content_type="", body=b"", fetched_at=datetime(2027, 1, 1)
        )


def test_observation_kind_requires_its_field() -> None:
    assert Observation(kind="number", value=1.0).value == 1.0
    assert Observation(kind="ranking", ranking={"US": 1.0}).ranking == {"US": 1.0}
    for kind in ("number", "ranking", "market", "text"):
        with pytest.raises(ValidationError, match="needs"):
            Observation(kind=kind)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Observation(kind="vote", value=1.0)  # type: ignore[arg-type]


def test_errors_build_messages_and_pickle() -> None:
    error = RetryableSourceError("HTTP 429", url="https://x.org", retry_after=3)
    assert str(error) == "HTTP 429 (https://x.org); retry after 3 s"
    copy = pickle.loads(pickle.dumps(error))
    assert (
        isinstance(copy, RetryableSourceError) and copy.retry_after == 3 and str(copy) == str(error)
    )
    late = NotYetError("no data", expected_by=date(2027, 2, 1))
    assert late.expected_by == date(2027, 2, 1) and "2027-02-01" in str(late)
    unknown = UnknownSourceError("nope", ["b", "a"])
    assert isinstance(unknown, LookupError) and "known sources: a, b" in str(unknown)
    spec = SpecError("csv", [("column", "required")])
    assert (
        isinstance(spec, ValueError) and str(spec) == "Invalid csv spec: field 'column': required"
    )
    for cls in (
        RetryableSourceError,
        PermanentSourceError,
        NotYetError,
        UnknownSourceError,
        SpecError,
    ):
        assert issubclass(cls, SourceError)
    assert "SourceError" in (sources._errors.__doc__ or "") and "└──" in (
        sources._errors.__doc__ or ""
    )


def test_concrete_source_without_name_fails_at_definition() -> None:
    with pytest.raises(TypeError, match="'name'"):

        class Nameless(Source[EchoSpec]):
            spec_model: ClassVar[type[SourceSpec]] = EchoSpec

            def requests(self, spec: EchoSpec, *, as_of: datetime) -> list[FetchRequest]:
                return []

            def parse(
                self, spec: EchoSpec, responses: Mapping[str, Evidence], *, as_of: datetime
            ) -> Observation:
                raise NotImplementedError

    class StillAbstract(Source[EchoSpec]):  # no parse: abstract, so no name needed
        def requests(self, spec: EchoSpec, *, as_of: datetime) -> list[FetchRequest]:
            return []


def test_explicit_registry_and_spec_errors() -> None:
    registry = SourceRegistry([EchoSource()])
    assert registry.names() == ["echo"] and "echo" in registry and len(registry) == 1
    assert isinstance(registry.parse_spec({"source": "echo", "url": "https://x.org"}), EchoSpec)
    with pytest.raises(UnknownSourceError, match="known sources: echo"):
        registry.get("csv")
    with pytest.raises(SpecError, match="field 'url': Field required"):
        registry.parse_spec({"source": "echo"})
    with pytest.raises(SpecError, match="field 'extra': unknown field"):
        registry.parse_spec({"source": "echo", "url": "https://x.org", "extra": 1})
    with pytest.raises(SpecError, match="field 'source': missing"):
        registry.parse_spec({"url": "https://x.org"})
    with pytest.raises(SourceError, match="two sources"):
        SourceRegistry([EchoSource(), EchoSource()])


def test_entry_points_load_all_builtins() -> None:
    registry = load_sources("forecasts.sources")
    assert registry.names() == BUILTINS
    for source in registry:
        assert issubclass(source.spec_model, SourceSpec)
        assert source.spec_model.model_fields["source"].default == source.name


def test_unknown_entry_point_group_is_empty() -> None:
    assert load_sources("forecasts.no-such-group").names() == []


def test_resolve_raises_the_fetch_error() -> None:
    class Failing:
        def fetch(self, request: Any, *, fetched_at: datetime | None = None) -> Evidence:
            raise RetryableSourceError("down")

    with pytest.raises(RetryableSourceError, match="down"):
        EchoSource().resolve(EchoSpec(url="https://x.org"), Failing(), as_of=AS_OF)
