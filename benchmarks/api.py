"""Benchmark ``GET /api/forecasters/{handle}/record``, the question page and the forecast
form's POST against a trivial endpoint of the same app.

What: a SQLite database with 100,000 binary forecasts (1,000 resolved questions, 100
forecasters, so about 1,000 forecasts per track record), bulk-inserted with SQLAlchemy core
inserts -- not through the ledger -- then ``rebuild-scores`` (as after an upgrade), served by
``forecasts serve`` (uvicorn, one worker) on loopback. One client sends sequential
keep-alive requests; the report gives requests per second and p50/p99 latency of the track
record (random handles) and of the trivial endpoints ``GET /api/health`` (no database) and
``GET /api/ledger/head`` (one read), and their ratios, measured in the same run:

* ``record_warm``: the cache holds the record for the current ledger head;
* ``record_cold_untouched``: each request follows a new resolution (recorded through the
  services by this process: a new ledger head) of a question forecast by some of the first
  half of the forecasters; the record asked for is one of the second half's (unchanged);
* ``record_cold_touched``: each request follows the resolution of a question the requested
  forecaster did forecast on (their scores changed: the bootstrap is recomputed);
* ``question_page`` (``GET /questions/{id}``, HTML, as a visitor who is not signed in):
  ``warm`` (200 pages of the bulk data, each about 100 forecasts, each served once before);
  ``cold``: one of those pages right after the resolution of
  another question (a new ledger head); ``cold_touched``: a page seen once, right after its
  own question's resolution; ``unseen``: a bulk page never served before, right after a
  resolution (the server's first page, before all of them, is reported on its own);
* ``forecast_form_post``: ``POST /questions/{id}/forecast`` by a signed-in forecaster with a
  CSRF token on one open question (each POST records a ledgered forecast and answers 303);
* ``question_page_signed_in``: the warm pages again, as that signed-in forecaster (a page
  with the visitor's own forms is built for each request; its charts and table are kept).

Prints one JSON object.

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
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

# Running this file puts benchmarks/ first on sys.path, where benchmarks/scoring.py would
# shadow the scoring package: drop that entry before importing anything of ours.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from forecasts.db.scores import rebuild_scores  # noqa: E402
from forecasts.db.store import Store, open_store  # noqa: E402
from forecasts.domain import Question, Resolution  # noqa: E402
from forecasts.inputs import ForecastInput  # noqa: E402
from forecasts.services import add_forecast, add_question, add_resolution  # noqa: E402
from forecasts.timeutils import utc_now  # noqa: E402


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


def _pending_questions(
    store: Store, n: int, per_question: int, pool: int, prefix: str
) -> list[tuple[str, list[int]]]:
    """``n`` open questions, each forecast by ``per_question`` of the first ``pool``
    forecasters (ledgered)."""
    rng = np.random.default_rng(7)
    made = "2026-01-02T00:00:00+00:00"
    pending = []
    n_forecasters = pool
    for i in range(n):
        qid = f"{prefix}{i:04d}"
        question = Question.model_validate(
            {"id": qid, "title": f"Pending {qid}?", "kind": "binary", "opens_at": "2026-01-01",
             "closes_at": "2026-01-03", "resolve_on": "2026-01-04"}
        )  # fmt: skip
        add_question(store, question, as_of=utc_now())
        who = sorted(int(f) for f in rng.choice(n_forecasters, per_question, replace=False))
        for f in who:
            entry = ForecastInput.model_validate(
                {"question": qid, "by": f"fc{f:04d}", "p": float(rng.uniform(0.05, 0.95)),
                 "made_at": made}
            )  # fmt: skip
            add_forecast(store, entry, as_of=datetime.fromisoformat(made))
        pending.append((qid, who))
    return pending


def _cold(
    client: httpx.Client,
    store: Store,
    pending: list[tuple[str, list[int]]],
    path_of: Callable[[str, list[int], np.random.Generator], str],
    *,
    seed: int,
) -> dict[str, float]:
    """Resolve one question, then time one request (``path_of`` the resolved question, its
    forecasters and a generator): p50 and p99 over ``pending``."""
    rng = np.random.default_rng(seed)
    latencies = []
    for qid, who in pending:
        outcome = "yes" if rng.uniform() < 0.5 else "no"
        path = path_of(qid, who, rng)
        add_resolution(store, Resolution(question_id=qid, outcome=outcome, resolved_at=utc_now(),
                                         method="manual", by="bench", note="bench"),
                       as_of=utc_now())  # fmt: skip
        begin = time.perf_counter()
        response = client.get(path)
        latencies.append(time.perf_counter() - begin)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    ms = np.asarray(latencies) * 1000
    return {
        "requests": len(latencies),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="API benchmark")
    parser.add_argument("--forecasts", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--forecasters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0, help="Per endpoint.")
    parser.add_argument("--cold", type=int, default=60, help="Resolutions per cold phase.")
    parser.add_argument(
        "--per-question",
        type=int,
        default=5,
        help="Forecasters on each question resolved in the cold phases.",
    )
    args = parser.parse_args(argv)
    bench = _records_module()
    data = bench.synthetic(args.forecasts, args.questions, args.forecasters)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/api.db"
        store = open_store(url)
        bench.fill_sqlite(store, data)
        started = time.perf_counter()
        kept = rebuild_scores(store)
        rebuild_s = time.perf_counter() - started
        # Untouched: questions forecast by the first half, records of the second half.
        half = args.forecasters // 2
        untouched_qs = _pending_questions(store, args.cold, args.per_question, half, "pu")
        touched_qs = _pending_questions(store, args.cold, args.per_question, args.forecasters,
                                        "pt")  # fmt: skip
        page_qs, page_touched_qs, page_unseen_qs = (
            _pending_questions(store, args.cold, args.per_question, args.forecasters, prefix)
            for prefix in ("pp", "pq", "pn")
        )
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
                for i in range(args.forecasters):  # warm: every handle's record cached
                    client.get(f"/api/forecasters/fc{i:04d}/record")
                measure(client, record_paths, 1.0)
                record = measure(client, record_paths, args.seconds)
                measure(client, ["/api/health"], 1.0)
                trivial = measure(client, ["/api/health"], args.seconds)
                head = measure(client, ["/api/ledger/head"], args.seconds)
                second_half = list(range(args.forecasters // 2, args.forecasters))

                def record_of(_q: str, who: list[int], r: np.random.Generator) -> str:
                    return f"/api/forecasters/fc{int(r.choice(who)):04d}/record"

                def other_record(_q: str, _who: list[int], r: np.random.Generator) -> str:
                    return f"/api/forecasters/fc{int(r.choice(second_half)):04d}/record"

                untouched = _cold(client, store, untouched_qs, other_record, seed=13)
                touched = _cold(client, store, touched_qs, record_of, seed=11)
                # The process's first page (lazy imports, first SQL compilations) is reported
                # on its own, not as one of the after-resolution pages.
                begin = time.perf_counter()
                client.get("/questions/q00000").raise_for_status()
                first_page_ms = round((time.perf_counter() - begin) * 1000, 2)
                pages = [f"/questions/q{i:05d}" for i in rng.integers(0, args.questions, 200)]
                for page in pages:  # warm: every page served once (a first build is cold)
                    client.get(page).raise_for_status()
                measure(client, pages, 1.0)
                page_warm = measure(client, pages, args.seconds)

                def seen_page(_q: str, _who: list[int], r: np.random.Generator) -> str:
                    return pages[int(r.integers(0, len(pages)))]

                def unseen_page(_q: str, _who: list[int], r: np.random.Generator) -> str:
                    return f"/questions/q{int(r.integers(0, args.questions)):05d}"

                def its_page(qid: str, _who: list[int], _r: np.random.Generator) -> str:
                    client.get(f"/questions/{qid}").raise_for_status()  # seen before
                    return f"/questions/{qid}"

                page_cold = _cold(client, store, page_qs, seen_page, seed=17)
                page_touched = _cold(client, store, page_touched_qs, its_page, seed=19)
                page_unseen = _cold(client, store, page_unseen_qs, unseen_page, seed=23)
                form = {"csrf_token": _sign_in(client)}
                forecast_path = [f"/questions/{open_question}/forecast"]
                measure(client, forecast_path, 2.0, form=form)
                forecast_post = measure(client, forecast_path, args.seconds, form=form)
                for page in pages:  # the POSTs moved the head: each page sees it once
                    client.get(page).raise_for_status()
                page_signed_in = measure(client, pages, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)
            store.close()
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
        "kept_scores_rebuilt": kept,
        "rebuild_scores_s": round(rebuild_s, 2),
        "cold_phase": f"{args.cold} resolutions each, {args.per_question} forecasters per "
        "resolved question",
        "trivial_health": trivial,
        "trivial_ledger_head": head,
        "record_warm": record,
        "record_cold_untouched": untouched,
        "record_cold_touched": touched,
        "question_page_warm": page_warm,
        "question_page_cold": page_cold,
        "question_page_cold_touched": page_touched,
        "question_page_unseen": page_unseen,
        "question_page_first_ms": first_page_ms,
        "question_page_signed_in": page_signed_in,
        "p50_ratios_over_health": {
            name: round(m["p50_ms"] / trivial["p50_ms"], 2)
            for name, m in (
                ("record_warm", record),
                ("record_cold_untouched", untouched),
                ("record_cold_touched", touched),
                ("question_page_warm", page_warm),
                ("question_page_cold", page_cold),
                ("question_page_cold_touched", page_touched),
                ("question_page_unseen", page_unseen),
                ("question_page_signed_in", page_signed_in),
                ("ledger_head", head),
            )
        },  # fmt: skip
        "p50_ratios_over_ledger_head": {
            name: round(m["p50_ms"] / head["p50_ms"], 2)
            for name, m in (
                ("record_warm", record),
                ("record_cold_untouched", untouched),
                ("record_cold_touched", touched),
                ("question_page_warm", page_warm),
                ("question_page_cold", page_cold),
                ("question_page_cold_touched", page_touched),
            )
        },  # fmt: skip
        "forecast_form_post": forecast_post,
        "forecasts_per_question_page": round(args.forecasts / args.questions),
        "p99_ratios_over_health": {
            name: round(m["p99_ms"] / trivial["p99_ms"], 2)
            for name, m in (
                ("question_page_warm", page_warm),
                ("question_page_cold", page_cold),
                ("question_page_cold_touched", page_touched),
                ("question_page_unseen", page_unseen),
                ("forecast_form_post", forecast_post),
            )
        },  # fmt: skip
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
