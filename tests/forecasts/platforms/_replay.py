"""A real local HTTP server replaying recorded platform API responses.

Each route is a path plus its query (without secrets) and the file to answer with; anything
else is a 404 in the platform's JSON error shape. Every request is kept (path, query, headers),
so tests can check paging, tokens and that nothing was asked twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "api"
_SECRET = {"apiKey"}


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Replay:
    url: str
    requests: list[Seen] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def route(path: str, **query: str | int) -> str:
    """The key of a route: the path and its sorted public query."""
    pairs = sorted((k, str(v)) for k, v in query.items())
    return path + ("?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else "")


@contextmanager
def replay_server(routes: dict[str, Path]) -> Iterator[Replay]:
    replay = Replay(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            replay.requests.append(Seen(parts.path, query, dict(self.headers.items())))
            public = {k: v for k, v in query.items() if k not in _SECRET}
            key = route(parts.path, **public)
            status = replay.statuses.get(key, 200)
            body_path = routes.get(key)
            if body_path is None:
                status, body = 404, b'{"detail": "Not found."}'
            else:
                body = body_path.read_bytes()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    replay.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
