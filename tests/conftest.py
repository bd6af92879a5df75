"""Shared fixtures: a clean environment, and a database on SQLite and on PostgreSQL.

Every test that takes ``database_url`` (or ``store``) runs twice: on a fresh SQLite file and
on a fresh PostgreSQL database cloned from a migrated template. The PostgreSQL server comes
from ``FORECASTS_TEST_POSTGRES_URL`` (``scripts/with-postgres`` starts a throwaway one). When
it is absent the PostgreSQL half skips, unless ``FORECASTS_REQUIRE_POSTGRES=1`` (CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

PG_URL = os.environ.get("FORECASTS_TEST_POSTGRES_URL")
REQUIRE_PG = os.environ.get("FORECASTS_REQUIRE_POSTGRES") == "1"
_KEEP = {
    "FORECASTS_TEST_POSTGRES_URL",
    "FORECASTS_REQUIRE_POSTGRES",
    "FORECASTS_REQUIRE_BROWSER",
    "FORECASTS_REQUIRE_ALL",
}


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep a developer's FORECASTS_* variables out of the tests."""
    for key in list(os.environ):
        if key.startswith("FORECASTS_") and key not in _KEEP:
            monkeypatch.delenv(key, raising=False)
    yield


def _admin_connect() -> object:
    import psycopg

    assert PG_URL is not None
    return psycopg.connect(
        PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


def _pg_url(database: str) -> str:
    assert PG_URL is not None
    return PG_URL.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test clones it (fast) instead of migrating."""
    if PG_URL is None:
        message = "PostgreSQL not available: set FORECASTS_TEST_POSTGRES_URL (make test does)"
        if REQUIRE_PG:
            pytest.fail(message + " -- required because FORECASTS_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    from forecasts.db.engine import make_engine
    from forecasts.db.migrate import migrate

    name = f"forecasts_tpl_{uuid.uuid4().hex[:8]}"
    conn = _admin_connect()
    conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    engine = make_engine(_pg_url(name))
    migrate(engine)
    engine.dispose()
    yield name
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template = request.getfixturevalue("postgres_template")
    name = f"forecasts_t_{uuid.uuid4().hex[:12]}"
    conn = _admin_connect()
    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')  # type: ignore[attr-defined]
    yield _pg_url(name)
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A fresh database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{os.path.join(tmp_path, 'forecasts.db')}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[object]:
    from forecasts.db.store import open_store

    opened = open_store(database_url)
    yield opened
    opened.close()


_OUTSIDE_REPO = "is not beside this checkout"
"""Marks skips for data the repository may not hold (the founding article lives in the
project's shared folder): reported loudly, not counted as a hidden gap."""


def _counted_skips(reporter: Any) -> list[Any]:
    return [
        report
        for report in reporter.stats.get("skipped", [])
        if _OUTSIDE_REPO not in str(getattr(report, "longrepr", ""))
    ]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """With FORECASTS_REQUIRE_ALL=1 (CI), a skipped test fails the run: no hidden gaps."""
    del exitstatus, config
    outside = len(terminalreporter.stats.get("skipped", [])) - len(_counted_skips(terminalreporter))
    if outside:
        terminalreporter.write_line(
            f"!!! {outside} test(s) need the founding article in ../shared/seed/ "
            "(not in the repository by rule) and did not run here",
            yellow=True,
        )
    if os.environ.get("FORECASTS_REQUIRE_ALL") != "1":
        return
    skipped = _counted_skips(terminalreporter)
    if skipped:
        terminalreporter.write_line(
            f"FORECASTS_REQUIRE_ALL=1: {len(skipped)} test(s) skipped; failing the run",
            red=True,
        )


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if os.environ.get("FORECASTS_REQUIRE_ALL") != "1" or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _counted_skips(reporter):
        session.exitstatus = 1
