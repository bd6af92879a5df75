"""Save a screenshot of a page of the web app (default: a forecaster of the demo data).

Prerequisites: Debian's chromium (``apt-get install chromium``) and the package installed.

To run::

    .venv/bin/python scripts/screenshot.py                       # fresh demo db, analyst
    .venv/bin/python scripts/screenshot.py --db ./forecasts-demo.db --handle analyst \
        --out forecaster.png

It starts ``forecasts serve`` on a free loopback port, opens
``/forecasters/HANDLE`` (or ``--path``) in headless chromium, writes the PNG and stops the
server. Prints the path of the PNG.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("error: the server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"error: no answer from {url} within {timeout:.0f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="Database (default: a fresh `forecasts demo` database).")
    parser.add_argument("--handle", default="analyst", help="Forecaster to show.")
    parser.add_argument("--path", help="Page path instead of /forecasters/HANDLE.")
    parser.add_argument("--out", type=Path, default=Path("forecaster.png"), help="PNG file.")
    parser.add_argument("--size", default="1280,2000", help="Window size WIDTH,HEIGHT.")
    args = parser.parse_args(argv)

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("error: needs Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = str(Path(tmp) / "forecasts-demo.db")
            subprocess.run(
                [sys.executable, "-m", "forecasts", "demo", "--db", db],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "forecasts", "serve", "--db", db, "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )
        try:
            _wait(f"{base}/api/health", server)
            page = args.path or f"/forecasters/{args.handle}"
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                    f"--user-data-dir={Path(tmp) / 'profile'}",
                    f"--screenshot={args.out.resolve()}",
                    f"--window-size={args.size}",
                    base + page,
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
