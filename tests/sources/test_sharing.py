"""What questions share in a batch (a decoded body, one read of equal specs) can never carry
one question's doing into another's answer."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import pytest

from sources import (
    Evidence,
    FetchRequest,
    Observation,
    PermanentSourceError,
    Source,
    SourceSpec,
    resolve_many,
)
from sources.builtin._common import load_json
from sources.builtin.http_json import HttpJsonSource, HttpJsonSpec

from .conftest import make_evidence

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
URL = "https://api.example.org/stats"
BODY = {"data": {"value": 41.5, "series": [1, 2, 3.5], "name": "north"}}


class _Bodies:
    """Answers each URL with its body from a table; counts the fetches."""

    def __init__(self, bodies: Mapping[str, Any]) -> None:
        self.bodies = {url: json.dumps(body).encode() for url, body in bodies.items()}
        self.calls = 0

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
        self.calls += 1
        return make_evidence(self.bodies[request.url], url=request.public_url)


class MeddleSpec(SourceSpec):
    source: Literal["meddle"] = "meddle"
    url: str
    how: Literal["set", "sort", "append", "copy_then_set"]


class MeddleSource(Source[MeddleSpec]):
    """A careless source: changes the decoded body it was handed, then reads the value."""

    name: ClassVar[str] = "meddle"
    spec_model: ClassVar[type[SourceSpec]] = MeddleSpec

    def requests(self, spec: MeddleSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [FetchRequest(url=spec.url, headers=(("Accept", "application/json"),))]

    def parse(
        self, spec: MeddleSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        [evidence] = responses.values()
        data = load_json(evidence)["data"]
        if spec.how == "set":
            data["value"] = 0
        elif spec.how == "sort":
            data["series"].sort(reverse=True)
        elif spec.how == "append":
            data["series"].append(100)
        else:
            data = dict(data)
            data["value"] = -1.0
        return Observation(kind="number", value=float(data["value"]))


def _http(path: str, **extra: Any) -> HttpJsonSpec:
    return HttpJsonSpec(source="http_json", url=URL, path=path, **extra)


@pytest.mark.parametrize("how", ["set", "sort", "append"])
def test_a_source_changing_a_shared_body_fails_alone(how: str) -> None:
    http, meddle = HttpJsonSource(), MeddleSource()
    jobs: dict[str, list[tuple[Source[Any], SourceSpec]]] = {
        "before": [(http, _http("$.data.value"))],
        "meddle": [(meddle, MeddleSpec(url=URL, how=how))],  # type: ignore[arg-type]
        "value": [(http, _http("$.data.value"))],
        "first": [(http, _http("$.data.series[0]"))],
        "sum": [(http, _http("$.data.series[*]", pick="sum"))],
    }
    fetcher = _Bodies({URL: BODY})
    results = dict(resolve_many(jobs, fetcher, as_of=AS_OF))
    assert fetcher.calls == 1
    error = results["meddle"].error
    assert isinstance(error, PermanentSourceError)
    assert "meddle parse failed: TypeError" in str(error) and "read-only" in str(error)
    values = {k: r.observations[0].value for k, r in results.items() if k != "meddle"}
    assert values == {"before": 41.5, "value": 41.5, "first": 1.0, "sum": 6.5}


def test_a_source_may_change_its_own_copy() -> None:
    jobs: dict[str, list[tuple[Source[Any], SourceSpec]]] = {
        "copy": [(MeddleSource(), MeddleSpec(url=URL, how="copy_then_set"))],
        "value": [(HttpJsonSource(), _http("$.data.value"))],
    }
    results = dict(resolve_many(jobs, _Bodies({URL: BODY}), as_of=AS_OF))
    assert results["copy"].observations[0].value == -1.0
    assert results["value"].observations[0].value == 41.5


def test_copies_of_a_decoded_body_are_plain_and_equal() -> None:
    document = load_json(make_evidence(BODY))
    assert document == BODY and json.loads(json.dumps(document)) == BODY
    for thawed in (copy.deepcopy(document), pickle.loads(pickle.dumps(document))):
        assert thawed == BODY
        thawed["data"]["series"].append(4)  # plain containers all the way down
        thawed["data"]["value"] = 1
    shallow = copy.copy(document)
    shallow["extra"] = True
    series = list(document["data"]["series"])
    series.sort(reverse=True)
    assert document == BODY  # none of it reached the shared document
    with pytest.raises(TypeError):
        document["data"]["series"] += [5]
    with pytest.raises(TypeError):
        del document["data"]


class CountSpec(SourceSpec):
    source: Literal["count"] = "count"
    url: str
    fail: bool = False
    params: dict[str, Any] = {}


class CountSource(Source[CountSpec]):
    """Reads ``$.data.value``; counts its parses; ``fail`` refuses."""

    name: ClassVar[str] = "count"
    spec_model: ClassVar[type[SourceSpec]] = CountSpec

    def __init__(self) -> None:
        super().__init__()
        self.parses = 0

    def requests(self, spec: CountSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [FetchRequest(url=spec.url)]

    def parse(
        self, spec: CountSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        self.parses += 1
        if spec.fail:
            raise PermanentSourceError("refused", url=spec.url)
        [evidence] = responses.values()
        return Observation(kind="number", value=load_json(evidence)["data"]["value"])


def test_equal_specs_are_read_once_and_each_job_gets_its_own_result() -> None:
    source = CountSource()
    ok = {"url": URL}
    jobs: dict[str, list[tuple[Source[Any], SourceSpec]]] = {
        # equal specs, each its own object
        "a": [(source, CountSpec(**ok))],
        "b": [(source, CountSpec(**ok))],
        "twice": [(source, CountSpec(**ok)), (source, CountSpec(**ok))],
        "with_failing": [(source, CountSpec(**ok)), (source, CountSpec(**ok, fail=True))],
        "failing": [(source, CountSpec(**ok, fail=True))],
        # not equal: 1 and 1.0 (and True) are different values to a source
        "int": [(source, CountSpec(**ok, params={"n": 1}))],
        "float": [(source, CountSpec(**ok, params={"n": 1.0}))],
        "bool": [(source, CountSpec(**ok, params={"n": True}))],
        # nor are a list and a tuple, or the same keys in another order
        "list": [(source, CountSpec(**ok, params={"n": [1], "m": None}))],
        "tuple": [(source, CountSpec(**ok, params={"n": (1,), "m": None}))],
        "order": [(source, CountSpec(**ok, params={"m": None, "n": [1]}))],
        "list_again": [(source, CountSpec(**ok, params={"n": [1], "m": None}))],
        "empty": [],
    }
    fetcher = _Bodies({URL: BODY})
    yielded = [key for key, _ in resolve_many(jobs, fetcher, as_of=AS_OF)]
    assert sorted(yielded) == sorted(jobs)  # each job exactly once
    results = dict(resolve_many(jobs, _Bodies({URL: BODY}), as_of=AS_OF))
    assert fetcher.calls == 1
    # one parse for the ok spec, one for the failing one, one per distinct params
    assert source.parses == 2 * 8
    for key in ("a", "b", "int", "float", "bool", "list", "tuple", "order", "list_again"):
        assert results[key].error is None, key
        assert [o.value for o in results[key].observations] == [41.5]
        assert len(results[key].evidence) == 1 and results[key].requests == (f"GET {URL}",)
    assert [o.value for o in results["twice"].observations] == [41.5, 41.5]
    for key in ("with_failing", "failing"):
        assert str(results[key].error) == f"refused ({URL})"
        assert results[key].observations == ()
    assert results["empty"].observations == () and results["empty"].error is None


def test_a_spec_that_cannot_be_compared_is_read_on_its_own() -> None:
    class SetSpec(CountSpec):
        tags: frozenset[str] = frozenset()

    source = CountSource()
    jobs: dict[int, list[tuple[Source[Any], SourceSpec]]] = {
        i: [(source, SetSpec(url=URL, tags=frozenset({"a", "b"})))] for i in range(3)
    }
    results = dict(resolve_many(jobs, _Bodies({URL: BODY}), as_of=AS_OF))
    assert source.parses == 3
    assert all(r.observations[0].value == 41.5 for r in results.values())
