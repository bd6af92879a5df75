"""Work kept between questions and requests: shared decoded bodies, cached URL checks.

What is kept must never change an answer: a body shared by many questions gives each the
observation a fresh decode would, checks that depend on the response still run every time, a
refused URL is refused every time, the guard still asks the resolver for every request, and
the caches stay bounded. And a finished job is not left for the cyclic garbage collector.
"""

from __future__ import annotations

import gc
import json
import weakref
from datetime import UTC, datetime

import httpx
import pytest

from sources import (
    Evidence,
    FetchRequest,
    HttpPolicy,
    Observation,
    PermanentSourceError,
    SourceRegistry,
    SpecError,
    resolve_many,
)
from sources._fetcher import Fetcher
from sources.builtin import _json
from sources.builtin._common import load_json
from sources.builtin.http_json import HttpJsonSource

from .conftest import make_evidence

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
URL = "https://api.example.org/stats"
BODY = {"data": {"value": 41.5, "series": [1, 2, 3.5], "name": "north"}}


class _Once:
    """A fetcher that answers each request with one fixed body and counts the calls."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.calls = 0

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
        self.calls += 1
        return make_evidence(self.body, url=request.public_url)


def _specs() -> list[dict[str, object]]:
    base = {"source": "http_json", "url": URL}
    return [
        {**base, "path": "$.data.value"},
        {**base, "path": "$.data.value"},
        {**base, "path": "$.data.series[*]", "pick": "sum"},
        {**base, "path": "$.data.series[*]", "pick": "max"},
        {**base, "path": "$.data.name", "value_type": "text"},
        {**base, "path": "$.data.missing"},
    ]


def _resolve_all(body: bytes) -> list[Observation | str]:
    registry = SourceRegistry([HttpJsonSource()])
    source = registry.get("http_json")
    jobs = {i: [(source, registry.parse_spec(spec))] for i, spec in enumerate(_specs())}
    fetcher = _Once(body)
    got: dict[int, Observation | str] = {}
    for key, result in resolve_many(jobs, fetcher, as_of=AS_OF):
        got[key] = str(result.error) if result.error else result.observations[0]
    assert fetcher.calls == 1  # one URL: one fetch, one body for all six questions
    return [got[i] for i in range(len(jobs))]


def test_questions_sharing_a_body_get_what_a_fresh_decode_gives() -> None:
    body = json.dumps(BODY).encode()
    _json._CACHE.clear()
    shared = _resolve_all(body)
    assert [o.value for o in shared[:4] if isinstance(o, Observation)] == [41.5, 41.5, 6.5, 3.5]
    assert isinstance(shared[4], Observation) and shared[4].text == "north"
    assert "matched nothing" in str(shared[5])
    # Again with the decoded body in the cache, and with an equal body in new bytes.
    assert _resolve_all(body) == shared
    assert _resolve_all(bytes(bytearray(body))) == shared
    # The document read by the questions was not changed by them.
    assert load_json(make_evidence(body)) == BODY


def test_an_equal_body_is_decoded_once_and_shared() -> None:
    body = json.dumps(BODY).encode()
    first = load_json(make_evidence(body))
    again = load_json(make_evidence(bytes(bytearray(body)), url="https://other.example/x"))
    assert again is first


def test_checks_on_the_response_run_even_when_the_body_is_known() -> None:
    body = json.dumps(BODY).encode()
    load_json(make_evidence(body))
    with pytest.raises(PermanentSourceError, match="content type 'image/png'") as caught:
        load_json(make_evidence(body, url="https://x.example/a", content_type="image/png"))
    assert caught.value.url == "https://x.example/a"


def test_a_bad_body_is_refused_every_time() -> None:
    body = b'{"a": 1, "a": 2}'
    for url in ("https://x.example/1", "https://x.example/2"):
        with pytest.raises(PermanentSourceError, match="duplicate key 'a'") as caught:
            load_json(make_evidence(body, url=url))
        assert caught.value.url == url  # the error names this response, not the first one


def test_a_large_body_is_not_kept() -> None:
    body = json.dumps({"pad": "x" * _json.CACHE_BODY_LIMIT, "v": 1}).encode()
    first = load_json(make_evidence(body))
    again = load_json(make_evidence(body))
    assert first == again and first is not again


def test_the_body_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = _json._BodyCache(entries=3, total_bytes=100)
    for i in range(5):
        cache.put(b"%d" % i, _json._Decoded(i, {}))
    assert len(cache) == 3 and cache.get(b"0") is None and cache.get(b"4") is not None
    cache.get(b"2")  # now the most recently used
    cache.put(b"x" * 99, _json._Decoded("big", {}))
    assert cache.get(b"2") is not None and cache.get(b"3") is None and cache.get(b"4") is None

    _json._CACHE.clear()
    for i in range(_json.CACHE_ENTRIES + 10):
        load_json(make_evidence(b'{"n": %d}' % i))
    assert len(_json._CACHE) == _json.CACHE_ENTRIES
    _json._CACHE.clear()


def test_a_jsonpath_read_per_body_is_bounded() -> None:
    evidence = make_evidence(json.dumps(BODY).encode())
    calls: list[object] = []

    def compute(document: object) -> int:
        calls.append(document)
        return len(calls)

    first = [_json.query_json(evidence, ("k", i), compute) for i in range(_json._MEMO_KEYS + 5)]
    again = [_json.query_json(evidence, ("k", i), compute) for i in range(_json._MEMO_KEYS + 5)]
    assert again[: _json._MEMO_KEYS] == first[: _json._MEMO_KEYS]  # kept
    assert len(calls) == _json._MEMO_KEYS + 10  # the keys over the bound are computed each time


@pytest.mark.parametrize("url", ["http://0177.0.0.1/x", "ftp://example.org/x", "http:///x"])
def test_a_refused_spec_url_is_refused_every_time(url: str) -> None:
    registry = SourceRegistry([HttpJsonSource()])
    for _ in range(3):
        with pytest.raises(SpecError, match="url"):
            registry.parse_spec({"source": "http_json", "url": url, "path": "$.a"})


def test_a_spec_url_check_kept_per_string_still_strips() -> None:
    registry = SourceRegistry([HttpJsonSource()])
    for _ in range(2):
        spec = registry.parse_spec({"source": "http_json", "url": f"  {URL} ", "path": "$.a"})
        assert spec.url == URL  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example/x",
        "http://A.example:80/x y",
        "http://a.example/x?",
        "https://a.example:443/p/%7e?",
        "https://a.example/p?b&a=1",
        "http://[::1]:8/x#frag",
        "http://ex.example/ü",
    ],
)
def test_the_public_url_is_what_the_client_would_send(url: str) -> None:
    expected = str(httpx.URL(url).copy_merge_params(()))
    request = FetchRequest(url=url)
    assert request.public_url == expected and request.send_url == expected
    assert request.key == f"GET {expected}"
    with_secret = request.with_secrets(params=[("token", "s3cret")])
    assert with_secret.send_url == str(httpx.URL(url).copy_merge_params([("token", "s3cret")]))


def test_a_url_fetched_before_is_checked_by_the_guard_again() -> None:
    answers = [["93.184.216.34"], ["169.254.169.254"]]
    asked: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    client = httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(200, json={})))
    policy = HttpPolicy(user_agent="sources-tests", retries=0)
    fetcher = Fetcher(client, policy, resolver=resolver)
    request = FetchRequest(url="https://api.example.org/v1")
    assert fetcher.fetch(request).raw == b"{}"
    with pytest.raises(PermanentSourceError, match=r"169\.254\.169\.254"):
        fetcher.fetch(request)
    assert asked == ["api.example.org", "api.example.org"]


def test_a_finished_job_is_freed_when_the_caller_drops_it() -> None:
    # The batch's bookkeeping must not tie a job's observations into a reference cycle: a
    # sweep of many questions would otherwise leave each one to the cyclic collector.
    registry = SourceRegistry([HttpJsonSource()])
    source = registry.get("http_json")
    jobs = {i: [(source, registry.parse_spec(spec))] for i, spec in enumerate(_specs()[:3])}
    gc.collect()
    gc.disable()
    try:
        results = list(resolve_many(jobs, _Once(json.dumps(BODY).encode()), as_of=AS_OF))
        observation = weakref.ref(results[0][1].observations[0])
        del results
        assert observation() is None
    finally:
        gc.enable()
