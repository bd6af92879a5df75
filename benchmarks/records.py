"""Benchmark the full leaderboard on SQLite and PostgreSQL against numpy on in-memory arrays.

What: builds 1,000,000 binary forecasts (``--forecasts``) on 10,000 resolved questions by
1,000 forecasters, bulk-inserted with SQLAlchemy core inserts (SQLite) or binary COPY in
chunks (PostgreSQL) -- NOT through the ledger, so no ledger events and no kept scores are
written -- then times the leaderboard the service computes when no kept scores stand for it
(Brier at close, time-weighted Brier, log score, coverage, bootstrap intervals of 1,000
resamples per forecaster): ``load_record_data`` + ``leaderboard`` (numpy over every row) on
SQLite, ``leaderboard_in_sql`` (window functions and sums in PostgreSQL, each forecaster's
scores streamed for the bootstrap) on PostgreSQL. The baseline is the same figures computed
with numpy from the generated arrays. Each is run in a fresh process, which reports its own
peak resident set (VmHWM): the numpy one holds its generated inputs, the service one only
what it reads. The figures must agree. Prints one JSON object.

Prerequisites: the package installed. PostgreSQL: FORECASTS_TEST_POSTGRES_URL (otherwise
reported as skipped). To run::

    scripts/with-postgres .venv/bin/python benchmarks/records.py
    .venv/bin/python benchmarks/records.py --forecasts 100000   # smaller, quicker
    scripts/with-postgres .venv/bin/python benchmarks/records.py --forecasts 10000000 \
        --postgres-only

Inputs come from ``numpy.random.default_rng(2026)``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
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


_STAGE = np.dtype(
    [("fields", ">i2"), ("l_i", ">i4"), ("i", ">i4"), ("l_q", ">i4"), ("q", ">i4"),
     ("l_f", ">i4"), ("f", ">i4"), ("l_t", ">i4"), ("t", ">i8"), ("l_k", ">i4"), ("k", ">i4")]
)  # fmt: skip
_PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_CHUNK = 1_000_000


def _staged(data: dict[str, Any], begin: int, end: int) -> bytes:
    """Rows begin..end in PostgreSQL's binary COPY format (built by numpy, not row by row):
    index, question, forecaster, made_at in epoch seconds, probability in thousandths."""
    rows = np.empty(end - begin, dtype=_STAGE)
    rows["fields"] = 5
    rows["l_i"] = rows["l_q"] = rows["l_f"] = rows["l_k"] = 4
    rows["l_t"] = 8
    rows["i"] = np.arange(begin, end)
    rows["q"] = data["q"][begin:end]
    rows["f"] = data["f"][begin:end]
    rows["t"] = data["t"][begin:end].astype(np.int64)  # whole seconds (synthetic floors them)
    rows["k"] = np.rint(data["p"][begin:end] * 1000).astype(np.int32)
    return rows.tobytes()


def fill_postgres(store: Store, data: dict[str, Any]) -> None:
    """COPY (binary, in chunks) into a staging table, then one INSERT ... SELECT; the
    forecast indexes are dropped meanwhile and rebuilt (the same indexes after)."""
    _insert_rows(store, data)
    with store.engine.begin() as conn:
        indexes = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'forecast' "
            "AND indexname <> 'forecast_pkey'"
        ).all()
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        conn.exec_driver_sql(
            "CREATE UNLOGGED TABLE bench_stage (i int4, q int4, f int4, t int8, k int4)"
        )
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy("COPY bench_stage FROM STDIN (FORMAT BINARY)") as copy:  # type: ignore[attr-defined]
            copy.write(_PG_COPY_HEADER)
            for begin in range(0, data["q"].size, _CHUNK):
                copy.write(_staged(data, begin, min(data["q"].size, begin + _CHUNK)))
            copy.write(b"\xff\xff")
        raw.commit()
    finally:
        raw.close()
    with store.engine.begin() as conn:
        # p = k / 1000 in float8 equals numpy's round(x, 3); ids keep the made order
        conn.exec_driver_sql(
            "INSERT INTO forecast (id, question_id, forecaster, made_at, recorded_at, "
            "probability) SELECT 'f' || lpad(i::text, 8, '0'), 'q' || lpad(q::text, 5, '0'), "
            "'fc' || lpad(f::text, 4, '0'), to_timestamp(t), to_timestamp(t), "
            "k::float8 / 1000::float8 FROM bench_stage"
        )
        conn.exec_driver_sql("DROP TABLE bench_stage")
        for _, definition in indexes:
            conn.exec_driver_sql(definition)
        # Not ledgered, so no kept scores: mark them unbuilt, as after an upgrade; the
        # leaderboard then reads the raw forecasts (window functions in SQL).
        conn.exec_driver_sql("UPDATE kept_state SET complete = false")
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


def _rss_mb() -> float:
    """Peak resident set of this process so far, in MiB: VmHWM of its own memory map. Not
    ru_maxrss, which keeps the parent's resident set at fork across the exec (here the
    generated arrays), so it overstates a child's own peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return _maxrss_mb()


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _figures(board: Any) -> dict[str, list[float]]:
    return {
        e.handle: [e.n, e.brier, e.brier_time_weighted, e.log_score, e.coverage]
        for e in board.entries
    }


