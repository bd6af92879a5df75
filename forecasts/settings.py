"""Configuration from ``FORECASTS_*`` environment variables; flags override them.

This module is the one reader of the application's environment: the composition root turns
:class:`Settings` into an HTTP policy and source credentials and hands them to ``sources``
explicitly. Nothing is read at import time: call :func:`load_settings`. A variable that is set
but empty counts as unset; any other unreadable value raises :class:`SettingsError`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict, SecretStr

from forecasts.errors import InputError
from forecasts.timeutils import parse_duration

__all__ = ["DEFAULT_DATABASE_URL", "VARIABLES", "Settings", "SettingsError", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite:///./forecasts.db"


class SettingsError(InputError):
    """An environment variable holds a value the application cannot use (exit 2)."""

    code = "invalid_setting"

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class Settings(BaseModel):
    """Every setting, with its environment variable (see the README's table)."""

    model_config = ConfigDict(frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    """FORECASTS_DATABASE_URL: the store; SQLite file or ``postgresql+psycopg://...``."""
    sweep_interval: str = "15m"
    """FORECASTS_SWEEP_INTERVAL: how often the scheduler sweeps for due questions."""
    source_timeout: float = 30.0
    """FORECASTS_SOURCE_TIMEOUT: seconds a source connection or read may wait."""
    source_deadline: float = 60.0
    """FORECASTS_SOURCE_DEADLINE: seconds one source request may take in all (hops, retries)."""
    allow_private_sources: bool = False
    """FORECASTS_ALLOW_PRIVATE_SOURCES: let sources reach non-global addresses (local tests)."""
    metaculus_token: SecretStr | None = None
    """FORECASTS_METACULUS_TOKEN: API token of the ``metaculus`` source."""
    fred_api_key: SecretStr | None = None
    """FORECASTS_FRED_API_KEY: API key of the ``fred`` source."""
    fatebook_api_key: SecretStr | None = None
    """FORECASTS_FATEBOOK_API_KEY: key for ``import --from fatebook`` through Fatebook's API."""
    platform_interval: float | None = None
    """FORECASTS_PLATFORM_INTERVAL: seconds between platform API requests (default per platform)."""
    llm_base_url: str | None = None
    """FORECASTS_LLM_BASE_URL: an OpenAI-compatible endpoint for ``extract --engine llm``."""
    llm_model: str | None = None
    """FORECASTS_LLM_MODEL: the model name sent to that endpoint."""
    llm_api_key: SecretStr | None = None
    """FORECASTS_LLM_API_KEY: bearer token for that endpoint (optional for local servers)."""
    llm_timeout: float = 120.0
    """FORECASTS_LLM_TIMEOUT: seconds before a chat-completions request times out."""
    public_url: str | None = None
    """FORECASTS_PUBLIC_URL: the site's address, for links in reminders."""
    reminder_period: str = "1d"
    """FORECASTS_REMINDER_PERIOD: a due question is reminded at most once per period."""
    reminder_webhook_url: str | None = None
    """FORECASTS_REMINDER_WEBHOOK_URL: Slack-compatible webhook for due-question reminders."""
    reminder_email_to: tuple[str, ...] = ()
    """FORECASTS_REMINDER_EMAIL_TO: comma-separated addresses for due-question reminders."""
    smtp_host: str | None = None
    """FORECASTS_SMTP_HOST: the mail server reminders are sent through (unset: no email)."""
    smtp_port: int = 587
    """FORECASTS_SMTP_PORT: its port."""
    smtp_from: str | None = None
    """FORECASTS_SMTP_FROM: the sender address (required with FORECASTS_SMTP_HOST)."""
    smtp_username: str | None = None
    """FORECASTS_SMTP_USERNAME: login name, if the server wants one."""
    smtp_password: SecretStr | None = None
    """FORECASTS_SMTP_PASSWORD: its password."""
    smtp_starttls: bool = True
    """FORECASTS_SMTP_STARTTLS: upgrade the connection with STARTTLS before logging in."""
    session_secret: SecretStr | None = None
    """FORECASTS_SESSION_SECRET: key that signs web session cookies (default: one generated
    and kept in the database on first use)."""


_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _text(value: str) -> str:
    return value


def _secret(value: str) -> SecretStr:
    return SecretStr(value)


def _flag(value: str) -> bool:
    word = value.lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise ValueError(f"must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"must be a positive number of seconds, got {value!r}")
    return seconds


def _http_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"'{value}' is not an http(s) URL")
    return value.rstrip("/")


def _port(value: str) -> int:
    if not (value.isdigit() and 1 <= int(value) <= 65535):
        raise ValueError(f"must be a TCP port from 1 to 65535, got {value!r}")
    return int(value)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address (name@host)")
    return value


def _emails(value: str) -> tuple[str, ...]:
    return tuple(_email(part.strip()) for part in value.split(",") if part.strip())


def _webhook_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"'{value}' is not an http(s) URL")
    return value


def _session_secret(value: str) -> SecretStr:
    if len(value) < 32:
        raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
    return SecretStr(value)


def _interval(value: str) -> str:
    parse_duration(value)  # kept as text: the scheduler parses it where it is used
    return value


VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "FORECASTS_DATABASE_URL": ("database_url", _text),
    "FORECASTS_SWEEP_INTERVAL": ("sweep_interval", _interval),
    "FORECASTS_SOURCE_TIMEOUT": ("source_timeout", _seconds),
    "FORECASTS_SOURCE_DEADLINE": ("source_deadline", _seconds),
    "FORECASTS_ALLOW_PRIVATE_SOURCES": ("allow_private_sources", _flag),
    "FORECASTS_METACULUS_TOKEN": ("metaculus_token", _secret),
    "FORECASTS_FRED_API_KEY": ("fred_api_key", _secret),
    "FORECASTS_FATEBOOK_API_KEY": ("fatebook_api_key", _secret),
    "FORECASTS_PLATFORM_INTERVAL": ("platform_interval", _seconds),
    "FORECASTS_LLM_BASE_URL": ("llm_base_url", _http_url),
    "FORECASTS_LLM_MODEL": ("llm_model", _text),
    "FORECASTS_LLM_API_KEY": ("llm_api_key", _secret),
    "FORECASTS_LLM_TIMEOUT": ("llm_timeout", _seconds),
    "FORECASTS_PUBLIC_URL": ("public_url", _http_url),
    "FORECASTS_REMINDER_PERIOD": ("reminder_period", _interval),
    "FORECASTS_REMINDER_WEBHOOK_URL": ("reminder_webhook_url", _webhook_url),
    "FORECASTS_REMINDER_EMAIL_TO": ("reminder_email_to", _emails),
    "FORECASTS_SMTP_HOST": ("smtp_host", _text),
    "FORECASTS_SMTP_PORT": ("smtp_port", _port),
    "FORECASTS_SMTP_FROM": ("smtp_from", _email),
    "FORECASTS_SMTP_USERNAME": ("smtp_username", _text),
    "FORECASTS_SMTP_PASSWORD": ("smtp_password", _secret),
    "FORECASTS_SMTP_STARTTLS": ("smtp_starttls", _flag),
    "FORECASTS_SESSION_SECRET": ("session_secret", _session_secret),
}
"""Each variable the application reads: the :class:`Settings` field it sets and its reader."""


def load_settings(
    environ: Mapping[str, str] | None = None, *, database_url: str | None = None
) -> Settings:
    """Build settings from the environment, with explicit overrides (CLI flags) on top.

    Raises :class:`SettingsError` naming the first unreadable variable.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for variable, (name, read) in VARIABLES.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        try:
            values[name] = read(raw)
        except ValueError as error:
            raise SettingsError(variable, str(error)) from None
    if database_url:
        values["database_url"] = database_url
    if values.get("smtp_host") and not values.get("smtp_from"):
        raise SettingsError("FORECASTS_SMTP_FROM", "required when FORECASTS_SMTP_HOST is set")
    if bool(values.get("smtp_username")) != bool(values.get("smtp_password")):
        raise SettingsError(
            "FORECASTS_SMTP_PASSWORD", "give both FORECASTS_SMTP_USERNAME and the password"
        )
    return Settings.model_validate(values)
