"""Benchmark one resolution sweep: 10,000 due questions over 1,000 URLs on a 20 ms server.

What: creates the questions as the application does (row, event and check row; one
transaction) in a SQLite file, and in a fresh PostgreSQL database too when
``FORECASTS_TEST_POSTGRES_URL`` is set, then times ``run_sweep`` in-process with a real
``Fetcher`` (``concurrency = per_host_concurrency = C``) against a local
``ThreadingHTTPServer`` that answers every request after 20 ms. The server runs in its own
process so it does not share the sweep's GIL. Prints one JSON object: per database the wall
time of the sweep, the time during which a fetch was in flight (``rest_s`` is the wall time
outside it: claims, question loads, evaluation and the writes that did not overlap a fetch),
the requests the server saw (1,000 expected: one per distinct URL), the resolved count, the
ideal fetch time ``urls * delay / C`` and the ratios to it, and the sweep's CPU time (this
process: the loop, the fetch threads and the database driver), which on a busy machine shows
what the wall time cannot, split into the sweep's own thread and the rest (the fetch threads).
Before the sweeps, ``fetch_only`` fetches as many other URLs of the same server with the same
fetcher and concurrency and nothing else: the floor a sweep stands on, in the same run
(``wall_over_fetch_only`` per database).
To run:

    .venv/bin/python benchmarks/resolution.py [--concurrency 32]
    scripts/with-postgres .venv/bin/python benchmarks/resolution.py   # adds PostgreSQL
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

# Running this file puts benchmarks/ first on sys.path; keep imports resolving to the packages.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from forecasts.db.checks import write_record  # noqa: E402
from forecasts.db.store import Store, open_store  # noqa: E402
from forecasts.domain import Question  # noqa: E402
from forecasts.resolution.sweep import RetryPolicy, run_sweep  # noqa: E402
from sources import (  # noqa: E402
    Evidence,
    Fetcher,
    FetchRequest,
    HttpPolicy,
    load_sources,
    make_client,
)

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


# -- the server (its own process) ------------------------------------------------------------


def _serve(delay: float, conn: Connection) -> None:
    count = 0
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real API would
        # Headers and body leave in separate writes; with Nagle on, the body waits for the
        # client's delayed ACK (about 40 ms), which no real API server adds.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            nonlocal count
            if self.path == "/__count":
                body = str(count).encode()
            else:
                with lock:
                    count += 1
                time.sleep(delay)
                number = int(self.path.rsplit("/", 1)[-1])
                body = json.dumps({"data": {"value": number}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    httpd = Server(("127.0.0.1", 0), Handler)
    conn.send(httpd.server_address[1])
    httpd.serve_forever()


def _served(port: int) -> int:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", "/__count")
        return int(client.getresponse().read())
    finally:
        client.close()


# -- setup -----------------------------------------------------------------------------------


def _questions(n: int, urls: int, port: int) -> list[Question]:
    base = f"http://127.0.0.1:{port}/u/"
    return [
        Question.model_validate(
            {
                "id": f"B{i:05d}",
                "title": f"Is value {i % urls} at least {urls // 2}?",
                "kind": "binary",
                "opens_at": "2026-01-01",
                "closes_at": "2026-12-01",
                "resolve_on": "2026-12-31",
                "resolution": {
                    "source": "http_json",
                    "url": f"{base}{i % urls}",
                    "path": "$.data.value",
                    "op": ">=",
                    "threshold": urls // 2,
                },
            }
        )
        for i in range(n)
    ]


def _create(store: Store, questions: list[Question]) -> float:
    # As the application adds a question: its row, its event and its check row, so the sweep
    # finds the check rows in place (ensure_checks adds them only for older databases).
    start = time.perf_counter()
    with store.transaction() as session:
        for question in questions:
            write_record(store, session, question, as_of=CREATED)
    _analyze(store)
    return time.perf_counter() - start


def _analyze(store: Store) -> None:
    """PostgreSQL: table statistics after the bulk load, as autovacuum takes them within its
    first minute (and as PostgreSQL advises after one): a sweep started the same second would
    otherwise be planned for the empty tables the statistics still describe."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


class _TimedFetcher:
    """Wraps a fetcher and adds up the time during which at least one fetch is in flight."""

    def __init__(self, inner: Fetcher) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()
        self._inflight = 0
        self._since = 0.0

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
        with self._lock:
            if self._inflight == 0:
                self._since = time.perf_counter()
            self._inflight += 1
            self.calls += 1
        try:
            return self.inner.fetch(request, fetched_at=fetched_at)
        finally:
            with self._lock:
                self._inflight -= 1
                if self._inflight == 0:
                    self.seconds += time.perf_counter() - self._since


