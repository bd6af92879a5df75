"""Debian's chromium for the browser tests: where it is, and how every test starts it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

__all__ = ["CHROMIUM", "chromium_command", "chromium_or_skip"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Headless, and quiet: no first-run, sync or update traffic that would leave loopback.
_HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_or_skip() -> str:
    """The chromium binary; skips without it (fails under FORECASTS_REQUIRE_BROWSER=1)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("FORECASTS_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " -- required because FORECASTS_REQUIRE_BROWSER=1")
    pytest.skip(message)


def chromium_command(browser: str, profile: Path, *extra: str) -> list[str]:
    """The command line for a headless run with its own profile, then ``extra``."""
    return [browser, *_HEADLESS, f"--user-data-dir={profile}", *extra]
