"""Composition of the resolution runtime: the source registry and the fetcher.

``sources`` reads no environment and knows nothing of this application: the entry point group,
the user agent, the HTTP policy and the credentials are all decided here, from :class:`Settings`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from forecasts.settings import Settings, load_settings
from sources import (
    Fetcher,
    FetcherLike,
    HttpPolicy,
    ReplayFetcher,
    SourceRegistry,
    load_sources,
    make_client,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "USER_AGENT",
    "build_fetcher",
    "build_registry",
    "http_policy",
    "source_credentials",
]

ENTRY_POINT_GROUP = "forecasts.sources"
USER_AGENT = "forecasts/0.1 (+https://github.com/forecasts/forecasts)"
_MAX_CONNECT_TIMEOUT = 10.0


def http_policy(settings: Settings) -> HttpPolicy:
    """The bounds on every source request, from the settings."""
    return HttpPolicy(
        user_agent=USER_AGENT,
        read_timeout=settings.source_timeout,
        connect_timeout=min(settings.source_timeout, _MAX_CONNECT_TIMEOUT),
        deadline=settings.source_deadline,
        allow_private=settings.allow_private_sources,
    )


def source_credentials(settings: Settings) -> dict[str, str]:
    """Each configured secret under the name of the source that sends it."""
    secrets = {"metaculus": settings.metaculus_token, "fred": settings.fred_api_key}
    return {name: value.get_secret_value() for name, value in secrets.items() if value}


@functools.cache
def _registry(credentials: tuple[tuple[str, str], ...]) -> SourceRegistry:
    return load_sources(ENTRY_POINT_GROUP, credentials=dict(credentials))


def build_registry(settings: Settings | None = None) -> SourceRegistry:
    """Every source registered under the ``forecasts.sources`` entry points (loaded once per
    set of credentials). Without ``settings`` they are loaded from the environment."""
    credentials = source_credentials(settings or load_settings())
    return _registry(tuple(sorted(credentials.items())))


def build_fetcher(settings: Settings, *, replay: Path | None = None) -> FetcherLike:
    """A bounded HTTP fetcher, or a replay of recorded responses when ``replay`` is given."""
    if replay is not None:
        return ReplayFetcher(replay)
    policy = http_policy(settings)
    return Fetcher(make_client(policy), policy)
