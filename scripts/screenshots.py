"""Screenshots of the web app's pages into docs/screenshots/ (PNG), to look at after changes.

Prerequisites: Debian's chromium (``apt-get install chromium``) and the package installed.

To run (from the checkout)::

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --out /tmp/shots
    .venv/bin/python scripts/screenshots.py --page /forecasters/analyst --file analyst.png \
        [--db ./forecasts-demo.db] [--height 2000]

It runs ``forecasts demo`` into a temporary database, imports a small sample (a resolved
binary question several people forecast, and a multiple-choice one: the demo has neither)
tagged ``screenshot-sample``, starts ``forecasts serve`` on a free loopback port, and shoots
each page with headless chromium. With ``--page`` it shoots that one page into ``--file``,
of ``--db`` if given (nothing is imported into it). Prints the PNG paths.
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

from forecasts.web.png import HEADLESS_FLAGS

SAMPLE = """\
questions:
  - id: S1
    title: "Sample for screenshots: will the sample widget ship by 2026-06-30?"
    kind: binary
    opens_at: 2026-01-01
    closes_at: 2026-06-30
    resolve_on: 2026-07-01
    criteria: Invented for the screenshots; resolved YES by hand.
    tags: [screenshot-sample]
  - id: S2
    title: "Sample for screenshots: whose model tops the sample leaderboard on 2027-06-30?"
    kind: multiple_choice
    options: [US lab, Chinese lab, European lab, Other]
    opens_at: 2026-01-01
    closes_at: 2027-06-30
    resolve_on: 2027-06-30
    criteria: Invented for the screenshots.
    tags: [screenshot-sample]
forecasts:
  - {question: S1, by: analyst, made_at: 2026-01-15, p: 0.6}
  - {question: S1, by: lin-junyang, made_at: 2026-01-20, p: 0.5}
  - {question: S1, by: yao-shunyu, made_at: 2026-02-01, p: 0.3}
  - {question: S1, by: analyst, made_at: 2026-03-01, p: 0.75}
  - {question: S1, by: yao-shunyu, made_at: 2026-04-10, p: 0.45}
  - {question: S1, by: lin-junyang, made_at: 2026-05-01, p: 0.2}
  - {question: S1, by: analyst, made_at: 2026-05-20, p: 0.85}
  - question: S2
    by: analyst
    made_at: 2026-02-01
    options: {US lab: 0.55, Chinese lab: 0.3, European lab: 0.1, Other: 0.05}
  - question: S2
    by: yao-shunyu
    made_at: 2026-02-02
    options: {US lab: 0.3, Chinese lab: 0.6, European lab: 0.05, Other: 0.05}
  - question: S2
    by: lin-junyang
    made_at: 2026-02-03
    options: {US lab: 0.7, Chinese lab: 0.2, European lab: 0.05, Other: 0.05}
resolutions:
  - {question_id: S1, outcome: "yes", resolved_at: 2026-07-01, by: analyst}
"""

# (file name, path, window height, milliseconds of script time to wait for)
PAGES = [
    ("questions-search.png", "/questions?q=lmarena", 900, 0),
    ("questions-filtered.png", "/questions?tag=claim-b&status=open", 700, 0),
    ("forecasters.png", "/forecasters", 700, 0),
    ("expert-yao-shunyu.png", "/forecasters/yao-shunyu", 1500, 0),
    ("expert-lin-junyang.png", "/forecasters/lin-junyang", 1500, 0),
    ("question-binary-open.png", "/questions/A1", 2200, 0),
    ("question-binary-resolved.png", "/questions/S1", 1900, 0),
    ("question-numeric.png", "/questions/B1", 1900, 0),
    ("question-multiple-choice.png", "/questions/S2", 1500, 0),
    ("docs.png", "/docs", 1400, 8000),
]


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


def _forecasts(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "forecasts", *args], check=True, capture_output=True)


def _shoot(browser: str, profile: Path, url: str, png: Path, size: str, budget: int) -> None:
    command = [
        browser,
        *HEADLESS_FLAGS,
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={size}",
    ]
    if budget:
        command.append(f"--virtual-time-budget={budget}")
    command.append(url)
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    print(png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    parser.add_argument("--out", type=Path, default=default_out, help="Folder for the PNGs.")
    parser.add_argument("--width", type=int, default=1280, help="Window width.")
    parser.add_argument("--page", help="Shoot only this page path (e.g. /forecasters/analyst).")
    parser.add_argument("--file", type=Path, default=Path("page.png"), help="PNG for --page.")
    parser.add_argument("--height", type=int, default=2000, help="Window height for --page.")
    parser.add_argument("--db", help="With --page: this database instead of a fresh demo.")
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("error: needs Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 1
    if args.db and not args.page:
        parser.error("--db is only used with --page")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = str(Path(tmp) / "forecasts-demo.db")
            _forecasts("demo", "--db", db)
            sample = Path(tmp) / "screenshot_sample.yaml"
            sample.write_text(SAMPLE, encoding="utf-8")
            _forecasts("import", str(sample), "--db", db)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "forecasts", "serve", "--db", db, "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )
        profile = Path(tmp) / "profile"
        try:
            _wait(f"{base}/api/health", server)
            if args.page:
                size = f"{args.width},{args.height}"
                _shoot(browser, profile, base + args.page, args.file.resolve(), size, 0)
                return 0
            args.out.mkdir(parents=True, exist_ok=True)
            for name, path, height, budget in PAGES:
                png = (args.out / name).resolve()
                _shoot(browser, profile, base + path, png, f"{args.width},{height}", budget)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
