"""Extracting claims from a text: read it (file, stdin or URL), run an engine, match the store.

The CLI parses flags and renders; reading, fetching through the bounded fetcher and choosing
an engine live here so that any front end can offer the same extraction.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from forecasts.errors import FieldError, InputError

if TYPE_CHECKING:
    from forecasts.db.store import Store
    from forecasts.extract import Extraction, InputText, StoreView
    from forecasts.settings import Settings

__all__ = ["ENGINES", "is_url", "read_source", "run_engine", "store_view"]

ENGINES = ("rules", "llm")


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _fetch(url: str, settings: Settings) -> tuple[bytes, str]:
    from forecasts.resolution.runtime import build_fetcher
    from sources import FetchRequest, SourceError

    try:
        request = FetchRequest(url=url)
    except ValueError as exc:
        raise InputError(f"{url}: not a valid URL ({str(exc).splitlines()[0]})") from None
    try:
        evidence = build_fetcher(settings).fetch(request)
    except SourceError as exc:
        raise InputError(f"{url}: fetch failed: {str(exc).splitlines()[0]}") from None
    body = evidence.raw if evidence.raw is not None else (evidence.body or b"")
    return body, evidence.content_type


def read_source(source: str, settings: Settings) -> InputText:
    from forecasts.extract import read_input

    if source == "-":
        return read_input(sys.stdin.buffer.read(), name="stdin")
    if is_url(source):
        body, content_type = _fetch(source, settings)
        return read_input(body, name=source, content_type=content_type)
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from None
    return read_input(data, name=source)


def run_engine(
    engine: str, text: str, made_at: date, source: str, settings: Settings
) -> Extraction:
    if engine == "rules":
        from forecasts.extract import extract_rules

        return extract_rules(text, made_at=made_at, source=source)
    from forecasts.extract.llm import extract_llm
    from forecasts.extract.llm_client import ChatClient

    if not settings.llm_base_url:
        raise FieldError("FORECASTS_LLM_BASE_URL", "not set (needed by --engine llm)")
    if not settings.llm_model:
        raise FieldError("FORECASTS_LLM_MODEL", "not set (needed by --engine llm)")
    client = ChatClient(
        settings.llm_base_url,
        settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        timeout=settings.llm_timeout,
    )
    try:
        return extract_llm(text, made_at=made_at, chat=client, source=source)
    finally:
        client.close()


def store_view(store: Store) -> StoreView:
    """What ``--match`` compares claims with: the store's questions, forecasts, forecasters."""
    from forecasts.extract import StoreView

    return StoreView(store.questions(), store.forecasts(), store.forecasters())
