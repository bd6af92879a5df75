"""The forecaster page as every visitor who is not signed in sees it, kept per ledger head.

A forecaster's page shows their claims (each forecast with its question's status), their
track record and its charts: hundreds of rows read and rendered, 100 ms and more for a
forecaster with a thousand forecasts. Everything on it comes from ledgered rows, so it is
kept whole under the ledger head (``seq:hash``, read before the rows) it was built at, and
served again until the head moves or the clock reaches the next time a status on it
changes (a question closing or falling due: :func:`claims_clock_until`). Entries are
strings (not walked by the garbage collector), at most 64 MB of pages per process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from forecasts.db.store import Store

from ._lru import Lru
from .browsing import Claim

__all__ = ["claims_clock_until", "kept_forecaster_page"]

_PAGES = 4096
_BUDGET = 64 * 2**20  # characters: a page is about 0.5 MB with a thousand forecasts

_pages: Lru | None = None


def _get_pages() -> Lru:
    global _pages
    if _pages is None:
        _pages = Lru(_PAGES, weigh=lambda entry: len(entry[2]), budget=_BUDGET)
    return _pages


def claims_clock_until(claims: Sequence[Claim], as_of: datetime) -> datetime | None:
    """The first time after ``as_of`` at which the status of one of ``claims`` changes
    with the clock alone (an unresolved question closing or falling due); None if none
    will."""
    moments = [
        moment
        for claim in claims
        if claim.outcome is None
        for moment in (claim.question.closes_at, claim.question.resolves_at)
        if moment > as_of
    ]
    return min(moments, default=None)


def kept_forecaster_page(
    store: Store,
    handle: str,
    name: str,
    *,
    as_of: datetime,
    build: Callable[[], tuple[str, datetime | None]],
) -> str:
    """``handle``'s page named ``name`` (what else it depends on: the platform filter),
    built by ``build`` (the page and :func:`claims_clock_until` of its claims) once per
    ledger head and kept while ``as_of`` stays before that time."""
    key = (str(store.engine.url), store.head_version(), handle, name)
    pages = _get_pages()
    found: tuple[datetime, datetime | None, str] | None = pages.get(key)
    if found is not None:
        built_at, until, page = found
        if built_at <= as_of and (until is None or as_of < until):
            return page
    page, until = build()
    pages.put(key, (as_of, until, page))
    return page