def _phase_numpy(args: argparse.Namespace) -> dict[str, Any]:
    data = synthetic(args.forecasts, args.questions, args.forecasters)
    rss_inputs = _rss_mb()
    started = time.perf_counter()
    expected = numpy_leaderboard(data, args.resamples)
    seconds = time.perf_counter() - started
    names = ("n", "brier", "brier_time_weighted", "log_score", "coverage")
    return {
        "seconds": seconds,
        "peak_rss_mb_after_generating_inputs": rss_inputs,
        "peak_rss_mb": _rss_mb(),
        "ru_maxrss_mb": _maxrss_mb(),
        "figures": {
            f"fc{i:04d}": [float(expected[k][i]) for k in names]
            for i in range(args.forecasters)
            if expected["n"][i] > 0
        },
    }


def _phase_service(args: argparse.Namespace) -> dict[str, Any]:
    """The board as the service computes it when no kept scores stand for it: numpy over
    the loaded rows on SQLite, SQL (window functions, streamed) on PostgreSQL."""
    from forecasts.records.board_sql import leaderboard_in_sql

    store = open_store(args.url, auto_migrate=False)  # migrated by the parent
    rss_start = _rss_mb()
    try:
        started = time.perf_counter()
        if store.engine.dialect.name == "postgresql":
            board = leaderboard_in_sql(
                store, as_of=AS_OF, metric="brier", n_resamples=args.resamples
            )
            assert board is not None, "not computed in SQL"
            timings = {"total_s": time.perf_counter() - started}
        else:
            data = load_record_data(store, as_of=AS_OF)
            loaded = time.perf_counter()
            board = leaderboard(data, metric="brier", n_resamples=args.resamples)
            done = time.perf_counter()
            timings = {"load_s": loaded - started, "compute_s": done - loaded,
                       "total_s": done - started}  # fmt: skip
    finally:
        store.close()
    return {
        **timings,
        "peak_rss_mb_after_imports_and_open": rss_start,
        "peak_rss_mb": _rss_mb(),
        "ru_maxrss_mb": _maxrss_mb(),
        "ranked": len(board.entries),
        "figures": _figures(board),
    }


def _child(args: argparse.Namespace, phase: str, url: str | None = None) -> dict[str, Any]:
    """Run ``phase`` in a fresh process, so its peak RSS is its own."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, os.path.abspath(__file__), "--phase", phase,
                   "--out", out.name, "--forecasts", str(args.forecasts),
                   "--questions", str(args.questions), "--forecasters", str(args.forecasters),
                   "--resamples", str(args.resamples)]  # fmt: skip
        if url is not None:
            command += ["--url", url]
        subprocess.run(command, check=True)
        with open(out.name, encoding="utf-8") as handle:
            result: dict[str, Any] = json.load(handle)
    return result


def _agreement(figures: dict[str, list[float]], expected: dict[str, list[float]]) -> float:
    assert figures.keys() == expected.keys(), "different forecasters ranked"
    worst = 0.0
    for handle, row in figures.items():
        assert row[0] == expected[handle][0], handle
        worst = max(
            worst, *(abs(a - b) for a, b in zip(row[1:], expected[handle][1:], strict=True))
        )
    return worst


def run(args: argparse.Namespace, store: Store, url: str, fill: Any, data: dict[str, Any],
        baseline: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    started = time.perf_counter()
    fill(store, data)
    insert_s = time.perf_counter() - started
    store.close()
    result = _child(args, "service", url)
    return {
        "insert_s (bulk, not ledgered)": round(insert_s, 1),
        **{k: round(v, 3) for k, v in result.items() if k.endswith("_s")},
        "ratio_vs_numpy": round(result["total_s"] / baseline["seconds"], 2),
        "peak_rss_mb (service phase alone, fresh process)": result["peak_rss_mb"],
        "peak_rss_mb_after_imports_and_open": result["peak_rss_mb_after_imports_and_open"],
        "ru_maxrss_mb (includes the parent's resident set at fork)": result["ru_maxrss_mb"],
        "ranked": result["ranked"],
        "max_abs_difference_vs_numpy": _agreement(result["figures"], baseline["figures"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Leaderboard benchmark")
    parser.add_argument("--forecasts", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--forecasters", type=int, default=1_000)
    parser.add_argument("--resamples", type=int, default=1_000)
    parser.add_argument("--postgres-only", action="store_true", help="skip SQLite")
    parser.add_argument("--phase", choices=("numpy", "service"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase is not None:
        result = _phase_numpy(args) if args.phase == "numpy" else _phase_service(args)
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        return 0
    baseline = _child(args, "numpy")
    report: dict[str, Any] = {
        "benchmark": "full leaderboard (metric brier, bootstrap intervals) from the store",
        "forecasts": args.forecasts,
        "questions": args.questions,
        "forecasters": args.forecasters,
        "bootstrap_resamples": args.resamples,
        "data": "synthetic, bulk-inserted with core inserts / COPY, not through the ledger",
        "numpy_in_memory_s": round(baseline["seconds"], 3),
        "numpy_peak_rss_mb (fresh process: its generated input arrays, then the computation)":
            baseline["peak_rss_mb"],
        "numpy_peak_rss_mb_after_generating_inputs":
            baseline["peak_rss_mb_after_generating_inputs"],
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}, numpy {np.__version__}",
    }  # fmt: skip
    data = synthetic(args.forecasts, args.questions, args.forecasters)
    if args.postgres_only:
        report["sqlite"] = "skipped (--postgres-only)"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            report["sqlite"] = run(args, open_store(url), url, fill_sqlite, data, baseline)
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
            url = pg.rsplit("/", 1)[0] + "/" + name
            report["postgres"] = run(args, open_store(url), url, fill_postgres, data, baseline)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
            admin.close()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
