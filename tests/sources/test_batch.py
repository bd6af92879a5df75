"""``resolve_many``: batched, de-duplicated, paged fetching against a real server on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal

import pytest

from sources import (
    BatchResult,
    Evidence,
    Fetcher,
    FetchRequest,
    HttpPolicy,
    Observation,
    PermanentSourceError,
    RetryableSourceError,
    Source,
    SourceError,
    SourceSpec,
    make_client,
    resolve_many,
)
from sources.builtin.http_json import HttpJsonSource, HttpJsonSpec

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
SLOW_S = 1.0


class _Server:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        lock = threading.Lock()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path, _, query = self.path.partition("?")
                with lock:
                    hits[path] += 1
                status, body = 200, b""
                if path.startswith("/n/"):
                    body = json.dumps({"data": {"value": int(path[3:])}}).encode()
                elif path == "/slow":
                    time.sleep(SLOW_S)
                    body = b'{"data": {"value": -1}}'
                elif path == "/pages":
                    page = int(query.partition("=")[2] or 0)
                    body = json.dumps({"items": [page], "next": page + 1 if page < 2 else None})
                    body = body.encode() if isinstance(body, str) else body
                elif path == "/deep":
                    body = b"[" * 100_000 + b"]" * 100_000
                else:
                    status, body = 500, b"down"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    policy = HttpPolicy(
        user_agent="forecasts-tests", allow_private=True, retries=0, read_timeout=5.0
    )
    client = make_client(policy)
    yield Fetcher(client, policy)
    client.close()


def _json(server: _Server, path: str) -> tuple[Source[Any], SourceSpec]:
    spec = HttpJsonSpec(source="http_json", url=server.base + path, path="$.data.value")
    return HttpJsonSource(), spec


class PagedSpec(SourceSpec):
    source: Literal["paged"] = "paged"
    url: str


class PagedSource(Source[PagedSpec]):
    """Follows ``next`` until it is null; the value is the number of items seen."""

    name: ClassVar[str] = "paged"
    spec_model: ClassVar[type[SourceSpec]] = PagedSpec

    def requests(self, spec: PagedSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [FetchRequest(url=spec.url, params=(("page", "0"),))]

    def more_requests(
        self, spec: PagedSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> list[FetchRequest]:
        pages = [json.loads(e.raw) for e in responses.values()]
        last = max(pages, key=lambda p: p["items"][0])
        if last["next"] is None:
            return []
        return [FetchRequest(url=spec.url, params=(("page", str(last["next"])),))]

    def parse(
        self, spec: PagedSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        items = [i for e in responses.values() for i in json.loads(e.raw)["items"]]
        return Observation(kind="number", value=float(len(items)))


class EndlessSource(PagedSource):
    """A hostile source: always one more page."""

    name: ClassVar[str] = "endless"

    def more_requests(
        self, spec: PagedSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> list[FetchRequest]:
        return [FetchRequest(url=spec.url, params=(("page", str(len(responses))),))]


class BrokenSource(PagedSource):
    """A source whose code raises what a source must not: ``step`` names where."""

    name: ClassVar[str] = "broken"

    def __init__(self, step: str) -> None:
        self.step = step

    def requests(self, spec: PagedSpec, *, as_of: datetime) -> list[FetchRequest]:
        if self.step == "requests":
            raise KeyError("missing")
        return super().requests(spec, as_of=as_of)

    def auth(self, request: FetchRequest) -> FetchRequest:
        if self.step == "auth":
            raise RuntimeError("no key\nin the environment")
        return request

    def parse(
        self, spec: PagedSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        if self.step == "parse":
            return json.loads(b"[" * 100_000 + b"]" * 100_000)  # type: ignore[no-any-return]
        return super().parse(spec, responses, as_of=as_of)


def _all(results: Iterator[tuple[str, BatchResult]]) -> dict[str, BatchResult]:
    return dict(results)


def test_each_distinct_request_is_fetched_once_across_jobs(
    server: _Server, fetcher: Fetcher
) -> None:
    jobs = {f"q{i}": [_json(server, f"/n/{i % 3}"), _json(server, "/n/7")] for i in range(30)}
    results = _all(resolve_many(jobs, fetcher, as_of=AS_OF))
    assert set(results) == set(jobs)
    assert server.hits == {"/n/0": 1, "/n/1": 1, "/n/2": 1, "/n/7": 1}
    assert [o.value for o in results["q4"].observations] == [1.0, 7.0]
    assert len(results["q4"].evidence) == 2 and results["q4"].error is None


def test_paging_rounds_follow_more_requests_and_share_pages(
    server: _Server, fetcher: Fetcher
) -> None:
    spec = PagedSpec(url=server.base + "/pages")
    jobs = {"a": [(PagedSource(), spec)], "b": [(PagedSource(), spec), _json(server, "/n/1")]}
    results = _all(resolve_many(jobs, fetcher, as_of=AS_OF))
    assert results["a"].observations[0].value == 3.0
    assert [o.value for o in results["b"].observations] == [3.0, 1.0]
    assert server.hits["/pages"] == 3  # pages 0, 1, 2, each once for both jobs
    assert len(results["a"].requests) == 3


def test_a_job_is_yielded_as_soon_as_its_own_requests_finish(
    server: _Server, fetcher: Fetcher
) -> None:
    jobs = {"slow": [_json(server, "/slow")]} | {
        f"q{i}": [_json(server, f"/n/{i}")] for i in range(5)
    }
    start = time.monotonic()
    order: list[tuple[str, float]] = []
    for key, result in resolve_many(jobs, fetcher, as_of=AS_OF):
        assert result.error is None
        order.append((key, time.monotonic() - start))
    assert order[-1][0] == "slow"
    assert all(at < SLOW_S / 2 for key, at in order if key != "slow")
    assert order[-1][1] >= SLOW_S


def test_idle_is_called_again_after_the_wait_it_asked_for(
    server: _Server, fetcher: Fetcher
) -> None:
    # A caller batching its writes asks to be woken while a slow fetch is still in flight
    # (to write what waited long enough), and is not woken when it asks for no timeout.
    calls: list[tuple[float, int]] = []
    yielded: list[str] = []
    start = time.monotonic()

    def idle() -> float | None:
        calls.append((time.monotonic() - start, len(yielded)))
        return 0.1 if sum(seen for _, seen in calls) < 3 else None

    jobs = {"slow": [_json(server, "/slow")], "fast": [_json(server, "/n/1")]}
    for key, _ in resolve_many(jobs, fetcher, as_of=AS_OF, idle=idle):
        yielded.append(key)

    assert yielded == ["fast", "slow"]
    woken = [at for at, seen in calls if seen == 1]
    # Three calls after "fast", 0.1 s apart; the third asked for no timeout, so the slow
    # fetch's end is the only wake-up after it.
    assert len(woken) == 3
    assert all(b - a >= 0.09 for a, b in itertools.pairwise(woken))
    assert woken[-1] < SLOW_S


def test_errors_stay_with_their_job_and_name_the_source(server: _Server, fetcher: Fetcher) -> None:
    spec = PagedSpec(url=server.base + "/pages")
    jobs: dict[str, list[tuple[Source[Any], SourceSpec]]] = {
        "requests": [(BrokenSource("requests"), spec)],
        "auth": [(BrokenSource("auth"), spec)],
        "parse": [(BrokenSource("parse"), spec)],
        "deep_json": [_json(server, "/deep")],
        "bad_url": [(PagedSource(), PagedSpec(url="http://0177.0.0.1/"))],
        "endless": [(EndlessSource(), spec)],
        "http_500": [_json(server, "/missing")],
        "good": [_json(server, "/n/5")],
    }
    results = _all(resolve_many(jobs, fetcher, as_of=AS_OF))
    assert results["good"].observations[0].value == 5.0
    errors = {key: r.error for key, r in results.items() if key != "good"}
    assert all(isinstance(e, SourceError) for e in errors.values())
    messages = {key: str(e) for key, e in errors.items()}
    assert all("\n" not in m and len(m) < 400 for m in messages.values())
    assert messages["requests"] == "broken requests failed: KeyError: 'missing'"
    assert messages["auth"] == "broken auth failed: RuntimeError: no key in the environment"
    assert messages["parse"].startswith("broken parse failed: RecursionError")
    assert isinstance(errors["deep_json"], PermanentSourceError)
    assert "0177.0.0.1" in messages["bad_url"]
    assert "more pages after 50 rounds" in messages["endless"]
    assert isinstance(errors["http_500"], RetryableSourceError)
    assert isinstance(errors["requests"], PermanentSourceError)


def test_the_first_failing_spec_in_job_order_gives_the_error(
    server: _Server, fetcher: Fetcher
) -> None:
    jobs = {"q": [_json(server, "/n/1"), _json(server, "/missing"), _json(server, "/deep")]}
    [(_, result)] = resolve_many(jobs, fetcher, as_of=AS_OF)
    assert isinstance(result.error, RetryableSourceError) and not result.observations


def test_a_fetcher_raising_anything_is_contained(server: _Server) -> None:
    class Buggy:
        def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
            raise ValueError("unexpected")

    [(_, result)] = resolve_many({"q": [_json(server, "/n/1")]}, Buggy(), as_of=AS_OF)
    assert isinstance(result.error, PermanentSourceError)
    assert str(result.error).endswith("fetch failed: ValueError: unexpected")


def test_a_cache_carries_answers_between_calls(server: _Server, fetcher: Fetcher) -> None:
    cache: dict[str, Evidence | SourceError] = {}
    _all(resolve_many({"a": [_json(server, "/n/1")]}, fetcher, as_of=AS_OF, cache=cache))
    got = _all(resolve_many({"b": [_json(server, "/n/1")]}, fetcher, as_of=AS_OF, cache=cache))
    assert got["b"].observations[0].value == 1.0
    assert server.hits["/n/1"] == 1 and len(cache) == 1


def test_jobs_without_specs_and_no_jobs(fetcher: Fetcher) -> None:
    assert _all(resolve_many({}, fetcher, as_of=AS_OF)) == {}
    assert _all(resolve_many({"empty": []}, fetcher, as_of=AS_OF)) == {"empty": BatchResult()}


def test_source_resolve_is_one_spec_of_resolve_many(server: _Server, fetcher: Fetcher) -> None:
    observation, evidence = PagedSource().resolve(
        PagedSpec(url=server.base + "/pages"), fetcher, as_of=AS_OF
    )
    assert observation.value == 3.0 and len(evidence) == 3
    with pytest.raises(PermanentSourceError):
        HttpJsonSource().resolve(
            HttpJsonSpec(url=server.base + "/deep", path="$.a"), fetcher, as_of=AS_OF
        )


def test_a_source_giving_no_request_list_fails_its_job(fetcher: Fetcher) -> None:
    class Nothing(PagedSource):
        name: ClassVar[str] = "nothing"

        def requests(self, spec: PagedSpec, *, as_of: datetime) -> list[FetchRequest]:
            return None  # type: ignore[return-value]

    jobs = {"q": [(Nothing(), PagedSpec(url="http://127.0.0.1:9/"))]}
    [(key, result)] = resolve_many(jobs, fetcher, as_of=AS_OF)
    assert key == "q" and not result.observations
    assert (
        str(result.error) == "nothing requests failed: TypeError: 'NoneType' object is not iterable"
    )
