"""``resolve --due --workers N`` (N sweep processes on PostgreSQL, refused on SQLite) and
``serve --workers N`` (N server processes, none of which sweeps)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from forecasts.db.store import Store, open_store
from forecasts.db.verify import verify_store
from tests.forecasts.api._server import free_port
from tests.forecasts.resolution.conftest import Server
from tests.forecasts.resolution.test_workers import _add_many, _value_route


def _resolve(url: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FORECASTS_ALLOW_PRIVATE_SOURCES": "1"}
    command = [sys.executable, "-m", "forecasts", "resolve", "--due", "--db", url, *extra]
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.postgres
def test_resolve_with_three_workers_resolves_each_question_once(
    postgres_url: str, server: Server, tmp_path: Path
) -> None:
    for i, value in enumerate((3, 20, 40)):
        server.routes[f"/v{i}"] = _value_route(value, delay=0.005)
    store: Store = open_store(postgres_url)
    try:
        ids = _add_many(store, server, [f"/v{i % 3}" for i in range(300)])
        done = _resolve(
            postgres_url, tmp_path, "--workers", "3", "--worker", "w", "--batch", "20", "--json"
        )
        assert done.returncode == 0, done.stderr[-2000:]
        summary = json.loads(done.stdout)
        assert summary["worker"] == "w-1,w-2,w-3"
        assert summary["counts"]["resolved"] == 300
        assert Counter(r["question_id"] for r in summary["results"]) == Counter(ids)
        assert Counter(r.question_id for r in store.resolutions()) == Counter(ids)
        with store.reading() as session:
            workers = {
                row[0]
                for row in session.execute(text("SELECT DISTINCT worker FROM resolution_attempt"))
            }
        assert workers <= {"w-1", "w-2", "w-3"} and workers
        report = verify_store(store)
        assert report.ok, report.problems[:5]
    finally:
        store.close()


def test_resolve_with_several_workers_is_refused_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    done = _resolve(url, tmp_path, "--workers", "2")
    assert done.returncode == 2
    assert "--workers" in done.stderr and "PostgreSQL" in done.stderr


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    store = open_store(url)  # created and migrated before the workers open it
    store.close()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "forecasts", "serve", "--db", url, "--port", str(port)]
        + ["--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                head = httpx.get(f"http://127.0.0.1:{port}/api/ledger/head", timeout=2)
                if head.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr and process.stderr.read()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        assert head.json()["seq"] == 0
        # uvicorn's supervisor and its two worker processes (each with its own app).
        deadline = time.monotonic() + 30
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(process.pid)) >= 2
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
