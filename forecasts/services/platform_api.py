"""Import a person's history from a platform's live API (Metaculus, Manifold, Fatebook).

Every request goes through the bounded fetcher (address guard, timeouts, body limit, retries
honouring ``Retry-After``), one at a time with a pause between requests so we stay under the
platform's rate limit. Paging is computed here, never by following a URL from the response,
so credentials only go to the configured host. The pages are parsed whole, then written
through the ordinary import path: all or nothing, and a re-import adds nothing twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forecasts.db.store import Store
from forecasts.domain import Origin
from forecasts.errors import InputError, OperationError
from forecasts.platforms import Parsed
from forecasts.platforms.fatebook_api import parse_fatebook_pages
from forecasts.platforms.manifold import parse_manifold
from forecasts.platforms.metaculus import parse_metaculus_pages
from sources import FetcherLike, FetchRequest, SourceError

from .platform_import import PlatformImport, write_parsed

__all__ = ["API_PLATFORMS", "ApiImport", "import_from_api"]

API_PLATFORMS: dict[str, tuple[str, float, int]] = {
    # Default base URL, seconds between requests, records per request.
    "metaculus": ("https://www.metaculus.com", 3.6, 100),  # "1000 requests per hour"
    "manifold": ("https://api.manifold.markets", 0.12, 1000),  # 500 per minute per IP
    "fatebook": ("https://fatebook.io", 0.5, 100),  # undocumented: be gentle
}
_MAX_PAGES = 10_000


@dataclass(frozen=True)
class ApiImport:
    """What to import: the platform, whose history, and how to reach the API."""

    platform: str
    user: str | None
    base_url: str | None = None
    token: str | None = None
    interval: float | None = None
    page_size: int | None = None


class _Client:
    """JSON GETs through the fetcher, spaced by ``interval`` seconds."""

    def __init__(
        self,
        fetcher: FetcherLike,
        interval: float,
        *,
        sleep: Callable[[float], None],
        headers: tuple[tuple[str, str], ...] = (),
        params: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self._fetcher = fetcher
        self._interval = interval
        self._sleep = sleep
        self._headers = headers
        self._params = params
        self._last: float | None = None
        self.requests = 0

    def get(self, url: str, params: dict[str, str | int]) -> tuple[str, Any]:
        if self._last is not None:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        request = FetchRequest(
            url=url,
            params=tuple((k, str(v)) for k, v in params.items()),
            headers=(("Accept", "application/json"),),
            secret_headers=self._headers,
            secret_params=self._params,
        )
        try:
            evidence = self._fetcher.fetch(request)
        except SourceError as error:
            raise OperationError(f"{request.public_url}: {error}") from None
        finally:
            self._last = time.monotonic()
            self.requests += 1
        body = evidence.raw if evidence.raw is not None else evidence.body
        try:
            return evidence.url, json.loads(body or b"")
        except ValueError:
            raise OperationError(f"{evidence.url}: the response is not JSON") from None


def _metaculus(client: _Client, base: str, user: str, size: int) -> Parsed:
    if not user.isdigit():
        raise InputError("USER: a Metaculus user id is a number (see your profile's URL)")
    pages: list[tuple[str, Any]] = []
    offset = 0
    while len(pages) < _MAX_PAGES:
        url, page = client.get(
            f"{base}/api/posts/",
            {"forecaster_id": user, "limit": size, "offset": offset, "order_by": "published_at"},
        )
        pages.append((url, page))
        results = page.get("results") if isinstance(page, dict) else None
        if not isinstance(results, list) or not results or not page.get("next"):
            break
        offset += len(results)
    return parse_metaculus_pages(pages, user_id=int(user), site=base)


def _manifold(client: _Client, base: str, user: str, size: int) -> Parsed:
    _, profile = client.get(f"{base}/v0/user/{user}", {})
    if not isinstance(profile, dict) or not isinstance(profile.get("id"), str):
        raise OperationError(f"{base}/v0/user/{user}: no user id in the response")
    pages: list[tuple[str, Any]] = []
    params: dict[str, str | int] = {"userId": profile["id"], "limit": size}
    while len(pages) < _MAX_PAGES:
        url, page = client.get(f"{base}/v0/bets", params)
        pages.append((url, page))
        if not isinstance(page, list) or len(page) < size or not isinstance(page[-1], dict):
            break
        params = {**params, "before": str(page[-1].get("id"))}
    markets: dict[str, tuple[str, Any]] = {}
    for page in pages:
        for bet in page[1] if isinstance(page[1], list) else []:
            contract = bet.get("contractId") if isinstance(bet, dict) else None
            if isinstance(contract, str) and contract not in markets:
                markets[contract] = client.get(f"{base}/v0/market/{contract}", {})
    return parse_manifold(profile, pages, markets)


def _fatebook(client: _Client, base: str, size: int) -> Parsed:
    pages: list[tuple[str, Any]] = []
    cursor = 0
    while len(pages) < _MAX_PAGES:
        url, page = client.get(f"{base}/api/v0/getQuestions", {"limit": size, "cursor": cursor})
        pages.append((url, page))
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list) or len(items) < size:
            break
        following = page.get("nextCursor")
        cursor = following if isinstance(following, int) else cursor + len(items)
    return parse_fatebook_pages(pages, site=base)


def import_from_api(
    store: Store,
    source: ApiImport,
    fetcher: FetcherLike,
    *,
    as_of: datetime,
    mapping: list[str] | None = None,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> PlatformImport:
    """Fetch ``source``'s history page by page, then import it all or nothing."""
    if source.platform not in API_PLATFORMS:
        raise InputError(f"--from: {source.platform} has no API import")
    default_base, default_interval, default_size = API_PLATFORMS[source.platform]
    base = (source.base_url or default_base).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise InputError(f"--api-url: '{source.base_url}' is not an http(s) URL")
    interval = default_interval if source.interval is None else source.interval
    size = source.page_size or default_size
    if size < 1:
        raise InputError("--page-size: must be 1 or more")
    if source.platform == "fatebook":
        if not source.token:
            raise InputError("--api-key: Fatebook's API needs your key (fatebook.io/api-setup)")
        client = _Client(fetcher, interval, sleep=sleep, params=(("apiKey", source.token),))
        parsed = _fatebook(client, base, size)
    else:
        if not source.user:
            raise InputError(f"USER: name the {source.platform} user whose history to import")
        if source.platform == "metaculus":
            auth = (("Authorization", f"Token {source.token}"),) if source.token else ()
            client = _Client(fetcher, interval, sleep=sleep, headers=auth)
            parsed = _metaculus(client, base, source.user.strip(), size)
        else:
            client = _Client(fetcher, interval, sleep=sleep)
            parsed = _manifold(client, base, source.user.strip(), size)
    return write_parsed(
        store,
        parsed,
        source=base,
        origin=Origin(platform=source.platform, url=base),
        as_of=as_of,
        mapping=mapping,
        dry_run=dry_run,
    )