def _policy(args: argparse.Namespace) -> HttpPolicy:
    return HttpPolicy(
        user_agent="forecasts-benchmark",
        allow_private=True,
        concurrency=args.concurrency,
        per_host_concurrency=args.concurrency,
    )


def _fetch_only(args: argparse.Namespace, port: int) -> dict[str, Any]:
    """The floor under a sweep: the same distinct requests through the same fetcher and
    concurrency, with no database and no judging (``Fetcher.fetch_many``)."""
    policy = _policy(args)
    client = make_client(policy)
    fetcher = Fetcher(client, policy)
    accept = (("Accept", "application/json"),)  # as the sweep's http_json requests
    requests = [
        FetchRequest(url=f"http://127.0.0.1:{port}/only/{i}", headers=accept)
        for i in range(args.urls)
    ]
    start, cpu_start = time.perf_counter(), time.process_time()
    results = fetcher.fetch_many(requests)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    client.close()
    ideal = args.urls * args.delay / args.concurrency
    failed = sum(1 for r in results.values() if not isinstance(r, Evidence))
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "cpu_per_request_ms": round(1000 * cpu / args.urls, 3),
        "failed": failed,
        "over_ideal": round(wall / ideal, 2) if ideal else None,
    }


def _run(url: str, args: argparse.Namespace, port: int) -> dict[str, Any]:
    store = open_store(url)
    try:
        create_s = _create(store, _questions(args.questions, args.urls, port))
        policy = _policy(args)
        client = make_client(policy)
        fetcher = _TimedFetcher(Fetcher(client, policy))
        before = _served(port)
        start, cpu_start, own_start = time.perf_counter(), time.process_time(), time.thread_time()
        summary = run_sweep(
            store,
            load_sources("forecasts.sources"),
            fetcher,
            as_of=AS_OF,
            clock=lambda: datetime.now(UTC),
            worker="bench",
            policy=RetryPolicy(batch_size=args.batch),
        )
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        own = time.thread_time() - own_start
        served = _served(port) - before
        client.close()
        counts = summary.counts()
        ideal = args.urls * args.delay / args.concurrency
        return {
            "create_questions_s": round(create_s, 3),
            "sweep_wall_s": round(wall, 3),
            "sweep_cpu_s": round(cpu, 3),
            "cpu_per_question_ms": round(1000 * cpu / args.questions, 3),
            "sweep_thread_cpu_s": round(own, 3),
            "fetch_threads_cpu_s": round(cpu - own, 3),
            "fetch_s": round(fetcher.seconds, 3),
            "fetch_calls": fetcher.calls,
            "rest_s": round(wall - fetcher.seconds, 3),
            "rest_share": round((wall - fetcher.seconds) / wall, 3),
            "requests_served": served,
            "distinct_requests": summary.requests,
            "resolved": counts["resolved"],
            "not_resolved": sum(v for k, v in counts.items() if k != "resolved"),
            "questions_per_s": round(counts["resolved"] / wall, 1),
            "ideal_fetch_s": round(ideal, 3),
            "wall_over_ideal": round(wall / ideal, 2) if ideal else None,
            "fetch_over_ideal": round(fetcher.seconds / ideal, 2) if ideal else None,
        }
    finally:
        store.close()


def _postgres(admin_url: str) -> tuple[str, Any]:
    import psycopg

    name = f"forecasts_bench_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(
        admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )
    conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--urls", type=int, default=1_000)
    parser.add_argument("--delay", type=float, default=0.020, help="server delay, seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=2_000, help="RetryPolicy.batch_size")
    args = parser.parse_args()

    parent, child = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=_serve, args=(args.delay, child), daemon=True
    )
    server.start()
    port = parent.recv()
    result: dict[str, Any] = {
        "benchmark": "resolution sweep",
        "questions": args.questions,
        "distinct_urls": args.urls,
        "server_delay_ms": args.delay * 1000,
        "concurrency": args.concurrency,
        "batch_size": args.batch,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    try:
        floor = result["fetch_only"] = _fetch_only(args, port)
        with tempfile.TemporaryDirectory() as tmp:
            result["sqlite"] = _run(f"sqlite:///{os.path.join(tmp, 'bench.db')}", args, port)
        pg_admin = os.environ.get("FORECASTS_TEST_POSTGRES_URL")
        if pg_admin:
            url, drop = _postgres(pg_admin)
            try:
                result["postgresql"] = _run(url, args, port)
            finally:
                drop()
    finally:
        server.terminate()
        server.join()
    for name in ("sqlite", "postgresql"):
        if name in result and floor["wall_s"]:
            result[name]["wall_over_fetch_only"] = round(
                result[name]["sweep_wall_s"] / floor["wall_s"], 2
            )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
