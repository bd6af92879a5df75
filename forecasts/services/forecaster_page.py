"""The forecaster page as every visitor who is not signed in sees it, kept per ledger head.

A forecaster's page shows their claims (each forecast with its question's status), their
track record and its charts: hundreds of rows read and rendered, 100 ms and more for a
forecaster with a thousand forecasts. Everything on it comes from ledgered rows, so it is
kept whole under the ledger head (``seq:hash``, read before the rows) it was built at, and
served again until the clock reaches the next time a status on it changes (a question
closing or falling due: :func:`claims_clock_until`) or the ledger moves in a way that
could change it. When the head moves, the events since are read: other forecasters'
forecasts and new questions that none of its questions are among leave the page as it
was (carried to the new head); a resolution or correction anywhere (the record counts the
questions resolved), anything about its forecaster or one of its questions, an event of a
kind not known here, or more events than are read cheaply mean it is built again.
Entries are strings (not walked by the garbage collector), at most 64 MB of pages per
process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from forecasts.db.question_page import LedgerChange, ledger_changes
from forecasts.db.store import Store

from ._lru import Lru
from .browsing import Claim

__all__ = ["claims_clock_until", "kept_forecaster_page"]

_PAGES = 4096
_BUDGET = 64 * 2**20  # characters: a page is about 0.5 MB with a thousand forecasts


@dataclass(frozen=True)
class _Kept:
    version: str
    """The ledger head the page stands for (read before its rows, or carried to)."""
    built_at: datetime
    until: datetime | None
    page: str
    questions: frozenset[str]
    """The questions of its claims."""


_pages: Lru | None = None


def _get_pages() -> Lru:
    global _pages
    if _pages is None:
        _pages = Lru(_PAGES, weigh=lambda entry: len(entry.page), budget=_BUDGET)
    return _pages


# Kinds that leave a forecaster's page as it was unless they are about its forecaster or
# one of its questions (resolutions are not among them: the record counts every question
# resolved).
_ELSEWHERE = frozenset(
    {
        "question.created",
        "forecast.created",
        "evidence.created",
        "check.needs_review",
        "forecaster.created",
        "token.created",
        "token.revoked",
    }
)


def _unchanged_by(changes: Sequence[LedgerChange], handle: str, questions: frozenset[str]) -> bool:
    return all(
        change.kind in _ELSEWHERE
        and change.forecaster != handle
        and (change.question is None or change.question not in questions)
        for change in changes
    )


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
    build: Callable[[], tuple[str, Sequence[Claim]]],
) -> str:
    """``handle``'s page named ``name`` (what else it depends on: the platform filter),
    built by ``build`` (the page and its claims) and kept while ``as_of`` stays before
    :func:`claims_clock_until` of its claims and the ledger has not moved in a way that
    could change it."""
    database = str(store.engine.url)
    head = store.head_version()
    key = (database, handle, name)
    pages = _get_pages()
    found: _Kept | None = pages.get(key)
    if (
        found is not None
        and found.built_at <= as_of
        and (found.until is None or as_of < found.until)
    ):
        if found.version == head:
            return found.page
        changes = ledger_changes(store, found.version, head)
        if changes is not None and _unchanged_by(changes, handle, found.questions):
            pages.put(key, replace(found, version=head))
            return found.page
    page, claims = build()
    questions = frozenset(claim.question.id for claim in claims)
    pages.put(key, _Kept(head, as_of, claims_clock_until(claims, as_of), page, questions))
    return page
