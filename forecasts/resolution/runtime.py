"""Composition of the resolution runtime: the source registry and the fetcher."""

from __future__ import annotations

import functools
from pathlib import Path

from forecasts.settings import Settings
from sources import (
    Fetcher,
    FetcherLike,
    HttpPolicy,
    ReplayFetcher,
    SourceRegistry,
    load_sources,
    make_client,
)

__all__ = ["build_fetcher", "build_registry"]


@functools.cache
def build_registry() -> SourceRegistry:
    """Every source registered under the ``forecasts.sources`` entry points (read once)."""
    return load_sources()


def build_fetcher(settings: Settings, *, replay: Path | None = None) -> FetcherLike:
    """A bounded HTTP fetcher, or a replay of recorded responses when ``replay`` is given."""
    if replay is not None:
        return ReplayFetcher(replay)
    policy = HttpPolicy.from_env(
        read_timeout=settings.source_timeout,
        allow_private=settings.allow_private_sources,
    )
    return Fetcher(make_client(policy), policy)
