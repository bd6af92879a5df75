"""Benchmark ``GET /api/forecasters/{handle}/record``, the question page and the forecast
form's POST against a trivial endpoint of the same app.

What: a SQLite database with 100,000 binary forecasts (1,000 resolved questions, 100
forecasters, so about 1,000 forecasts per track record), bulk-inserted with SQLAlchemy core
inserts -- not through the ledger -- served by ``forecasts serve`` (uvicorn, one worker) on
loopback. One client sends sequential keep-alive requests; the report gives requests per
second and p50/p99 latency of the track record (random handles), of the question page
``GET /questions/{id}`` (random resolved questions, about 100 forecasts each), of the forecast
form ``POST /questions/{id}/forecast`` (a signed-in forecaster with a CSRF token, on one open
question; each POST records a ledgered forecast and answers 303) and of ``GET /api/health``
(no database), and their ratios. Prints one JSON object.

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


def measure(
    client: httpx.Client,
    paths: list[str],
    seconds: float,
    *,
    form: dict[str, str] | None = None,
) -> dict[str, float]:
    """Sequential requests for about ``seconds``: rps, p50 and p99 latency (ms). With
    ``form``, POSTs it (a fresh probability each time) and expects the form's 303."""
    latencies: list[float] = []
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        path = paths[i % len(paths)]
        begin = time.perf_counter()
        if form is None:
            response = client.get(path)
        else:
            response = client.post(path, data={**form, "p": f"{0.05 + (i % 90) / 100:.2f}"})
        latencies.append(time.perf_counter() - begin)
        if response.status_code != (200 if form is None else 303):
            raise SystemExit(f"{path}: HTTP {response.status_code}")
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


def _web_setup(url: str) -> str:
    """An open question and a forecaster who may sign in; returns the question's id."""
    from datetime import timedelta

    from forecasts.domain import Question, QuestionKind
    from forecasts.services.accounts import set_password
    from forecasts.services.authoring import create_question
    from forecasts.timeutils import utc_now

    store = open_store(url)
    now = utc_now()
    set_password(store, "fc0000", _PASSWORD, as_of=now)
    question = Question(
        id="open-bench",
        title="Will the benchmark finish?",
        kind=QuestionKind.BINARY,
        opens_at=now,
        closes_at=now + timedelta(days=30),
        deadline=now + timedelta(days=30),
    )
    create_question(store, question, owner="fc0000", hide_forecasts=False, as_of=now)
    store.close()
    return question.id


_PASSWORD = "benchmark password"


def _sign_in(client: httpx.Client) -> str:
    """Sign in as fc0000; returns the session's CSRF token."""
    import re

    def token() -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert found is not None
        return found.group(1)

    data = {"handle": "fc0000", "password": _PASSWORD, "csrf_token": token()}
    if client.post("/login", data=data).status_code != 303:
        raise SystemExit("benchmark: signing in failed")
    return token()


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
        open_question = _web_setup(url)
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
                question_paths = [
                    f"/questions/q{i:05d}" for i in rng.integers(0, args.questions, 500)
                ]
                measure(client, question_paths, 2.0)
                question_page = measure(client, question_paths, args.seconds)
                form = {"csrf_token": _sign_in(client)}
                forecast_path = [f"/questions/{open_question}/forecast"]
                measure(client, forecast_path, 2.0, form=form)
                forecast_post = measure(client, forecast_path, args.seconds, form=form)
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {
        "benchmark": "record, question page and forecast form POST vs GET /api/health, same app",
        "server": "forecasts serve (uvicorn, 1 worker), loopback, SQLite file",
        "client": "one connection, sequential keep-alive requests",
        "forecasts": args.forecasts,
        "questions_resolved": args.questions,
        "forecasters": args.forecasters,
        "forecasts_per_record": round(args.forecasts / args.forecasters),
        "data": "synthetic, bulk-inserted with core inserts, not through the ledger",
        "record_n_questions_example": sample["n"],
        "record": record,
        "question_page": question_page,
        "forecast_form_post": forecast_post,
        "trivial": trivial,
        "rps_ratio_trivial_over_record": round(trivial["rps"] / record["rps"], 1),
        "p50_ratio_record_over_trivial": round(record["p50_ms"] / trivial["p50_ms"], 1),
        "p99_ratio_question_page_over_trivial": round(
            question_page["p99_ms"] / trivial["p99_ms"], 1
        ),
        "p99_ratio_forecast_post_over_trivial": round(
            forecast_post["p99_ms"] / trivial["p99_ms"], 1
        ),
        "forecasts_per_question_page": round(args.forecasts / args.questions),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
