"""A small driver for headless chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages ending in NUL on fds 3 and 4), so tests can fill
in and submit forms like a person, read the page and take screenshots. No websocket needed."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from ._chromium import chromium_command

__all__ = ["Browser"]


class Browser:
    def __init__(self, binary: str, profile: Path, *, width: int = 1200) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child, before exec: its fd 3 reads, fd 4 writes
            high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 50)
            high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 50)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._process = subprocess.Popen(
            chromium_command(
                binary,
                profile,
                "--hide-scrollbars",
                f"--window-size={width},900",
                "--remote-debugging-pipe",
                "about:blank",
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # noqa: PLW1509  (only dup2 calls)
            close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self._session = ""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                self._messages.put(json.loads(raw))

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session and not method.startswith("Target."):
            message["sessionId"] = self._session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            got = self._messages.get(timeout=max(0.1, deadline - time.monotonic()))
            if got.get("id") == self._next_id:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                result: dict[str, Any] = got.get("result", {})
                return result
            self._events.append(got)

    def _wait_event(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if any(e.get("method") == name for e in self._events):
                self._events.clear()
                return
            self._events.append(self._messages.get(timeout=max(0.1, deadline - time.monotonic())))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self._events.clear()
        self.call("Page.navigate", url=url)
        self._wait_event("Page.loadEventFired")

    def submit(self, form_selector: str, values: dict[str, str], button: str = "") -> None:
        """Fill in ``values`` (by field name) and submit the form as a click would; the
        browser's own checks (``required``) are skipped, so the server's are what is tested."""
        script = (
            f"(() => {{ const f = document.querySelector({json.dumps(form_selector)});"
            f" const v = {json.dumps(values)}; f.noValidate = true;"
            " for (const [k, x] of Object.entries(v)) { f.elements[k].value = x; }"
            f" const b = {json.dumps(button)} ? f.querySelector({json.dumps(button or 'x')})"
            " : null; f.requestSubmit(b); })()"
        )
        self._events.clear()
        self.evaluate(script)
        self._wait_event("Page.loadEventFired")

    @property
    def status(self) -> int:
        """The HTTP status of the page now shown."""
        return int(self.evaluate("performance.getEntriesByType('navigation')[0].responseStatus"))

    @property
    def path(self) -> str:
        return str(self.evaluate("location.pathname"))

    def text(self, selector: str = "body") -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).innerText"))

    def screenshot(self, path: Path) -> None:
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": 1200, "height": min(height, 4000), "scale": 1},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001  (it may be gone already)
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_child)
