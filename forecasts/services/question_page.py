"""What the question page shows every visitor, read once per question and ledger head.

The question, its forecasts, resolution, corrections and evidence, and the names of its
forecasters are all written with a ledger event, so they change only when the ledger head
moves. They are kept in a small LRU per process keyed by the database, the head
(``seq:hash``) and the question; so is the crowd (its line and the scores against it) per
method, when the visitor sees every forecast. The head is read before the rows, so an entry
never holds rows older than its key. Everything that depends on the visitor (hidden
forecasts, their own forecast, sign-in) or lives outside the ledger (comments, the
question's web settings) is read on each request by the callers; the status is computed
for each request's ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from forecasts.db.browse import forecaster_names_on
from forecasts.db.evidence import StoredEvidence, evidence_of
from forecasts.db.store import Store
from forecasts.domain import Forecast, question_status
from forecasts.records.crowd import CrowdMethod

from ._lru import Lru
from .browsing import QuestionCrowd, question_crowd
from .queries import QuestionDetail, question_detail
from .scores import head_version

__all__ = ["QuestionView", "question_view", "view_crowd"]

_VIEWS = 128
_CROWDS = 256


@dataclass(frozen=True)
class QuestionView:
    """A question's detail (status at the request's ``as_of``), its forecasters' names and
    its evidence, as of the ledger head ``version``."""

    detail: QuestionDetail
    names: dict[str, str]
    """Handle -> name of everyone with a forecast on the question."""
    evidence: list[StoredEvidence]
    database: str
    version: str


@dataclass
class _Caches:
    views: Lru
    crowds: Lru


_caches: _Caches | None = None


def _get_caches() -> _Caches:
    global _caches
    if _caches is None:
        _caches = _Caches(Lru(_VIEWS), Lru(_CROWDS))
    return _caches


def question_view(store: Store, question_id: str, *, as_of: datetime) -> QuestionView:
    """The question's page data; raises ``NotFoundError`` for an unknown question."""
    database, version = str(store.engine.url), head_version(store)
    key = (database, version, question_id)
    cache = _get_caches().views
    view: QuestionView | None = cache.get(key)
    if view is None:
        view = QuestionView(
            detail=question_detail(store, question_id, as_of=as_of),
            names=forecaster_names_on(store, question_id),
            evidence=evidence_of(store, question_id),
            database=database,
            version=version,
        )
        cache.put(key, view)
    detail = view.detail
    # Callers get their own lists: the cached entry is shared by every request.
    detail = replace(
        detail,
        status=question_status(detail.question, resolved=detail.outcome, as_of=as_of),
        forecasts=list(detail.forecasts),
        corrections=list(detail.corrections),
    )
    return replace(view, detail=detail, names=dict(view.names), evidence=list(view.evidence))


def view_crowd(view: QuestionView, shown: list[Forecast], *, method: CrowdMethod) -> QuestionCrowd:
    """The crowd of the ``shown`` forecasts of ``view``; kept when they are all of them."""
    detail = replace(view.detail, forecasts=shown)
    if len(shown) != len(view.detail.forecasts):  # some are hidden from this visitor
        return question_crowd(detail, method=method)
    key = (view.database, view.version, detail.question.id, method)
    cache = _get_caches().crowds
    crowd: QuestionCrowd | None = cache.get(key)
    if crowd is None:
        crowd = question_crowd(detail, method=method)
        cache.put(key, crowd)
    return crowd
