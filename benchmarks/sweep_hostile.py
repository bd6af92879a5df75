"""Benchmark a sweep with one drip-feed source (a byte every 3 s) among 50 good ones.

What: 51 due questions in a SQLite file; the drip-feed one sorts first. A local server in its
own process answers the good URLs at once and the drip URL with a 1,000-byte body sent one byte
every 3 s. The sweep runs in-process with a real ``Fetcher`` under the default ``HttpPolicy``,
whose total per-request deadline (60 s) ends the drip; on a tree without
``HttpPolicy.deadline`` the benchmark says so and sets a 2.5 s read timeout instead (which
ends the drip at its first 3 s gap). Prints one JSON object: when all good questions were
resolved (the time the last one's write had committed), the sweep's wall time, and what the
drip-feed question got. Targets: good ones within 10 s, the sweep within 70 s. To run:

    .venv/bin/python benchmarks/sweep_hostile.py
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

# Running this file puts benchmarks/ first on sys.path; keep imports resolving to the packages.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from forecasts.db.store import open_store  # noqa: E402
from forecasts.domain import Question  # noqa: E402
from forecasts.resolution.sweep import run_sweep  # noqa: E402
from sources import Fetcher, HttpPolicy, load_sources, make_client  # noqa: E402

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DRIP_BYTES = 1000
_AGENT = "forecasts-benchmark"


def _serve(every: float, conn: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            try:
                if self.path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(DRIP_BYTES))
                    self.end_headers()
                    for _ in range(DRIP_BYTES):
                        time.sleep(every)
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    return
                body = json.dumps({"data": {"value": int(self.path.rsplit("/", 1)[-1])}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Handler)
    conn.send(httpd.server_address[1])
    httpd.serve_forever()


def _question(qid: str, url: str) -> Question:
    return Question.model_validate(
        {
            "id": qid,
            "title": f"{qid}?",
            "kind": "binary",
            "opens_at": "2026-01-01",
            "closes_at": "2026-12-01",
            "resolve_on": "2026-12-31",
            "resolution": {
                "source": "http_json",
                "url": url,
                "path": "$.data.value",
                "op": ">=",
                "threshold": 25,
            },
        }
    )


def _policy() -> tuple[HttpPolicy, str]:
    if "deadline" in HttpPolicy.model_fields:
        policy = HttpPolicy(user_agent=_AGENT, allow_private=True)
        return policy, f"HttpPolicy.deadline {getattr(policy, 'deadline', '?')} s (default)"
    policy = HttpPolicy(user_agent=_AGENT, allow_private=True, read_timeout=2.5)
    return policy, "read_timeout 2.5 s: HttpPolicy.deadline is not in this tree yet"


def _run(db: str, port: int, good: int) -> dict[str, Any]:
    store = open_store(db)
    base = f"http://127.0.0.1:{port}"
    with store.transaction() as session:
        store.record(session, _question("A-drip", f"{base}/drip"), as_of=CREATED)
        for i in range(good):
            store.record(session, _question(f"Q{i:03d}", f"{base}/good/{i}"), as_of=CREATED)
    policy, limit = _policy()
    client = make_client(policy)
    settled: list[float] = []
    start = time.perf_counter()
    summary = run_sweep(
        store,
        load_sources("forecasts.sources"),
        Fetcher(client, policy),
        as_of=AS_OF,
        clock=lambda: datetime.now(UTC),
        worker="bench",
        progress=lambda _done, _total: settled.append(time.perf_counter() - start),
    )
    wall = time.perf_counter() - start
    client.close()
    store.close()
    at = dict(zip((r.question_id for r in summary.results), settled, strict=True))
    resolved = [r.question_id for r in summary.results if r.result == "resolved"]
    drip = next(r for r in summary.results if r.question_id == "A-drip")
    return {
        "limit": limit,
        "good_resolved": len(resolved),
        "all_good_resolved_s": round(max(at[q] for q in resolved), 3) if resolved else None,
        "sweep_wall_s": round(wall, 3),
        "drip_question": {"result": drip.result, "settled_s": round(at["A-drip"], 3)},
        "drip_detail": drip.detail,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--good", type=int, default=50)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between drip bytes")
    args = parser.parse_args()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(args.every, child), daemon=True)
    server.start()
    port = parent.recv()
    result: dict[str, Any] = {
        "benchmark": "sweep with one drip-feed source",
        "good_questions": args.good,
        "drip_every_s": args.every,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result["sqlite"] = _run(f"sqlite:///{os.path.join(tmp, 'bench.db')}", port, args.good)
    finally:
        server.terminate()
        server.join()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
