"""CLI fixtures: a runner bound to the test database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from forecasts.cli import build_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ai_race_2026.yaml"

Cli = Callable[..., Result]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner, database_url: str) -> Cli:
    """Run ``forecasts ARGS --db <test database>``."""
    app = build_app()

    def invoke(*args: str, db: str | None = database_url, input: str | None = None) -> Result:
        argv: Sequence[str] = [*args, "--db", db] if db is not None else list(args)
        return runner.invoke(app, list(argv), input=input)

    return invoke


@pytest.fixture
def example_file() -> Path:
    return EXAMPLE
