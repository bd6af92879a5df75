"""Use cases: the one layer that the CLI, the API, the pages and the scheduler call.

Each function validates fully before it writes, and writes in one transaction with its
ledger event, so bad input leaves the database (and the ledger head) as it was. Front ends
import the submodule they need (``forecasts.services.queries`` ...) so that a command loads
only what it uses; the recording functions are re-exported here for convenience, loaded on
first use (``forecasts forecast add`` must not load the store's SQLAlchemy stack for them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .forecasting import add_forecast as add_forecast
    from .forecasting import build_forecast as build_forecast
    from .forecasting import new_id as new_id
    from .recording import add_correction as add_correction
    from .recording import add_forecaster as add_forecaster
    from .recording import add_question as add_question
    from .recording import add_resolution as add_resolution
    from .recording import check_resolution_spec as check_resolution_spec

__all__ = [
    "add_correction",
    "add_forecast",
    "add_forecaster",
    "add_question",
    "add_resolution",
    "build_forecast",
    "check_resolution_spec",
    "new_id",
]

_HOMES = {
    "add_forecast": "forecasting",
    "build_forecast": "forecasting",
    "new_id": "forecasting",
    "add_correction": "recording",
    "add_forecaster": "recording",
    "add_question": "recording",
    "add_resolution": "recording",
    "check_resolution_spec": "recording",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
