"""Benchmark sweep scale-out on PostgreSQL: 1 worker against N workers, same due questions.

What: for each worker count (1, then ``--workers``), a fresh PostgreSQL database gets
``--questions`` due questions over ``--urls`` URLs (one transaction), then
``python -m forecasts resolve --due --workers N --json`` runs as a real process against a
local HTTP server (its own process) that answers every request after 20 ms. The sources use
the application's own HTTP policy (4 connections per host per worker). Timed: the wall time of
that process, and the CPU time of it and its worker processes (``RUSAGE_CHILDREN``), so a
machine with fewer free cores than workers shows up as CPU time, not as a missing speed-up.
The workers are forked by a server process that outlives the command by a moment; on Linux
this benchmark adopts it (``PR_SET_CHILD_SUBREAPER``) and waits for it, so its CPU time and
its workers' are counted too. Beside it, per run: the CPU time of the stand-in server and of
PostgreSQL, and ``cores_busy``, how many of the machine's cores were busy on average (from
``/proc/stat``), which says whether a run was short of cores. The database is analyzed after
the bulk load (``ANALYZE``), as autovacuum would be within its first minute.

Checked, per run: every question resolved, none twice (one resolution row and one
``resolved`` attempt per question, the workers' summaries add up, and the ledger verifies).
Prints one JSON object with the rates, ``speedup`` = rate(N) / rate(1), and
``cpu_bound_speedup``: one worker's wall time over the N-worker run's CPU time (workers,
PostgreSQL, server) spread over all cores, the most N workers could gain on this machine.
To run:

    scripts/with-postgres .venv/bin/python benchmarks/scaleout.py [--questions 40000]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

# Running this file puts benchmarks/ first on sys.path; keep imports resolving to the packages.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from sqlalchemy import text  # noqa: E402

from forecasts.db.convert import question_row  # noqa: E402
from forecasts.db.store import open_store  # noqa: E402
from forecasts.db.tables import ResolutionCheckRow  # noqa: E402
from forecasts.db.verify import verify_store  # noqa: E402
from forecasts.domain import Question  # noqa: E402

AS_OF = "2027-01-05T00:00:00+00:00"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _serve(delay: float, conn: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as in resolution.py: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:  # noqa: N802
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
        request_queue_size = 512

    httpd = Server(("127.0.0.1", 0), Handler)
    conn.send(httpd.server_address[1])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    conn.recv()  # until the parent says stop


def _database(admin_url: str) -> tuple[str, Any]:
    import psycopg

    name = f"forecasts_scale_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(
        admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )
    conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def _create(url: str, n: int, urls: int, port: int) -> float:
    """The questions and their check rows in one transaction, added in bulk (as
    ``Store.record`` would add them one by one: row, then ``question.created`` event)."""
    store = open_store(url)
    start = time.perf_counter()
    try:
        questions = [
            Question.model_validate(
                {
                    "id": f"S{i:06d}",
                    "title": f"Is value {i % urls} at least {urls // 2}?",
                    "kind": "binary",
                    "opens_at": "2026-01-01",
                    "closes_at": "2026-12-01",
                    "resolve_on": "2026-12-31",
                    "resolution": {
                        "source": "http_json",
                        "url": f"http://127.0.0.1:{port}/u/{i % urls}",
                        "path": "$.data.value",
                        "op": ">=",
                        "threshold": urls // 2,
                    },
                }
            )
            for i in range(n)
        ]
        with store.transaction() as session, store.chained(session):
            session.add_all([question_row(q) for q in questions])
            session.flush()
            session.add_all([ResolutionCheckRow(question_id=q.id) for q in questions])
            for q in questions:
                data = q.model_dump(mode="json")
                store.append(session, "question.created", "question", q.id, data, as_of=CREATED)
        # Table statistics after the bulk load, as autovacuum takes them within its first
        # minute: a sweep started the same second would be planned for empty tables.
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    finally:
        store.close()
    return time.perf_counter() - start


def _adopt_orphans() -> None:
    """Linux: processes our children leave behind become ours to wait for (and count)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _children() -> set[int]:
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == me:
                        found.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _cpu_of(pid: int, *, children: bool = False) -> float:
    """CPU seconds of ``pid`` (and of its children it has waited for, with ``children``)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> float:
    """CPU seconds of every running PostgreSQL process, with the backends it has reaped."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if not comm.read().startswith("postgres"):
                        continue
            except OSError:
                continue
            total += _cpu_of(int(entry), children=True)
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


def _reap_adopted(keep: set[int]) -> None:
    """Wait for the adopted processes (the workers' fork server ends once the command has)."""
    for pid in _children() - keep:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            continue


