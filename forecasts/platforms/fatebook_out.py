"""A CSV that Fatebook's "Import from spreadsheet" page takes back.

That importer (``pages/import-from-spreadsheet.tsx`` sending rows to ``importFromCsv`` in
``lib/web/import_router.ts``) reads one forecast per row
for the signed-in user: the question title, the forecast in percent, the question's creation
date, YES/NO/AMBIGUOUS or blank, and optional resolved-at, resolve-by and forecast dates, tags
(comma-separated) and notes. Dates go through JavaScript's ``new Date``, so they are written
as ISO 8601 with a ``Z``. Rows of one question share its title and creation date, which is how
Fatebook groups them. Fatebook has no numeric questions, and its spreadsheet import has no
multiple choice, so each option becomes a binary row (as Fatebook scores options).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from forecasts.domain import Forecast, Question, QuestionKind

__all__ = ["SPREADSHEET_COLUMNS", "FatebookCsv", "fatebook_csv"]

SPREADSHEET_COLUMNS = (
    "Question title",
    "Forecast",
    "Question created date",
    "Resolution",
    "Resolved at",
    "Resolve by",
    "Forecast created date",
    "Tags",
    "Notes",
)


@dataclass(frozen=True)
class FatebookCsv:
    text: str
    rows: int
    left_out: int
    """Forecasts Fatebook cannot hold (numeric distributions)."""


def _date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _percent(p: float) -> str:
    # Twelve significant digits keep the probability exactly enough without float noise.
    return f"{p * 100:.12g}%"


def _answer(outcome: str | None, option: str | None) -> str:
    if outcome is None:
        return ""
    if outcome == "annulled":
        return "AMBIGUOUS"
    if option is not None:
        return "YES" if outcome == option else "NO"
    return outcome.upper()


def fatebook_csv(
    questions: dict[str, Question],
    forecasts: list[Forecast],
    outcomes: dict[str, str],
    resolved_at: dict[str, datetime],
) -> FatebookCsv:
    """One forecaster's ``forecasts`` as Fatebook's spreadsheet import reads them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SPREADSHEET_COLUMNS)
    rows = left_out = 0
    for forecast in sorted(forecasts, key=lambda f: (f.question_id, f.made_at)):
        question = questions[forecast.question_id]
        if question.kind is QuestionKind.BINARY and forecast.probability is not None:
            pairs: list[tuple[str | None, float]] = [(None, forecast.probability)]
        elif forecast.probabilities is not None:
            pairs = [(o, forecast.probabilities.get(o, 0.0)) for o in question.options]
        else:
            left_out += 1
            continue
        outcome = outcomes.get(question.id)
        when = resolved_at.get(question.id)
        for option, p in pairs:
            writer.writerow(
                (
                    question.title if option is None else f"{question.title} — {option}",
                    _percent(p),
                    _date(question.opens_at),
                    _answer(outcome, option),
                    _date(when) if outcome is not None and when is not None else "",
                    _date(question.closes_at),
                    _date(forecast.made_at),
                    ", ".join(question.tags),
                    question.notes or "",
                )
            )
            rows += 1
    return FatebookCsv(out.getvalue(), rows, left_out)
