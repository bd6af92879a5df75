"""A real HTTP server on 127.0.0.1 with scripted routes, and a fetcher allowed to reach it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from forecasts.db.store import Store
from forecasts.resolution.sweep import SweepSummary, run_sweep
from sources import Fetcher, FetcherLike, HttpPolicy, load_sources, make_client


@dataclass
class Route:
    body: bytes = b"{}"
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gate: threading.Event | None = None
    """When set, the answer waits (up to a minute) until the event is set."""


class Server:
    """Routes by path; counts hits per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                route = server.routes.get(path, Route(b"not found", 404, "text/plain"))
                if route.delay:
                    time.sleep(route.delay)
                if route.gate is not None:
                    route.gate.wait(60)
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def policy() -> HttpPolicy:
    return HttpPolicy(
        user_agent="forecasts-tests",
        allow_private=True,
        retries=1,
        backoff_base=0.01,
        backoff_cap=0.05,
        retry_after_cap=0.2,
        read_timeout=1.0,
        connect_timeout=1.0,
        max_body_bytes=100_000,
    )


@pytest.fixture
def fetcher(policy: HttpPolicy) -> Iterator[Fetcher]:
    client = make_client(policy)
    yield Fetcher(client, policy)
    client.close()


def sweep(store: Store, fetcher: FetcherLike, *, as_of: datetime, **options: Any) -> SweepSummary:
    """``run_sweep`` as the tests run it: the installed sources, the wall clock and worker
    w1, unless ``options`` say otherwise."""
    settings: dict[str, Any] = {"clock": lambda: datetime.now(UTC), "worker": "w1", **options}
    return run_sweep(store, load_sources("forecasts.sources"), fetcher, as_of=as_of, **settings)
