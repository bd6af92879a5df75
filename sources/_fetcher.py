"""The fetcher: bounded, guarded, retried HTTP over an injected ``httpx.Client``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx

from ._base import FetchRequest
from ._errors import PermanentSourceError, RetryableSourceError, SourceError
from ._evidence import Evidence
from ._guard import Resolver, check_host, system_resolver, with_url
from ._http import HttpPolicy, parse_retry_after, status_error
from ._transport import deadline, remaining
from ._urls import parsed_url

__all__ = ["Fetcher"]

_REDIRECTS = (301, 302, 303, 307, 308)


def _first_url(request: FetchRequest) -> httpx.URL:
    if request.secret_params:  # a URL carrying a secret is not kept anywhere
        return httpx.URL(request.send_url)
    return parsed_url(request.public_url)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _strip_secrets(url: httpx.URL, request: FetchRequest) -> str:
    secret = {name for name, _ in request.secret_params}
    if not secret or not url.query:
        return str(url)
    kept = [(k, v) for k, v in url.params.multi_items() if k not in secret]
    return str(url.copy_with(params=kept) if kept else url.copy_with(query=None))


def _keeps_credentials(first: httpx.URL, hop: httpx.URL) -> bool:
    """Credentials go only to the origin they were meant for, and never over plain HTTP
    after HTTPS."""
    return (first.scheme, first.host, first.port) == (hop.scheme, hop.host, hop.port)


class Fetcher:
    """Fetches :class:`FetchRequest` objects under an :class:`HttpPolicy`.

    The client is injected (``make_client(policy)`` in production, a ``MockTransport`` client in
    tests). Redirects are followed here, each hop checked by the address guard. ``clock`` is read
    only when the caller passes no ``fetched_at``. Every failure is a :class:`SourceError`.
    """

    def __init__(
        self,
        client: httpx.Client,
        policy: HttpPolicy,
        *,
        resolver: Resolver = system_resolver,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.client = client
        self.policy = policy
        self._resolver = resolver
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._host_slots: dict[str, threading.Semaphore] = {}

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
        """Fetch one request, retrying transient failures within the policy and its deadline.

        The deadline starts when the request first gets a per-host slot: time spent queueing
        behind other requests to the same host is not the server's doing.
        """
        started: float | None = None
        attempt = 0
        while True:
            try:
                with self._slot(request):
                    started = time.monotonic() if started is None else started
                    with deadline(started + self.policy.deadline):
                        return self._fetch_once(request, fetched_at)
            except RetryableSourceError as error:
                if attempt >= self.policy.retries:
                    raise
                if error.retry_after is not None:
                    if error.retry_after > self.policy.retry_after_cap:
                        raise
                    delay = error.retry_after
                else:
                    delay = self.policy.backoff(attempt)
                assert started is not None  # the error came from inside the slot
                if time.monotonic() + delay >= started + self.policy.deadline:
                    raise  # the retry could not finish before the deadline
                self._sleep(delay)
                attempt += 1

    def fetch_many(
        self, requests: Iterable[FetchRequest], *, fetched_at: datetime | None = None
    ) -> dict[str, Evidence | SourceError]:
        """Fetch distinct requests concurrently; one result (evidence or error) per key."""
        unique: dict[str, FetchRequest] = {}
        for request in requests:
            unique.setdefault(request.key, request)
        if not unique:
            return {}

        def run(request: FetchRequest) -> Evidence | SourceError:
            try:
                return self.fetch(request, fetched_at=fetched_at)
            except SourceError as error:
                return error
            except Exception as error:  # noqa: BLE001
                # One request failing in a way nobody foresaw must not take the batch down:
                # the caller records it against the questions that asked for this request.
                return PermanentSourceError(
                    f"unexpected {type(error).__name__}: {error}", url=request.public_url
                )

        workers = min(self.policy.concurrency, len(unique))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sources-fetch") as pool:
            results = pool.map(run, unique.values())
            return dict(zip(unique, results, strict=True))

    def _slot(self, request: FetchRequest) -> threading.Semaphore:
        host = parsed_url(request.url).host
        with self._lock:
            slot = self._host_slots.get(host)
            if slot is None:
                slot = threading.Semaphore(self.policy.per_host_concurrency)
                self._host_slots[host] = slot
            return slot

    def _timeout(self, public: str) -> httpx.Timeout:
        """The client's timeouts, none of them reaching past the deadline."""
        left = remaining()
        if left is not None and left <= 0:
            raise RetryableSourceError(
                f"exceeded the total deadline of {self.policy.deadline:g} s", url=public
            )
        policy = self.policy
        cap = float("inf") if left is None else left
        read = min(policy.read_timeout, cap)
        return httpx.Timeout(
            connect=min(policy.connect_timeout, cap), read=read, write=read, pool=read
        )

    def _timed_out(self, error: Exception, public: str, *, body: bool) -> RetryableSourceError:
        left = remaining()
        where = " reading body" if body else ""
        if left is not None and left <= 0.05:  # the read was cut short by the deadline
            reason = f"exceeded the total deadline of {self.policy.deadline:g} s{where}"
        else:
            reason = f"timed out{where} ({type(error).__name__})"
        return RetryableSourceError(reason, url=public)

    def _fetch_once(self, request: FetchRequest, fetched_at: datetime | None) -> Evidence:
        url = first = _first_url(request)
        method: str = request.method
        body = request.body
        credentials = True
        for _hop in range(self.policy.max_redirects + 1):
            public = _strip_secrets(url, request)
            check_host(url, self.policy, self._resolver)
            credentials = credentials and _keeps_credentials(first, url)
            headers = dict(request.headers)
            if credentials:
                headers.update(dict(request.secret_headers))
            else:
                # A secret may also travel in a parameter the server echoed into Location.
                url = httpx.URL(_strip_secrets(url, request))
            outgoing = self.client.build_request(
                method, url, headers=headers, content=body, timeout=self._timeout(public)
            )
            try:
                response = self.client.send(outgoing, stream=True, follow_redirects=False)
            except httpx.TimeoutException as error:
                raise self._timed_out(error, public, body=False) from None
            except httpx.RemoteProtocolError as error:
                # httpx parses Location even when it does not follow redirects; a Location it
                # cannot parse is the server's answer, and asking again will not change it.
                if str(error).startswith("Invalid URL in location header"):
                    reason = f"redirect to an invalid URL: {error}"
                    raise PermanentSourceError(reason, url=public) from None
                raise RetryableSourceError(f"protocol error ({error})", url=public) from None
            except httpx.TransportError as error:
                raise RetryableSourceError(
                    f"connection failed ({type(error).__name__}: {error})", url=public
                ) from None
            except SourceError as error:  # refused by the guard while connecting
                raise with_url(error, public) from None
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    url = self._join(url, location, public)
                    if response.status_code == 303 or (
                        response.status_code in (301, 302) and method == "POST"
                    ):
                        method, body = "GET", None
                    continue
                return self._read(request, response, url, fetched_at)
            finally:
                response.close()
        raise PermanentSourceError(
            f"more than {self.policy.max_redirects} redirects",
            url=_strip_secrets(first, request),
        )

    @staticmethod
    def _join(url: httpx.URL, location: str, public: str) -> httpx.URL:
        try:
            return url.join(location)
        except httpx.InvalidURL as error:
            raise PermanentSourceError(
                f"redirect to an invalid URL {location!r}: {error}", url=public
            ) from None

    def _read(
        self,
        request: FetchRequest,
        response: httpx.Response,
        url: httpx.URL,
        fetched_at: datetime | None,
    ) -> Evidence:
        public = _strip_secrets(url, request)
        status = response.status_code
        if not (200 <= status < 300 or status in request.accept_status):
            retry_after = parse_retry_after(response.headers.get("retry-after"), now=self._clock())
            raise status_error(status, url=public, retry_after=retry_after)
        limit = self.policy.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PermanentSourceError(
                f"body of {int(declared)} bytes exceeds the {limit}-byte limit", url=public
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise PermanentSourceError(
                        f"body exceeds the {limit}-byte limit; fetch aborted", url=public
                    )
                chunks.append(chunk)
                left = remaining()
                if left is not None and left <= 0:  # a slow drip never trips a read timeout
                    raise RetryableSourceError(
                        f"exceeded the total deadline of {self.policy.deadline:g} s "
                        f"after {size} bytes",
                        url=public,
                    )
        except httpx.TimeoutException as error:
            raise self._timed_out(error, public, body=True) from None
        except httpx.TransportError as error:
            raise RetryableSourceError(
                f"connection failed reading body ({type(error).__name__}: {error})", url=public
            ) from None
        except httpx.DecodingError as error:
            raise PermanentSourceError(f"undecodable body: {error}", url=public) from None
        return Evidence.from_response(
            url=public,
            status=status,
            content_type=response.headers.get("content-type", ""),
            body=b"".join(chunks),
            fetched_at=fetched_at or self._clock(),
            excerpt_limit=self.policy.excerpt_limit,
        )