def _sweep(
    url: str, workers: int, batch: int, keep: set[int]
) -> tuple[dict[str, Any], float, float, dict[str, float]]:
    env = {**os.environ, "FORECASTS_ALLOW_PRIVATE_SOURCES": "1"}
    command = [sys.executable, "-m", "forecasts", "resolve", "--due", "--db", url, "--json"]
    command += ["--as-of", AS_OF, "--workers", str(workers), "--batch", str(batch)]
    command += ["--worker", "bench"]
    server = next(iter(keep), None)  # the stand-in remote server
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    others = (_cpu_of(server) if server else 0.0, _postgres_cpu(), *_machine_busy())
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    others_after = (_cpu_of(server) if server else 0.0, _postgres_cpu(), *_machine_busy())
    _reap_adopted(keep)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"resolve --workers {workers} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary: dict[str, Any] = json.loads(done.stdout)
    # Where the rest of the machine's CPU went meanwhile: the stand-in remote server, the
    # database, and how busy all cores were (2 cores at 100% = 2.0).
    server_s, pg_s, busy_s, total_s = (b - a for a, b in zip(others, others_after, strict=True))
    cores_busy = busy_s / total_s * (os.cpu_count() or 1) if total_s else 0.0
    machine = {
        "server_cpu_s": round(server_s, 2),
        "postgres_cpu_s": round(pg_s, 2),
        "cores_busy": round(cores_busy, 2),
    }
    return summary, wall, cpu, machine


def _check(url: str, summary: dict[str, Any], n: int, verify: bool) -> dict[str, Any]:
    """Every question resolved exactly once, by the database's count and the workers'."""
    reported = Counter(r["question_id"] for r in summary["results"] if r["result"] == "resolved")
    store = open_store(url, auto_migrate=False)
    try:
        with store.reading() as session:
            rows, distinct = session.execute(
                text("SELECT count(*), count(DISTINCT question_id) FROM resolution")
            ).one()
            attempts = dict(
                session.execute(
                    text(
                        "SELECT worker, count(*) FROM resolution_attempt "
                        "WHERE result = 'resolved' GROUP BY worker"
                    )
                ).all()
            )
        report = verify_store(store) if verify else None
    finally:
        store.close()
    twice = sorted(q for q, c in reported.items() if c > 1)
    ok = rows == distinct == n == len(reported) == sum(attempts.values()) and not twice
    if report is not None:
        ok = ok and report.ok
    return {
        "resolutions": rows,
        "distinct_questions_resolved": distinct,
        "resolved_twice": len(twice),
        "resolved_by_worker": attempts,
        "ledger_verified": None if report is None else report.ok,
        "ok": ok,
    }


def _run(
    admin: str, args: argparse.Namespace, workers: int, port: int, keep: set[int]
) -> dict[str, Any]:
    url, drop = _database(admin)
    try:
        create_s = _create(url, args.questions, args.urls, port)
        summary, wall, cpu, machine = _sweep(url, workers, args.batch, keep)
        checked = _check(url, summary, args.questions, args.verify)
    finally:
        drop()
    return {
        "workers": workers,
        "create_questions_s": round(create_s, 2),
        "sweep_wall_s": round(wall, 2),
        "sweep_cpu_s": round(cpu, 2),
        "cpu_per_question_ms": round(1000 * cpu / args.questions, 3),
        **machine,
        "questions_per_s": round(args.questions / wall, 1),
        "counts": summary["counts"],
        **checked,
    }


def _machine_cpu(run: dict[str, Any]) -> float:
    return float(run["sweep_cpu_s"] + run["postgres_cpu_s"] + run["server_cpu_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40_000)
    parser.add_argument("--urls", type=int, default=4_000)
    parser.add_argument("--delay", type=float, default=0.020, help="server delay, seconds")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500, help="questions claimed at a time")
    parser.add_argument("--no-verify", dest="verify", action="store_false")
    args = parser.parse_args()
    admin = os.environ.get("FORECASTS_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("needs PostgreSQL: run under scripts/with-postgres")

    _adopt_orphans()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(args.delay, child), daemon=True)
    server.start()
    port = parent.recv()
    try:
        keep = {server.pid} if server.pid is not None else set()
        one = _run(admin, args, 1, port, keep)
        many = _run(admin, args, args.workers, port, keep)
    finally:
        parent.send("stop")
        server.join(5)
        server.terminate()
    cores = os.cpu_count() or 1
    result = {
        "benchmark": "sweep scale-out on PostgreSQL",
        "questions": args.questions,
        "distinct_urls": args.urls,
        "server_delay_ms": args.delay * 1000,
        "python": platform.python_version(),
        "cpus": cores,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "one_worker": one,
        "many_workers": many,
        "speedup": round(many["questions_per_s"] / one["questions_per_s"], 2),
        # The rate N workers would reach if CPU were the only limit and every core were
        # free: how far the design scales on this machine, whatever else runs on it.
        "cpu_bound_rate_per_core": round(args.questions / many["sweep_cpu_s"], 1),
        # The most N workers could gain on this machine: one worker's wall time over the
        # time the N-worker run's CPU (workers, database, stand-in server) needs on every core.
        "cpu_bound_speedup": round(one["sweep_wall_s"] / (_machine_cpu(many) / cores), 2),
        "ok": one["ok"] and many["ok"],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
