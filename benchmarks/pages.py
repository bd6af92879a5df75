"""Benchmark the read pages (``/questions`` search and filters, ``/forecasters``, a question
page with its crowd, a forecaster's page) against ``GET /api/health`` of the same app.

What: the data of ``benchmarks/api.py`` (100,000 binary forecasts on 1,000 resolved
questions by 100 forecasters, bulk-inserted), served by ``forecasts serve`` (uvicorn, one
worker) on loopback; one client sends sequential keep-alive requests. Prints one JSON object
with p50/p99 per page and each page's p50 and p99 over the trivial endpoint's. A forecaster's
page (``/forecasters/{handle}``: about 1,000 claims and 600 scored questions) is timed the
first time each handle is asked for (``forecaster_first_view``: built), then again
(``forecaster``: as a visitor who is not signed in, kept), and then right after a forecast
by another forecaster on a new question, recorded through the services by this process
(``forecaster_after_other_forecast``: the ledger moved, but not in a way that concerns the
page).

Prerequisites: the package installed. To run::

    .venv/bin/python benchmarks/pages.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from forecasts.db.store import open_store  # noqa: E402
from forecasts.domain import Question  # noqa: E402
from forecasts.inputs import ForecastInput  # noqa: E402
from forecasts.services import add_forecast, add_question  # noqa: E402
from forecasts.timeutils import utc_now  # noqa: E402


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", Path(_HERE) / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _after_other_forecasts(
    client: httpx.Client, url: str, forecasters: int, rng: np.random.Generator, n: int = 60
) -> dict[str, float]:
    """The last forecaster forecasts on ``n`` new questions, one at a time; after each,
    one page of one of the others (who never forecast on them) is timed."""
    store = open_store(url)
    latencies = []
    by = f"fc{forecasters - 1:04d}"
    try:
        for i in range(n):
            qid = f"po{i:04d}"
            question = Question.model_validate(
                {"id": qid, "title": f"Open {qid}?", "kind": "binary", "opens_at": "2026-01-01",
                 "closes_at": "2030-01-01", "resolve_on": "2030-01-02"}
            )  # fmt: skip
            now = utc_now()
            add_question(store, question, as_of=now)
            entry = ForecastInput.model_validate({"question": qid, "by": by, "p": 0.5})
            add_forecast(store, entry, as_of=now)
            path = f"/forecasters/fc{int(rng.integers(0, forecasters - 1)):04d}"
            begin = time.perf_counter()
            client.get(path).raise_for_status()
            latencies.append((time.perf_counter() - begin) * 1000)
    finally:
        store.close()
    return {
        "requests": len(latencies),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p99_ms": round(float(np.percentile(latencies, 99)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Page benchmark")
    parser.add_argument("--forecasts", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--forecasters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0, help="Per page.")
    args = parser.parse_args(argv)
    api, records = _module("api"), _module("records")
    data = records.synthetic(args.forecasts, args.questions, args.forecasters)
    rng = np.random.default_rng(3)
    pages = {
        "search": [f"/questions?q=synthetic+question+{i}" for i in rng.integers(0, 999, 200)],
        "filter_page": [
            f"/questions?tag=bench&status=resolved&page={i}" for i in rng.integers(1, 20, 200)
        ],
        "forecasters": ["/forecasters"],
        "question": [f"/questions/q{i:05d}" for i in rng.integers(0, args.questions, 200)],
        "forecaster": [f"/forecasters/fc{i:04d}" for i in rng.integers(0, args.forecasters, 200)],
    }
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/pages.db"
        store = open_store(url)
        records.fill_sqlite(store, data)
        store.close()
        port = api._free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "forecasts", "serve", "--db", url, "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get("/api/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                first = []
                for i in range(args.forecasters):
                    begin = time.perf_counter()
                    client.get(f"/forecasters/fc{i:04d}").raise_for_status()
                    first.append((time.perf_counter() - begin) * 1000)
                results["forecaster_first_view"] = {
                    "requests": len(first),
                    "p50_ms": round(float(np.percentile(first, 50)), 2),
                    "p99_ms": round(float(np.percentile(first, 99)), 2),
                }
                for name, paths in pages.items():
                    api.measure(client, paths, 1.0)  # warm-up
                    results[name] = api.measure(client, paths, args.seconds)
                results["forecaster_after_other_forecast"] = _after_other_forecasts(
                    client, url, args.forecasters, rng
                )
                api.measure(client, ["/api/health"], 1.0)
                trivial = api.measure(client, ["/api/health"], args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {
        "benchmark": "read pages vs GET /api/health, same app",
        "server": "forecasts serve (uvicorn, 1 worker), loopback, SQLite file",
        "forecasts": args.forecasts,
        "questions": args.questions,
        "forecasters": args.forecasters,
        "pages": results,
        "trivial": trivial,
        "p50_ratio_over_trivial": {
            name: round(r["p50_ms"] / trivial["p50_ms"], 1) for name, r in results.items()
        },
        "p99_ratio_over_trivial": {
            name: round(r["p99_ms"] / trivial["p99_ms"], 1) for name, r in results.items()
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
