"""Configuration from ``FORECASTS_*`` environment variables; flags override them.

Nothing is read at import time: call :func:`load_settings` from the composition root.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from forecasts.errors import FieldError

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite:///./forecasts.db"


class Settings(BaseModel):
    """Every setting, with its environment variable (see the README's table)."""

    model_config = ConfigDict(frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    """FORECASTS_DATABASE_URL: the store; SQLite file or ``postgresql+psycopg://...``."""
    sweep_interval: str = "15m"
    """FORECASTS_SWEEP_INTERVAL: how often the scheduler sweeps for due questions."""
    source_timeout: float = 30.0
    """FORECASTS_SOURCE_TIMEOUT: seconds before a source request times out."""
    allow_private_sources: bool = False
    """FORECASTS_ALLOW_PRIVATE_SOURCES: let sources reach private/loopback addresses."""
    llm_base_url: str | None = None
    """FORECASTS_LLM_BASE_URL: an OpenAI-compatible endpoint for ``extract --engine llm``."""
    llm_model: str | None = None
    """FORECASTS_LLM_MODEL: the model name sent to that endpoint."""
    llm_api_key: str | None = Field(default=None, repr=False)
    """FORECASTS_LLM_API_KEY: bearer token for that endpoint (optional for local servers)."""
    llm_timeout: float = 120.0
    """FORECASTS_LLM_TIMEOUT: seconds before a chat-completions request times out."""


_TRUE = {"1", "true", "yes", "on"}


def load_settings(
    environ: Mapping[str, str] | None = None, *, database_url: str | None = None
) -> Settings:
    """Build settings from the environment, with explicit overrides (CLI flags) on top."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    if "FORECASTS_DATABASE_URL" in env:
        values["database_url"] = env["FORECASTS_DATABASE_URL"]
    if "FORECASTS_SWEEP_INTERVAL" in env:
        values["sweep_interval"] = env["FORECASTS_SWEEP_INTERVAL"]
    if "FORECASTS_SOURCE_TIMEOUT" in env:
        values["source_timeout"] = float(env["FORECASTS_SOURCE_TIMEOUT"])
    if "FORECASTS_ALLOW_PRIVATE_SOURCES" in env:
        values["allow_private_sources"] = (
            env["FORECASTS_ALLOW_PRIVATE_SOURCES"].strip().lower() in _TRUE
        )
    values.update(_llm_values(env))
    if database_url:
        values["database_url"] = database_url
    return Settings.model_validate(values)


def _llm_values(env: Mapping[str, str]) -> dict[str, object]:
    """The ``FORECASTS_LLM_*`` settings; a bad value is a one-line error naming its variable."""
    values: dict[str, object] = {}
    url = env.get("FORECASTS_LLM_BASE_URL", "").strip()
    if url:
        if not url.lower().startswith(("http://", "https://")):
            raise FieldError("FORECASTS_LLM_BASE_URL", f"'{url}' is not an http(s) URL")
        values["llm_base_url"] = url.rstrip("/")
    model = env.get("FORECASTS_LLM_MODEL", "").strip()
    if model:
        values["llm_model"] = model
    key = env.get("FORECASTS_LLM_API_KEY", "").strip()
    if key:
        values["llm_api_key"] = key
    timeout = env.get("FORECASTS_LLM_TIMEOUT", "").strip()
    if timeout:
        try:
            seconds = float(timeout)
        except ValueError:
            seconds = -1.0
        if not seconds > 0:
            raise FieldError("FORECASTS_LLM_TIMEOUT", f"'{timeout}' is not a positive number")
        values["llm_timeout"] = seconds
    return values
