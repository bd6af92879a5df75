"""Benchmark the CPU ``sources`` spends per question and per request in a resolution sweep.

What, in one process (the server of part 2 in its own):

1. Per question: 10,000 ``http_json`` specs over 1,000 URLs (as in ``resolution.py``) are
   validated (``SourceRegistry.parse_spec``) and resolved with ``resolve_many`` over an
   in-memory fetcher that hands out a fresh body per URL (so nothing is reused from the
   previous round); CPU time of the calling thread (the fetches run on another).
   Baseline: ``json.loads`` of each question's body and a dict lookup. Also run with one
   question per URL, where no body is shared.
2. Per request: 1,000 sequential GETs of distinct URLs on a local keep-alive HTTP/1.1 server
   (no Nagle, no delay) with ``Fetcher.fetch`` over ``make_client``, with a bare
   ``httpx.Client.get`` and with ``http.client``; CPU time of the calling thread. Then the
   same requests at once: ``Fetcher.fetch_many`` against a bare ``httpx.Client`` shared by
   as many threads (``policy.concurrency``); CPU time of the process.
3. The sources part of ``resolution.py``'s sweep, without its database: ``resolve_many`` of
   the 10,000 specs with a real ``Fetcher`` (concurrency 32) on the server answering after
   20 ms; CPU of the calling thread per question and of the fetch threads per request.

Prints one JSON object with microseconds per question / request and ratios to the baselines
measured in the same run (the best of ``--rounds``). To run:

    .venv/bin/python benchmarks/sources_cpu.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

# Running this file puts benchmarks/ first on sys.path; keep imports resolving to the packages.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import httpx  # noqa: E402

from sources import (  # noqa: E402
    Evidence,
    Fetcher,
    FetchRequest,
    HttpPolicy,
    SourceRegistry,
    make_client,
    resolve_many,
)
from sources.builtin.http_json import HttpJsonSource  # noqa: E402

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
BASE = "http://127.0.0.1:8/u/"


def _body(url: str, salt: int) -> bytes:
    number = int(url.rsplit("/", 1)[-1])
    return json.dumps({"data": {"value": number, "round": salt}}).encode()


class _MemoryFetcher:
    """Answers every request at once with a body built for it (fresh bytes per round)."""

    def __init__(self, salt: int) -> None:
        self.salt = salt
        self.fetched_at = datetime(2027, 1, 5, tzinfo=UTC)

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
        return Evidence.from_response(
            url=request.url,
            status=200,
            content_type="application/json",
            body=_body(request.url, self.salt),
            fetched_at=fetched_at or self.fetched_at,
        )


def _best(rounds: int, run: Callable[[int], float]) -> float:
    return min(run(r) for r in range(rounds))


def _per_question(questions: int, urls: int, rounds: int) -> dict[str, Any]:
    registry = SourceRegistry([HttpJsonSource()])
    raw = [
        {"source": "http_json", "url": f"{BASE}{i % urls}", "path": "$.data.value"}
        for i in range(questions)
    ]

    def specs(_: int) -> float:
        start = time.thread_time()
        for item in raw:
            registry.parse_spec(item)
        return time.thread_time() - start

    parsed = [registry.parse_spec(item) for item in raw]
    source = registry.get("http_json")
    salt = iter(range(1, 1_000_000))

    def resolve(_: int) -> float:
        jobs = {i: [(source, spec)] for i, spec in enumerate(parsed)}
        fetcher = _MemoryFetcher(next(salt))
        start = time.thread_time()
        results = list(resolve_many(jobs, fetcher, as_of=AS_OF, concurrency=1))
        spent = time.thread_time() - start  # the caller's thread: what a sweep's thread pays
        assert len(results) == questions and all(r.error is None for _, r in results)
        return spent

    bodies = {u: _body(f"{BASE}{u}", 0) for u in range(urls)}

    def bare(_: int) -> float:
        fresh = {u: bytes(bytearray(b)) for u, b in bodies.items()}
        start = time.thread_time()
        hits = 0
        for i in range(questions):
            hits += json.loads(fresh[i % urls])["data"]["value"] >= urls // 2
        return time.thread_time() - start

    spec_s, resolve_s, bare_s = (_best(rounds, f) for f in (specs, resolve, bare))
    return {
        "questions": questions,
        "urls": urls,
        "spec_us": round(1e6 * spec_s / questions, 2),
        "resolve_us": round(1e6 * resolve_s / questions, 2),
        "bare_json_us": round(1e6 * bare_s / questions, 2),
        "resolve_over_bare": round(resolve_s / bare_s, 2),
        "spec_and_resolve_over_bare": round((spec_s + resolve_s) / bare_s, 2),
    }


# -- per request ---------------------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/slow/"):  # as in resolution.py: a 20 ms API
                time.sleep(0.020)
            body = json.dumps({"data": {"value": int(self.path.rsplit("/", 1)[-1])}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Handler)
    conn.send(httpd.server_address[1])
    httpd.serve_forever()


def _per_request(port: int, requests: int, rounds: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}/u/"
    policy = HttpPolicy(user_agent="forecasts-benchmark", allow_private=True)
    wanted = [
        FetchRequest(url=f"{base}{i}", headers=(("Accept", "application/json"),))
        for i in range(requests)
    ]
    for request in wanted:
        _ = request.key  # built by the batch before fetching; not what is measured here

    def fetcher(_: int) -> float:
        client = make_client(policy)
        try:
            fetch = Fetcher(client, policy).fetch
            fetch(wanted[0])  # the connection is opened outside the measurement
            start = time.thread_time()
            for request in wanted:
                fetch(request)
            return time.thread_time() - start
        finally:
            client.close()

    def bare_httpx(_: int) -> float:
        with httpx.Client(headers={"User-Agent": "forecasts-benchmark"}) as client:
            client.get(wanted[0].url)
            start = time.thread_time()
            for request in wanted:
                response = client.get(request.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                _ = response.content
            return time.thread_time() - start

    def bare_http_client(_: int) -> float:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            start = time.thread_time()
            for i in range(requests):
                conn.request("GET", f"/u/{i}", headers={"Accept": "application/json"})
                conn.getresponse().read()
            return time.thread_time() - start
        finally:
            conn.close()

    def fetch_many(_: int) -> float:
        client = make_client(policy)
        try:
            many = Fetcher(client, policy).fetch_many
            start = time.process_time()
            results = many(wanted)
            spent = time.process_time() - start
            assert all(isinstance(r, Evidence) for r in results.values())
            return spent
        finally:
            client.close()

    def threaded_httpx(_: int) -> float:
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        with (
            httpx.Client(headers={"User-Agent": "forecasts-benchmark"}, limits=limits) as client,
            ThreadPoolExecutor(workers) as pool,
        ):

            def get(request: FetchRequest) -> bytes:
                response = client.get(request.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                return response.content

            start = time.process_time()
            list(pool.map(get, wanted))
            return time.process_time() - start

    workers = policy.concurrency
    fetcher_s, httpx_s, client_s, many_s, threaded_s = (
        _best(rounds, f)
        for f in (fetcher, bare_httpx, bare_http_client, fetch_many, threaded_httpx)
    )
    return {
        "requests": requests,
        "fetcher_us": round(1e6 * fetcher_s / requests, 1),
        "httpx_get_us": round(1e6 * httpx_s / requests, 1),
        "http_client_us": round(1e6 * client_s / requests, 1),
        "fetcher_over_httpx": round(fetcher_s / httpx_s, 2),
        "fetcher_over_http_client": round(fetcher_s / client_s, 2),
        "threads": workers,
        "fetch_many_us": round(1e6 * many_s / requests, 1),
        "threaded_httpx_us": round(1e6 * threaded_s / requests, 1),
        "fetch_many_over_threaded_httpx": round(many_s / threaded_s, 2),
    }


def _sweep(port: int, questions: int, urls: int) -> dict[str, Any]:
    """The sources part of ``resolution.py``'s sweep: no database, same fetches and parses."""
    registry = SourceRegistry([HttpJsonSource()])
    source = registry.get("http_json")
    base = f"http://127.0.0.1:{port}/slow/"
    specs = [
        registry.parse_spec(
            {"source": "http_json", "url": f"{base}{i % urls}", "path": "$.data.value"}
        )
        for i in range(questions)
    ]
    policy = HttpPolicy(
        user_agent="forecasts-benchmark",
        allow_private=True,
        concurrency=32,
        per_host_concurrency=32,
    )
    client = make_client(policy)
    try:
        jobs = {i: [(source, spec)] for i, spec in enumerate(specs)}
        start, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
        results = list(resolve_many(jobs, Fetcher(client, policy), as_of=AS_OF))
        wall = time.perf_counter() - start
        cpu, own = time.process_time() - cpu, time.thread_time() - own
    finally:
        client.close()
    assert len(results) == questions and all(r.error is None for _, r in results)
    ideal = urls * 0.020 / policy.concurrency
    return {
        "questions": questions,
        "urls": urls,
        "caller_thread_us_per_question": round(1e6 * own / questions, 1),
        "fetch_threads_us_per_request": round(1e6 * (cpu - own) / urls, 1),
        "wall_s": round(wall, 3),
        "ideal_fetch_s": round(ideal, 3),
        "wall_over_ideal": round(wall / ideal, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--urls", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    parent, child = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(child,), daemon=True)
    server.start()
    port = parent.recv()
    result: dict[str, Any] = {
        "benchmark": "sources CPU per question and per request",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    try:
        result["shared_bodies"] = _per_question(args.questions, args.urls, args.rounds)
        result["one_question_per_url"] = _per_question(args.urls, args.urls, args.rounds)
        result["fetch"] = _per_request(port, args.requests, args.rounds)
        result["sweep_without_database"] = _sweep(port, args.questions, args.urls)
    finally:
        server.terminate()
        server.join()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
