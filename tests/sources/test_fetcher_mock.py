"""Fetcher and HTTP policy behaviour over ``httpx.MockTransport`` (no sockets)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from sources import (
    Evidence,
    Fetcher,
    FetchRequest,
    HttpPolicy,
    PermanentSourceError,
    RetryableSourceError,
    make_client,
    parse_retry_after,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
PUBLIC = {"api.example.org": ["93.184.216.34"], "cdn.example.net": ["151.101.1.1"]}


def resolver(host: str, _port: int) -> list[str]:
    if host == "internal.example.org":
        return ["93.184.216.35", "10.0.0.5"]
    if host in PUBLIC:
        return PUBLIC[host]
    raise OSError("Name or service not known")


def fetcher(
    handler: Callable[[httpx.Request], httpx.Response],
    sleeps: list[float] | None = None,
    **policy: object,
) -> Fetcher:
    settings = HttpPolicy.model_validate({"user_agent": "sources-tests", **policy})
    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=False)
    record = sleeps if sleeps is not None else []
    return Fetcher(client, settings, resolver=resolver, sleep=record.append, clock=lambda: NOW)


def test_secret_params_and_headers_are_sent_but_not_recorded() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    public = FetchRequest(url="https://api.example.org/obs", params=(("series_id", "X"),))
    secret = public.with_secrets(
        params=[("api_key", "s3cret")], headers=[("Authorization", "Token t")]
    )
    evidence = fetcher(handler).fetch(secret)
    assert seen[0].url.params["api_key"] == "s3cret"
    assert seen[0].headers["authorization"] == "Token t"
    assert (
        "s3cret" not in evidence.url and evidence.url == "https://api.example.org/obs?series_id=X"
    )
    assert secret.key == public.key and "s3cret" not in secret.key
    assert "s3cret" not in repr(secret) and "s3cret" not in secret.model_dump_json()


def test_secret_header_is_dropped_on_a_cross_host_redirect() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "api.example.org":
            return httpx.Response(302, headers={"Location": "https://cdn.example.net/file"})
        return httpx.Response(200, content=b"{}")

    request = FetchRequest(url="https://api.example.org/a").with_secrets(
        headers=[("Authorization", "x")]
    )
    evidence = fetcher(handler).fetch(request)
    assert evidence.url == "https://cdn.example.net/file"
    assert "authorization" in seen[0].headers and "authorization" not in seen[1].headers


def test_redirect_hop_to_a_private_resolution_is_refused() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(301, headers={"Location": "https://internal.example.org/x"})

    with pytest.raises(PermanentSourceError, match="10.0.0.5"):
        fetcher(handler).fetch(FetchRequest(url="https://api.example.org/"))
    assert hosts == ["api.example.org"]


def test_too_many_redirects_is_permanent() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/again"})

    with pytest.raises(PermanentSourceError, match="more than 2 redirects"):
        fetcher(handler, max_redirects=2).fetch(FetchRequest(url="https://api.example.org/"))


def test_post_becomes_get_after_303() -> None:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.url.path == "/form":
            return httpx.Response(303, headers={"Location": "/result"})
        return httpx.Response(200, content=b"{}")

    fetcher(handler).fetch(
        FetchRequest(method="POST", url="https://api.example.org/form", body=b"a=1")
    )
    assert methods == ["POST", "GET"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://192.168.1.1/",
        "https://internal.example.org/",
    ],
)
def test_guard_refuses_non_public_addresses(url: str) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with pytest.raises(PermanentSourceError, match="refusing host"):
        fetcher(handler).fetch(FetchRequest(url=url))


def test_guard_allow_list_and_allow_private() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}")

    assert fetcher(handler, allowed_hosts=frozenset({"127.0.0.1:8080"})).fetch(
        FetchRequest(url="http://127.0.0.1:8080/")
    )
    with pytest.raises(PermanentSourceError):
        fetcher(handler, allowed_hosts=frozenset({"127.0.0.1:8080"})).fetch(
            FetchRequest(url="http://127.0.0.1:9090/")
        )
    assert fetcher(handler, allow_private=True).fetch(FetchRequest(url="http://10.1.2.3/"))


def test_unresolvable_host_is_retryable() -> None:
    sleeps: list[float] = []
    with pytest.raises(RetryableSourceError, match="cannot resolve"):
        fetcher(lambda r: httpx.Response(200), sleeps).fetch(
            FetchRequest(url="https://nope.invalid/")
        )
    assert sleeps == [0.5, 1.0]


def test_transient_failure_then_success_backs_off() -> None:
    calls = iter([httpx.Response(503), httpx.Response(502), httpx.Response(200, content=b"[1]")])
    sleeps: list[float] = []
    evidence = fetcher(lambda r: next(calls), sleeps).fetch(
        FetchRequest(url="https://api.example.org/")
    )
    assert evidence.raw == b"[1]"
    assert sleeps == [0.5, 1.0]


def test_connection_error_is_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RetryableSourceError, match="ConnectError"):
        fetcher(handler, retries=0).fetch(FetchRequest(url="https://api.example.org/"))


def test_retry_after_http_date_is_honoured() -> None:
    responses = iter(
        [
            httpx.Response(429, headers={"Retry-After": "Sun, 10 Jan 2027 12:00:07 GMT"}),
            httpx.Response(200),
        ]
    )
    sleeps: list[float] = []
    fetcher(lambda r: next(responses), sleeps).fetch(FetchRequest(url="https://api.example.org/"))
    assert sleeps == [7.0]


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (404, PermanentSourceError, "404"),
        (403, PermanentSourceError, "authentication"),
        (400, PermanentSourceError, "HTTP 400"),
        (429, RetryableSourceError, "429"),
    ],
)
def test_status_classification(status: int, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        fetcher(lambda r: httpx.Response(status), retries=0).fetch(
            FetchRequest(url="https://api.example.org/")
        )


def test_accepted_status_becomes_evidence() -> None:
    evidence = fetcher(lambda r: httpx.Response(404, content=b"{}")).fetch(
        FetchRequest(url="https://api.example.org/", accept_status=(404,))
    )
    assert evidence.status == 404


def test_large_body_keeps_an_excerpt_and_the_full_hash() -> None:
    body = bytes(range(256)) * 10
    evidence = fetcher(lambda r: httpx.Response(200, content=body), excerpt_limit=100).fetch(
        FetchRequest(url="https://api.example.org/")
    )
    assert evidence.body is None and evidence.excerpt == body[:100]
    assert evidence.raw == body and evidence.size == len(body)
    stored = Evidence.model_validate_json(evidence.model_dump_json())
    assert stored.verify()
    with pytest.raises(PermanentSourceError, match="excerpt"):
        _ = stored.raw


def test_fetched_at_comes_from_the_caller_or_the_clock() -> None:
    f = fetcher(lambda r: httpx.Response(200))
    given = datetime(2026, 5, 1, tzinfo=UTC)
    assert (
        f.fetch(FetchRequest(url="https://api.example.org/"), fetched_at=given).fetched_at == given
    )
    assert f.fetch(FetchRequest(url="https://api.example.org/")).fetched_at == NOW


def test_fetch_many_returns_errors_per_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path == "/ok" else 404)

    ok, bad = (
        FetchRequest(url="https://api.example.org/ok"),
        FetchRequest(url="https://api.example.org/no"),
    )
    results = fetcher(handler).fetch_many([ok, bad, ok])
    assert isinstance(results[ok.key], Evidence)
    assert isinstance(results[bad.key], PermanentSourceError)
    assert fetcher(handler).fetch_many([]) == {}


def test_fetch_many_honours_per_host_concurrency() -> None:
    lock = threading.Lock()
    active: dict[str, int] = {}
    peak: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        with lock:
            active[host] = active.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), active[host])
        time.sleep(0.03)
        with lock:
            active[host] -= 1
        return httpx.Response(200)

    requests = [FetchRequest(url=f"https://{h}/{i}") for h in PUBLIC for i in range(8)]
    results = fetcher(handler, per_host_concurrency=2).fetch_many(requests)
    assert len(results) == 16
    assert peak == {"api.example.org": 2, "cdn.example.net": 2}


def test_parse_retry_after() -> None:
    assert parse_retry_after("3", now=NOW) == 3.0
    assert parse_retry_after("Sun, 10 Jan 2027 12:01:00 GMT", now=NOW) == 60.0
    assert parse_retry_after("Sun, 10 Jan 2027 11:00:00 GMT", now=NOW) == 0.0
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None


def test_make_client_applies_the_policy() -> None:
    policy = HttpPolicy(user_agent="example-app/2.0", connect_timeout=3, read_timeout=7)
    with make_client(policy) as client:
        assert client.timeout.connect == 3 and client.timeout.read == 7
        assert client.headers["User-Agent"] == "example-app/2.0"
        assert client.follow_redirects is False


def test_queueing_for_a_host_slot_does_not_count_against_the_deadline() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        time.sleep(0.15)
        return httpx.Response(200, content=b"{}")

    requests = [FetchRequest(url=f"https://api.example.org/{i}") for i in range(6)]
    slow = fetcher(handler, per_host_concurrency=1, deadline=0.5)
    results = slow.fetch_many(requests)  # ~0.9 s in all, each request well within 0.5 s
    assert all(isinstance(result, Evidence) for result in results.values())
