"""Shared test configuration: a clean environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep a developer's FORECASTS_* variables out of the tests."""
    for key in list(os.environ):
        if key.startswith("FORECASTS_") and key != "FORECASTS_TEST_POSTGRES_URL":
            monkeypatch.delenv(key, raising=False)
    yield
