"""A real server for out-of-process clients (schemathesis, chromium): the example data,
some resolutions, and ``forecasts serve`` on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx

from forecasts.db.store import open_store
from forecasts.domain import Resolution
from forecasts.services import add_resolution
from forecasts.services.transfer import import_file

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ai_race_2026.yaml"

# Hypothetical outcomes, for tests only: they give every example forecaster a record.
OUTCOMES = {
    "A1": "no", "A2": "yes", "A3": "yes", "A4": "no", "B2": "no", "B3": "no", "C1": "yes",
    "D1": "yes",
}  # fmt: skip


def example_database(path: Path, *, as_of: datetime) -> str:
    """A SQLite database with the founding example and test resolutions; returns its URL."""
    url = f"sqlite:///{path}"
    store = open_store(url)
    import_file(store, EXAMPLE, as_of=as_of)
    for qid, outcome in OUTCOMES.items():
        add_resolution(
            store,
            Resolution(question_id=qid, outcome=outcome, resolved_at=as_of, by="tests"),
            as_of=as_of,
        )
    add_resolution(
        store,
        Resolution(question_id="B1", outcome="value", value=5.0, resolved_at=as_of, by="tests"),
        as_of=as_of,
    )
    store.close()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(database_url: str, *, timeout: float = 60.0) -> Iterator[str]:
    """``forecasts serve`` in a subprocess; yields its base URL and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "forecasts", "serve", "--db", database_url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not start: {process.stderr and process.stderr.read()}"
                )
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
