"""Opening the database for one everyday command: the light SQLite path when it can serve
it, else the store.

``forecasts question list`` and ``forecasts forecast add`` on the embedded SQLite file spend
more time loading SQLAlchemy than working; :mod:`forecasts.db.lite` answers the calls they
make (:class:`forecasts.services.queries.QuestionSource`,
:class:`forecasts.services.forecasting.ForecastStore`) with the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from forecasts.db.lite import LiteStore
    from forecasts.db.store import Store

    QuickStore: TypeAlias = LiteStore | Store

__all__ = ["QuickStore", "open_quick"]


def open_quick(url: str) -> QuickStore:
    """The light path to ``url`` if it is a SQLite file at the newest schema, else the
    store (which creates or migrates it)."""
    from forecasts.db.lite import open_lite

    lite = open_lite(url)
    if lite is not None:
        return lite
    from .ledger import open_database

    return open_database(url)
