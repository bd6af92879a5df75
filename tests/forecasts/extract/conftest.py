"""Fixtures for extraction: the founding article (read from shared/, never copied), and a real
local HTTP server that serves pages and replays recorded chat-completions responses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

RECORDINGS = Path(__file__).resolve().parent / "recordings"
SEED_NAME = Path("shared") / "seed" / "article-2026-01-10.txt"


def find_seed_article() -> Path:
    """``shared/seed/...`` beside the repository (or beside one of its parent folders).

    The repository may be checked out as ``/x/main`` or as a worktree ``/x/wt/name``; the
    project's shared folder sits next to the main checkout, so walk up from this file.
    """
    here = Path(__file__).resolve()
    for folder in here.parents:
        candidate = folder / SEED_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{SEED_NAME} not found above {here}")


SEED_ABSENT = "the founding article (shared/seed/) is not beside this checkout"
"""Skip reason when the seed is missing: the article may not be copied into the repository,
so a checkout far from the project's shared folder cannot run these tests. The root
conftest reports such skips loudly but does not count them under FORECASTS_REQUIRE_ALL."""


@pytest.fixture(scope="session")
def seed_article() -> Path:
    try:
        return find_seed_article()
    except FileNotFoundError:
        pytest.skip(SEED_ABSENT)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"


@dataclass
class FakeServer:
    """GET serves ``pages``; POST /v1/chat/completions replays ``chat`` replies in order."""

    pages: dict[str, Reply] = field(default_factory=dict)
    chat: list[Reply] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def replay(self, name: str) -> None:
        """Queue the recorded response ``recordings/<name>.json``."""
        self.chat.append(Reply(body=(RECORDINGS / f"{name}.json").read_bytes()))


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    state = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._send(state.pages.get(self.path, Reply(404, b"not found", "text/plain")))

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length) or b"{}")
            request["authorization"] = self.headers.get("Authorization")
            state.requests.append(request)
            if self.path != "/v1/chat/completions" or not state.chat:
                self._send(Reply(404, b'{"error": "no recording"}'))
                return
            self._send(state.chat.pop(0))

        def log_message(self, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
