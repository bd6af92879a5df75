"""Benchmark the full leaderboard on SQLite and PostgreSQL against numpy on in-memory arrays.

What: builds 1,000,000 binary forecasts on 10,000 resolved questions by 1,000 forecasters,
bulk-inserted with SQLAlchemy core inserts (SQLite) or COPY (PostgreSQL) -- NOT through the
ledger, so no ledger events are written -- then times ``load_record_data`` + ``leaderboard``
(Brier at close, time-weighted Brier, log score, coverage, bootstrap intervals of 1,000
resamples per forecaster) against the same figures computed with numpy from the generated
arrays, and checks that they agree. Prints one JSON object.

Prerequisites: the package installed. PostgreSQL: FORECASTS_TEST_POSTGRES_URL (otherwise
reported as skipped). To run::

    scripts/with-postgres .venv/bin/python benchmarks/records.py
    .venv/bin/python benchmarks/records.py --forecasts 100000   # smaller, quicker

Inputs come from ``numpy.random.default_rng(2026)``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np

# Running this file puts benchmarks/ first on sys.path, where benchmarks/scoring.py would
# shadow the scoring package: drop that entry before importing anything of ours.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from forecasts.db.store import Store, open_store  # noqa: E402
from forecasts.db.tables import (  # noqa: E402
    ForecasterRow,
    ForecastRow,
    QuestionRow,
    ResolutionRow,
)
from forecasts.records import leaderboard, load_record_data  # noqa: E402

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
DAY = 86400.0


def synthetic(n_forecasts: int, n_questions: int, n_forecasters: int) -> dict[str, Any]:
    """Questions opening in 2024, closing 30-365 days later, resolved the day after."""
    rng = np.random.default_rng(2026)
    start = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    opens = np.floor(start + rng.uniform(0, 300, n_questions) * DAY)
    closes = opens + np.floor(rng.uniform(30, 365, n_questions)) * DAY
    truth = rng.beta(2, 3, n_questions)
    outcome = (rng.uniform(size=n_questions) < truth).astype(np.int64)
    q = rng.integers(0, n_questions, n_forecasts)
    f = rng.integers(0, n_forecasters, n_forecasts)
    t = np.floor(opens[q] + rng.uniform(-10 * DAY, 0, n_forecasts) + rng.uniform(0, 1, n_forecasts)
                 * (closes[q] - opens[q] + 10 * DAY))  # fmt: skip
    t = np.minimum(t, closes[q])
    p = np.clip(np.round(truth[q] + rng.normal(0, 0.15, n_forecasts), 3), 0.001, 0.999)
    order = np.argsort(t, kind="stable")  # ids in made order: the store's tie-break agrees
    return {
        "opens": opens,
        "closes": closes,
        "outcome": outcome,
        "q": q[order],
        "f": f[order],
        "t": t[order],
        "p": p[order],
        "n_forecasters": n_forecasters,
    }


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)


def _insert_rows(store: Store, data: dict[str, Any]) -> None:
    """Forecasters, questions and resolutions with core inserts (not ledgered)."""
    nq = data["opens"].size
    with store.transaction() as session:
        conn = session.connection()
        conn.execute(
            ForecasterRow.__table__.insert(),  # type: ignore[attr-defined]
            [
                {"handle": f"fc{i:04d}", "name": f"Forecaster {i}", "kind": "person"}
                for i in range(data["n_forecasters"])
            ],
        )
        conn.execute(
            QuestionRow.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "id": f"q{i:05d}",
                    "title": f"Synthetic question {i}?",
                    "kind": "binary",
                    "options": [],
                    "opens_at": _dt(data["opens"][i]),
                    "closes_at": _dt(data["closes"][i]),
                    "resolve_on": _dt(data["closes"][i] + DAY),
                    "criteria": "",
                    "tags": ["bench"],
                }
                for i in range(nq)
            ],
        )
        conn.execute(
            ResolutionRow.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "question_id": f"q{i:05d}",
                    "outcome": "yes" if data["outcome"][i] else "no",
                    "resolved_at": _dt(data["closes"][i] + DAY),
                    "method": "manual",
                    "note": "",
                }
                for i in range(nq)
            ],
        )


def _forecast_dicts(data: dict[str, Any], begin: int, end: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"f{i:08d}",
            "question_id": f"q{data['q'][i]:05d}",
            "forecaster": f"fc{data['f'][i]:04d}",
            "made_at": _dt(data["t"][i]),
            "recorded_at": _dt(data["t"][i]),
            "probability": float(data["p"][i]),
        }
        for i in range(begin, end)
    ]


def fill_sqlite(store: Store, data: dict[str, Any]) -> None:
    _insert_rows(store, data)
    n = data["q"].size
    table = ForecastRow.__table__  # type: ignore[attr-defined]
    for begin in range(0, n, 50_000):
        with store.transaction() as session:
            session.connection().execute(
                table.insert(), _forecast_dicts(data, begin, min(n, begin + 50_000))
            )


def fill_postgres(store: Store, data: dict[str, Any]) -> None:
    _insert_rows(store, data)
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(  # type: ignore[attr-defined]
            "COPY forecast (id, question_id, forecaster, made_at, recorded_at, probability) "
            "FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for i in range(data["q"].size):
                when = _dt(data["t"][i]).isoformat()
                buffer.write(
                    f"f{i:08d}\tq{data['q'][i]:05d}\tfc{data['f'][i]:04d}\t{when}\t{when}\t"
                    f"{float(data['p'][i])!r}\n"
                )
                if buffer.tell() > 4_000_000:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def numpy_leaderboard(data: dict[str, Any], n_resamples: int) -> dict[str, Any]:
    """The same figures straight from the arrays: standing forecast at close, time-weighted
    Brier over [max(first, open), close], log score, coverage, bootstrap interval."""
    f, q, t, p = data["f"], data["q"], data["t"], data["p"]
    opens, closes, outcome = data["opens"], data["closes"], data["outcome"]
    nq, nf = opens.size, data["n_forecasters"]
    order = np.lexsort((t, q, f))
    f, q, p = f[order], q[order], p[order]
    t = np.maximum(t[order], opens[q])
    key = f * nq + q
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size] - 1
    o = outcome[q]
    row = (p - o) ** 2
    nxt = np.r_[t[1:], 0.0]
    nxt[ends] = closes[q[ends]]
    dur = nxt - t
    total = np.add.reduceat(dur, starts)
    tw = np.where(total > 0, np.add.reduceat(row * dur, starts) / np.where(total > 0, total, 1),
                  row[ends])  # fmt: skip
    brier = row[ends]
    log = -np.log(np.where(o[ends] == 1, p[ends], 1 - p[ends]))
    window = closes[q[ends]] - opens[q[ends]]
    coverage = np.clip((closes[q[ends]] - t[starts]) / window, 0, 1)
    pf = f[ends]
    counts = np.bincount(pf, minlength=nf)
    result: dict[str, Any] = {
        "n": counts,
        "brier": np.bincount(pf, brier, nf) / counts,
        "brier_time_weighted": np.bincount(pf, tw, nf) / counts,
        "log_score": np.bincount(pf, log, nf) / counts,
        "coverage": np.bincount(pf, coverage, nf) / counts,
    }
    rng = np.random.default_rng(0)
    by_f = np.argsort(pf, kind="stable")
    bounds = np.searchsorted(pf[by_f], np.arange(nf + 1))
    lows = np.empty(nf)
    for i in range(nf):
        d = brier[by_f[bounds[i] : bounds[i + 1]]]
        means = d[rng.integers(0, d.size, (n_resamples, d.size))].mean(axis=1)
        lows[i] = np.quantile(means, 0.025)
    result["low"] = lows
    return result


def _time_service(store: Store, n_resamples: int) -> tuple[dict[str, float], Any]:
    started = time.perf_counter()
    data = load_record_data(store, as_of=AS_OF)
    loaded = time.perf_counter()
    board = leaderboard(data, metric="brier", n_resamples=n_resamples)
    done = time.perf_counter()
    return {
        "load_s": round(loaded - started, 3),
        "compute_s": round(done - loaded, 3),
        "total_s": round(done - started, 3),
    }, board


def _agreement(board: Any, expected: dict[str, Any]) -> float:
    worst = 0.0
    for entry in board.entries:
        i = int(entry.handle[2:])
        assert entry.n == expected["n"][i]
        for name in ("brier", "brier_time_weighted", "log_score", "coverage"):
            worst = max(worst, abs(getattr(entry, name) - expected[name][i]))
    return worst


def run(store: Store, fill: Any, data: dict[str, Any], baseline_s: float,
        expected: dict[str, Any], n_resamples: int) -> dict[str, Any]:  # fmt: skip
    started = time.perf_counter()
    fill(store, data)
    insert_s = time.perf_counter() - started
    timings, board = _time_service(store, n_resamples)
    return {
        "insert_s (bulk, not ledgered)": round(insert_s, 1),
        **timings,
        "ranked": len(board.entries),
        "ratio_vs_numpy": round(timings["total_s"] / baseline_s, 1),
        "max_abs_difference_vs_numpy": _agreement(board, expected),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Leaderboard benchmark")
    parser.add_argument("--forecasts", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--forecasters", type=int, default=1_000)
    parser.add_argument("--resamples", type=int, default=1_000)
    args = parser.parse_args(argv)
    data = synthetic(args.forecasts, args.questions, args.forecasters)
    started = time.perf_counter()
    expected = numpy_leaderboard(data, args.resamples)
    baseline_s = time.perf_counter() - started
    report: dict[str, Any] = {
        "benchmark": "full leaderboard (metric brier, bootstrap intervals) from the store",
        "forecasts": args.forecasts,
        "questions": args.questions,
        "forecasters": args.forecasters,
        "bootstrap_resamples": args.resamples,
        "data": "synthetic, bulk-inserted with core inserts / COPY, not through the ledger",
        "numpy_in_memory_s": round(baseline_s, 3),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}, numpy {np.__version__}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        try:
            report["sqlite"] = run(store, fill_sqlite, data, baseline_s, expected, args.resamples)
        finally:
            store.close()
    pg = os.environ.get("FORECASTS_TEST_POSTGRES_URL")
    if pg is None:
        report["postgres"] = "skipped (no server)"
    else:
        import psycopg

        name = f"forecasts_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg.connect(pg.replace("postgresql+psycopg://", "postgresql://"),
                                autocommit=True)  # fmt: skip
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            store = open_store(pg.rsplit("/", 1)[0] + "/" + name)
            try:
                report["postgres"] = run(
                    store, fill_postgres, data, baseline_s, expected, args.resamples
                )
            finally:
                store.close()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
            admin.close()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
