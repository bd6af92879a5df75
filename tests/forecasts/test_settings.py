"""Settings: the one reader of FORECASTS_* variables; a bad value is one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from forecasts.resolution.runtime import build_registry, http_policy, source_credentials
from forecasts.settings import VARIABLES, SettingsError, load_settings
from sources import FetchRequest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_variable_is_read_into_typed_settings() -> None:
    settings = load_settings(
        {
            "FORECASTS_DATABASE_URL": "sqlite:///x.db",
            "FORECASTS_SWEEP_INTERVAL": "5m",
            "FORECASTS_SOURCE_TIMEOUT": "12.5",
            "FORECASTS_SOURCE_DEADLINE": "45",
            "FORECASTS_ALLOW_PRIVATE_SOURCES": "on",
            "FORECASTS_METACULUS_TOKEN": " s3cr3t ",
            "FORECASTS_FRED_API_KEY": "key",
        }
    )
    assert settings.database_url == "sqlite:///x.db" and settings.sweep_interval == "5m"
    assert settings.source_timeout == 12.5 and settings.source_deadline == 45
    assert settings.allow_private_sources is True
    assert "s3cr3t" not in repr(settings)  # secrets stay out of logs and tracebacks
    policy = http_policy(settings)
    assert (policy.read_timeout, policy.connect_timeout, policy.deadline) == (12.5, 10.0, 45)
    assert policy.allow_private and policy.user_agent.startswith("forecasts/")
    assert source_credentials(settings) == {"metaculus": "s3cr3t", "fred": "key"}


def test_unset_and_empty_variables_give_the_defaults() -> None:
    settings = load_settings({"FORECASTS_SOURCE_TIMEOUT": "  ", "FORECASTS_FRED_API_KEY": ""})
    assert settings.source_timeout == 30 and settings.source_deadline == 60
    assert not settings.allow_private_sources and source_credentials(settings) == {}
    assert load_settings({}, database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("FORECASTS_ALLOW_PRIVATE_SOURCES", "maybe", "must be one of 1/0"),
        ("FORECASTS_SOURCE_TIMEOUT", "abc", "positive number of seconds, got 'abc'"),
        ("FORECASTS_SOURCE_TIMEOUT", "-1", "positive number of seconds, got '-1'"),
        ("FORECASTS_SOURCE_TIMEOUT", "nan", "positive number of seconds"),
        ("FORECASTS_SOURCE_DEADLINE", "0", "positive number of seconds"),
        ("FORECASTS_SWEEP_INTERVAL", "often", "is not a duration"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert caught.value.variable == variable and problem in caught.value.problem
    assert str(caught.value).startswith(f"{variable}: ") and "\n" not in str(caught.value)


def test_the_registry_gets_the_credentials_from_the_settings() -> None:
    settings = load_settings({"FORECASTS_FRED_API_KEY": "key"})
    fred = build_registry(settings).get("fred")
    authed = fred.auth(FetchRequest(url="https://api.stlouisfed.org/fred/series/observations"))
    assert authed.secret_params == (("api_key", "key"),)


def test_the_readme_table_lists_every_variable() -> None:
    table = README.read_text(encoding="utf-8").split("## Configuration", 1)[1]
    assert all(f"`{variable}`" in table for variable in VARIABLES)


def _forecasts(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FORECASTS_")}
    db = f"sqlite:///{tmp_path / 'f.db'}"
    return subprocess.run(
        [sys.executable, "-m", "forecasts", *args, "--db", db],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        (("question", "list"), "FORECASTS_ALLOW_PRIVATE_SOURCES", "maybe"),
        (("question", "list"), "FORECASTS_SOURCE_TIMEOUT", "abc"),
        (("resolve", "--due"), "FORECASTS_SOURCE_TIMEOUT", "-1"),
        (("resolve", "--due"), "FORECASTS_ALLOW_PRIVATE_SOURCES", "maybe"),
    ],
)
def test_the_cli_exits_2_with_one_line_naming_the_variable(
    tmp_path: Path, command: tuple[str, ...], variable: str, value: str
) -> None:
    result = _forecasts(tmp_path, *command, **{variable: value})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {variable}: "), result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_accepts_on_as_true(tmp_path: Path) -> None:
    assert _forecasts(tmp_path, "init").returncode == 0
    for command in (("question", "list"), ("resolve", "--due")):
        result = _forecasts(tmp_path, *command, FORECASTS_ALLOW_PRIVATE_SOURCES="on")
        assert result.returncode == 0, result.stderr
