"""Use cases: the one layer that the CLI, the API, the pages and the scheduler call.

Each function validates fully before it writes, and writes in one transaction with its
ledger event, so bad input leaves the database (and the ledger head) as it was. Front ends
import the submodule they need (``forecasts.services.queries`` ...) so that a command loads
only what it uses; the recording functions are re-exported here for convenience.
"""

from __future__ import annotations

from .recording import add_correction as add_correction
from .recording import add_forecast as add_forecast
from .recording import add_forecaster as add_forecaster
from .recording import add_question as add_question
from .recording import add_resolution as add_resolution
from .recording import build_forecast as build_forecast
from .recording import check_resolution_spec as check_resolution_spec
from .recording import new_id as new_id

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
