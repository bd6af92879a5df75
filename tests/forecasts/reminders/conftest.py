"""Real receivers for reminders: an SMTP server (aiosmtpd) and a webhook endpoint
(http.server), both on 127.0.0.1 with free ports; and a store with due and stale questions."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from forecasts.db.store import Store
from forecasts.domain import Forecaster, Question, Resolution
from forecasts.services import add_forecast, add_forecaster, add_question, add_resolution
from forecasts.services.reminders import set_reminders
from forecasts.services.sweeps import sweep_due
from forecasts.settings import Settings
from tests.factories import make_forecast_input, make_question

AS_OF = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content)
        mail["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(mail)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", _free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Hooks:
    base: str
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    """Seconds each delivery takes (so that concurrent passes overlap)."""


@pytest.fixture
def webhook_server() -> Iterator[Hooks]:
    hooks = Hooks("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(hooks.delay)
            assert self.headers.get("Content-Type", "").startswith("application/json")
            if hooks.status == 200:  # a refused delivery is not a delivery
                hooks.received.append((self.path, json.loads(body)))
            self.send_response(hooks.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        httpd.shutdown()
        httpd.server_close()


def seed(store: Store, as_of: datetime = AS_OF) -> None:
    """Relative to ``as_of``: MAN, manual, due 92 days ago. REV, due 120 days ago, the sweep
    gives up on it. LATER: not yet due. DONE: due but resolved. OPEN: open, and alice's
    forecast on it is 31 days old; alice wants email when a forecast is 7 days old."""
    start = as_of - timedelta(days=150)

    def day(offset: int) -> str:
        return (as_of + timedelta(days=offset)).isoformat()

    def question(qid: str, resolve: int, close: int, **more: Any) -> Question:
        return make_question(
            qid, opens_at=start.isoformat(), closes_at=day(close), resolve_on=day(resolve), **more
        )

    add_forecaster(store, Forecaster(handle="alice", name="Alice"), as_of=start)
    add_question(store, question("MAN", -92, -100), as_of=start)
    add_question(store, question("LATER", 270, 200), as_of=start)
    add_question(store, question("DONE", -92, -100), as_of=start)
    add_question(store, question("OPEN", 200, 183), as_of=start)
    with store.transaction() as session:  # a source uninstalled since: the sweep gives up
        store.record(
            session, question("REV", -120, -130, resolution={"source": "nosuch"}), as_of=start
        )
    made = as_of - timedelta(days=31)
    add_forecast(store, make_forecast_input("OPEN", "alice", made_at=made.isoformat()), as_of=made)
    resolved = as_of - timedelta(days=30)
    add_resolution(
        store,
        Resolution(question_id="DONE", outcome="yes", resolved_at=resolved, by="tests"),
        as_of=resolved,
    )
    summary = sweep_due(store, Settings(), as_of=as_of)
    assert [r.result for r in summary.results] == ["needs_review"]
    set_reminders(
        store, "alice", email="alice@example.test", webhook_url=None, stale_days=7, as_of=start
    )
