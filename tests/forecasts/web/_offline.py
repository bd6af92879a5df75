"""Headless chromium driven over the DevTools protocol (``--remote-debugging-pipe``), with
every non-loopback request sent to a proxy that refuses it.

The page's own requests are read from the protocol's ``Network.requestWillBeSent`` events,
so a test can say exactly which URLs a page asked for. Chromium's background services (time
sync, sign-in) also hit the proxy; they are the browser's, not the page's, and get a 502 like
everything else from outside.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._chromium import chromium_command


@contextmanager
def refusing_proxy() -> Iterator[int]:
    """A loopback HTTP proxy that answers every request with 502; yields its port."""

    class Refuse(BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_HEAD = do_CONNECT = do_OPTIONS = _refuse

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Visit:
    """What a page asked for and the DOM it ended with."""

    dom: str
    requests: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests to anything but a loopback address (data: and about: are local)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1")
        ]


class _Pipe:
    def __init__(self, process: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.process, self.write_fd, self.read_fd = process, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        found: dict[str, Any] = json.loads(message)
        return found

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)


def _browser_args(browser: str, profile: Path, proxy: int) -> list[str]:
    return chromium_command(
        browser, profile, f"--proxy-server=http://127.0.0.1:{proxy}", "--remote-debugging-pipe"
    )


def _high_pipe() -> tuple[int, int]:
    """A pipe above fd 10, so wiring it to 3 and 4 in the child overwrites nothing of it."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


def visit(
    browser: str, url: str, profile: Path, *, proxy: int, ready: str = "true", wait: float = 30
) -> Visit:
    """Open ``url``, wait for the load and for the JavaScript ``ready`` to be true, and
    return the DOM and every URL the page requested."""
    to_chrome_r, to_chrome_w = _high_pipe()
    from_chrome_r, from_chrome_w = _high_pipe()

    def wire() -> None:  # chromium reads commands on fd 3 and writes answers on fd 4
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    process = subprocess.Popen(
        _browser_args(browser, profile, proxy),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=wire,  # noqa: PLW1509 - no threads of ours touch the fds being wired
        pass_fds=(3, 4),
    )
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(process, to_chrome_w, from_chrome_r)
    try:
        target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        pipe.call("Network.enable", session)
        pipe.call("Page.enable", session)
        pipe.call("Page.navigate", session, url=url)
        deadline = time.monotonic() + wait
        # Polling also drains the protocol's events, so chromium never blocks on a full pipe.
        expression = f'document.readyState === "complete" && Boolean({ready})'
        while time.monotonic() < deadline:
            check = pipe.call(
                "Runtime.evaluate", session, expression=expression, returnByValue=True
            )
            if check["result"].get("value") is True:
                break
            time.sleep(0.2)
        else:
            raise TimeoutError(f"{url} was not ready ({ready}) within {wait:.0f}s")
        dom = pipe.call(
            "Runtime.evaluate",
            session,
            expression="document.documentElement.outerHTML",
            returnByValue=True,
        )["result"]["value"]
        requests = [
            e["params"]["request"]["url"]
            for e in pipe.events
            if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session
        ]
        try:
            pipe.call("Browser.close")
        except RuntimeError:
            pass
        return Visit(dom=str(dom), requests=requests)
    finally:
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
