"""Benchmark ``GET /api/forecasters/{handle}/record`` against a trivial endpoint of the same app.

What: a SQLite database with 100,000 binary forecasts (1,000 resolved questions, 100
forecasters, so about 1,000 forecasts per track record), bulk-inserted with SQLAlchemy core
inserts -- not through the ledger -- served by ``forecasts serve`` (uvicorn, one worker) on
loopback. One client sends sequential keep-alive requests; the report gives requests per
second and p50/p99 latency of the track record (random handles) and of ``GET /api/health``
(no database), and their ratio. Prints one JSON object.

Prerequisites: the package installed. To run::

    .venv/bin/python benchmarks/api.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Running this file puts benchmarks/ first on sys.path, where benchmarks/scoring.py would
# shadow the scoring package: drop that entry before importing anything of ours.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from forecasts.db.store import open_store  # noqa: E402


def _records_module() -> Any:
    """benchmarks/records.py (the synthetic data and the bulk insert)."""
    spec = importlib.util.spec_from_file_location("_bench_records", Path(_HERE) / "records.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def measure(client: httpx.Client, paths: list[str], seconds: float) -> dict[str, float]:
    """Sequential requests for about ``seconds``: rps, p50 and p99 latency (ms)."""
    latencies: list[float] = []
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        begin = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        latencies.append(time.perf_counter() - begin)
        if response.status_code != 200:
            raise SystemExit(f"{paths[i % len(paths)]}: HTTP {response.status_code}")
        i += 1
    elapsed = time.perf_counter() - started
    ms = np.asarray(latencies) * 1000
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="API benchmark")
    parser.add_argument("--forecasts", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--forecasters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0, help="Per endpoint.")
    args = parser.parse_args(argv)
    bench = _records_module()
    data = bench.synthetic(args.forecasts, args.questions, args.forecasters)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/api.db"
        store = open_store(url)
        bench.fill_sqlite(store, data)
        store.close()
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "forecasts", "serve", "--db", url, "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=60) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get("/api/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                rng = np.random.default_rng(1)
                handles = [f"fc{i:04d}" for i in rng.integers(0, args.forecasters, 500)]
                record_paths = [f"/api/forecasters/{h}/record" for h in handles]
                sample = client.get(record_paths[0]).json()
                measure(client, record_paths, 2.0)  # warm-up
                record = measure(client, record_paths, args.seconds)
                measure(client, ["/api/health"], 1.0)
                trivial = measure(client, ["/api/health"], args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {
        "benchmark": "GET /api/forecasters/{handle}/record vs GET /api/health, same app",
        "server": "forecasts serve (uvicorn, 1 worker), loopback, SQLite file",
        "client": "one connection, sequential keep-alive requests",
        "forecasts": args.forecasts,
        "questions_resolved": args.questions,
        "forecasters": args.forecasters,
        "forecasts_per_record": round(args.forecasts / args.forecasters),
        "data": "synthetic, bulk-inserted with core inserts, not through the ledger",
        "record_n_questions_example": sample["n"],
        "record": record,
        "trivial": trivial,
        "rps_ratio_trivial_over_record": round(trivial["rps"] / record["rps"], 1),
        "p50_ratio_record_over_trivial": round(record["p50_ms"] / trivial["p50_ms"], 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
