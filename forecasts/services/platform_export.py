"""Export one forecaster's history in a form another platform takes back (no lock-in)."""

from __future__ import annotations

from forecasts.db.store import Store
from forecasts.errors import NotFoundError
from forecasts.platforms.fatebook_out import FatebookCsv, fatebook_csv

__all__ = ["export_fatebook"]


def export_fatebook(store: Store, handle: str) -> FatebookCsv:
    """``handle``'s forecasts as a CSV for Fatebook's "Import from spreadsheet"."""
    forecaster = store.forecaster(handle)
    if forecaster is None:
        raise NotFoundError("forecaster", handle)
    forecasts = store.forecasts(forecaster=forecaster.handle)
    questions = {q.id: q for q in store.questions()}
    resolved_at = {r.question_id: r.resolved_at for r in store.resolutions()}
    return fatebook_csv(questions, forecasts, store.current_outcomes(), resolved_at)
