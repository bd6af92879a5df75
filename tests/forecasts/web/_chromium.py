"""Debian's chromium for the browser tests: where it is, and how every test starts it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from forecasts.web.png import HEADLESS_FLAGS

__all__ = ["CHROMIUM", "chromium_command", "chromium_or_skip"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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
    return [browser, *HEADLESS_FLAGS, f"--user-data-dir={profile}", *extra]
