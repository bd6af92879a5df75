"""SVG to PNG with headless chromium (Debian's package), for charts written to files."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from forecasts.errors import OperationError

__all__ = ["HEADLESS_FLAGS", "find_chromium", "svg_to_png"]

HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Headless and quiet: no first-run, sync or update traffic that would leave the machine."""


def find_chromium() -> str | None:
    """Debian's chromium (or another chromium/chrome on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def svg_to_png(svg: Path, png: Path, *, width: int, height: int) -> None:
    """Render ``svg`` to ``png`` with headless chromium; OperationError without it."""
    browser = find_chromium()
    if browser is None:
        raise OperationError("PNG output needs chromium (apt-get install chromium); use .svg")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                *HEADLESS_FLAGS,
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png.resolve()}",
                f"--window-size={width},{height}",
                svg.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0 or not png.exists():
        raise OperationError(f"chromium could not render the PNG: {result.stderr.strip()[:200]}")
