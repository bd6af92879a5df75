"""``forecasts scheduler`` as a real process: it resolves what comes due and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forecasts.db.store import Store, open_store
from forecasts.services import add_question
from tests.factories import make_question
from tests.forecasts.resolution.conftest import Route, Server


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'forecasts.db'}"


@pytest.fixture
def sqlite_store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


def _add(store: Store, server: Server, qid: str, resolve_on: datetime) -> None:
    now = datetime.now(UTC)
    spec = {
        "source": "http_json",
        "url": server.url("/v"),
        "path": "$.data.value",
        "op": ">=",
        "threshold": 10,
    }
    question = make_question(
        qid,
        resolution=spec,
        opens_at=now - timedelta(days=1),
        closes_at=now,
        resolve_on=resolve_on,
    )
    add_question(store, question, as_of=now)


def _scheduler(db_url: str, cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "forecasts", "scheduler", *args, "--db", db_url],
        env={**os.environ, "FORECASTS_ALLOW_PRIVATE_SOURCES": "1"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class _Lines:
    """Collects a process's output lines as they come (a thread, so reads never block)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.lines: list[str] = []
        self._stream = proc.stdout
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in list(self.lines)):
                return True
            time.sleep(0.1)
        return False

    @property
    def text(self) -> str:
        return "".join(self.lines)


def test_scheduler_resolves_a_question_when_it_comes_due_and_stops_on_sigterm(
    sqlite_store: Store, db_url: str, server: Server, tmp_path: Path
) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 12}}')
    proc = _scheduler(db_url, tmp_path, "--interval", "2s")
    out = _Lines(proc)
    try:
        assert out.wait_for("sweep: resolved 0", 30), out.text  # the first sweep: nothing due
        # Added while the scheduler runs, due a few seconds later: a later sweep must take it.
        due_at = datetime.now(UTC) + timedelta(seconds=3)
        _add(sqlite_store, server, "SOON", due_at)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if sqlite_store.resolution("SOON") is not None:
                break
            time.sleep(0.2)
        resolution = sqlite_store.resolution("SOON")
        assert resolution is not None, f"not resolved within 30 s:\n{out.text}"
        assert resolution.outcome == "yes"
        assert resolution.resolved_at >= due_at  # not before it came due
        assert out.wait_for("resolved SOON -> yes", 10), out.text
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out.thread.join(timeout=5)
    assert proc.stdout is not None
    proc.stdout.close()
    assert code == 0, out.text[-2000:]
    text = out.text
    assert "scheduler started: sweep every 2s" in text
    assert "sweep: resolved 1, pending 0, failed 0, needs_review 0 (1 requests)" in text
    assert "received SIGTERM" in text
    assert text.rstrip().endswith("scheduler stopped")
    assert server.hits["/v"] == 1


def test_scheduler_once_runs_one_sweep_and_exits(
    sqlite_store: Store, db_url: str, server: Server, tmp_path: Path
) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 3}}')
    _add(sqlite_store, server, "NOW", datetime.now(UTC) - timedelta(minutes=1))
    _add(sqlite_store, server, "LATER", datetime.now(UTC) + timedelta(days=1))
    proc = _scheduler(db_url, tmp_path, "--once")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-2000:]
    assert "sweep: resolved 1, pending 0, failed 0, needs_review 0 (1 requests)" in out
    assert "resolved NOW -> no" in out
    assert "scheduler started" not in out
    resolution = sqlite_store.resolution("NOW")
    assert resolution is not None and resolution.outcome == "no"
    assert sqlite_store.resolution("LATER") is None
