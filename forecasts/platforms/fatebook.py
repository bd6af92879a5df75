"""Fatebook's CSV export (``lib/web/export.ts`` in Sage-Future/fatebook), parsed.

Facts about the format, from that source:

* one row per forecast, every forecaster on the exported questions (shared questions carry
  other people's forecasts); multiple-choice questions have one row per option forecast;
* strings are double-quoted with ``"`` doubled; numbers, booleans and dates are bare; a
  missing value is an empty cell;
* dates are ``YYYY-MM-DD HH:MM:S`` in the server's local time (UTC on Fatebook's hosting),
  with hours and minutes zero-padded and the seconds **not** padded;
* ``Resolution`` is YES, NO or AMBIGUOUS (per option for multiple choice), empty if open;
* the Brier columns are the exporting user's own scores (0..2 scale, time-averaged).

The export has no ids, so records are keyed by content hashes (see ``_question_key``).
Fatebook scores each multiple-choice option as its own binary question, and non-exclusive
questions' options need not sum to one, so each option becomes a binary question here too.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

from .common import Item, Parsed, stable_id

__all__ = ["COLUMNS", "parse_fatebook_csv"]

COLUMNS = (
    "Question title",
    "Multiple choice option",
    "Forecast created by",
    "Forecast (scale = 0-1)",
    "Forecast created at",
    "Question created by",
    "Question created at",
    "Question resolve by",
    "Resolution",
    "Resolved at",
    "Your Brier score for this question",
    "Your relative Brier score for this question",
    "Question notes",
    "Question shared with",
    "Question shared publicly",
    "Question comments",
    "Question tags",
)
_REQUIRED = (
    "Question title",
    "Forecast created by",
    "Forecast (scale = 0-1)",
    "Forecast created at",
    "Question created at",
    "Question resolve by",
    "Resolution",
    "Resolved at",
)
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?Z?$")
_OUTCOMES = {"YES": "yes", "NO": "no", "AMBIGUOUS": "annulled"}
_TITLE_MAX = 500


class _RowError(Exception):
    pass


def parse_date(text: str, column: str) -> datetime:
    """A Fatebook export date (unpadded seconds allowed), read as UTC."""
    match = _DATE.match(text.strip())
    if match is None:
        raise _RowError(f"{column}: '{text}' is not a date like 2024-03-05 14:07:5")
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise _RowError(f"{column}: '{text}' is not a date ({exc})") from None


def _cell(row: dict[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _question_key(row: dict[str, str | None]) -> tuple[str, str, str, str]:
    # Title, author and creation time identify a Fatebook question; the option, if any,
    # identifies the binary question we make of it.
    return (
        _cell(row, "Question title"),
        _cell(row, "Question created by"),
        _cell(row, "Question created at"),
        _cell(row, "Multiple choice option"),
    )


def _title(title: str, option: str) -> str:
    full = f"{title} — {option}" if option else title
    return full if len(full) <= _TITLE_MAX else full[: _TITLE_MAX - 1] + "…"


def _notes(row: dict[str, str | None]) -> str | None:
    parts = []
    if notes := _cell(row, "Question notes"):
        parts.append(notes)
    if comments := _cell(row, "Question comments"):
        parts.append(f"Comments on Fatebook: {comments}")
    return "\n\n".join(parts) or None


def _tags(row: dict[str, str | None]) -> list[str]:
    tags: list[str] = []
    for tag in _cell(row, "Question tags").split(";"):
        if tag.strip() and tag.strip() not in tags:
            tags.append(tag.strip())
    return tags


def parse_fatebook_csv(content: bytes, *, file: str, file_sha256: str) -> Parsed:
    """Every record of a Fatebook export; bad rows go to ``problems`` with their row number."""
    parsed = Parsed("fatebook")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.problems.append(("file", f"not UTF-8 text (byte {exc.start})"))
        return parsed
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        parsed.problems.append(
            ("header", f"not a Fatebook export: missing column(s) {', '.join(missing)}")
        )
        return parsed
    origin = {"platform": "fatebook", "file": file, "file_sha256": file_sha256}
    questions: dict[tuple[str, str, str, str], tuple[str, dict[str, Any]]] = {}
    resolutions: dict[str, tuple[str, str]] = {}
    forecasters: set[str] = set()
    forecast_rows: dict[str, str] = {}
    # Row numbers count records with the header as row 1 (a quoted newline does not shift them).
    for number, row in enumerate(reader, start=2):
        where = f"row {number}"
        if None in row:
            parsed.problems.append((where, f"{len(row[None])} more cell(s) than the header"))
            continue
        try:
            _parse_row(
                row, where, origin, parsed, questions, resolutions, forecasters, forecast_rows
            )
        except _RowError as exc:
            parsed.problems.append((where, str(exc)))
    _keep_scores(parsed)
    return parsed


def _keep_scores(parsed: Parsed) -> None:
    """Attach the exporter's Fatebook Brier to the exporter's forecasts of each question.

    The export does not say who exported it: the exporter is the one person with forecasts on
    every question of the file (an export holds the questions its user forecast on or shares).
    When that is not one person, the scores are dropped and the report says so.
    """
    if not parsed.platform_scores:
        return
    people: dict[str, set[str]] = {}
    for item in parsed.items:
        if item.section == "forecasts":
            people.setdefault(str(item.data["question"]), set()).add(str(item.data["by"]))
    sets = list(people.values())
    candidates = set.intersection(*sets) if sets else set()
    if len(candidates) != 1:
        parsed.skipped.append(
            (
                "Brier columns",
                "not kept: they are the exporter's, and the file does not show who that is",
            )
        )
        return
    exporter = candidates.pop()
    for item in parsed.items:
        if item.section == "forecasts" and item.data["by"] == exporter:
            score = parsed.platform_scores.get(str(item.data["question"]))
            if score is not None:
                item.data["origin"]["platform_score"] = score


def _parse_row(
    row: dict[str, str | None],
    where: str,
    origin: dict[str, str],
    parsed: Parsed,
    questions: dict[tuple[str, str, str, str], tuple[str, dict[str, Any]]],
    resolutions: dict[str, tuple[str, str]],
    forecasters: set[str],
    forecast_rows: dict[str, str],
) -> None:
    title = _cell(row, "Question title")
    if not title:
        raise _RowError("Question title: empty")
    created = parse_date(_cell(row, "Question created at"), "Question created at")
    resolve_by = parse_date(_cell(row, "Question resolve by"), "Question resolve by")
    if resolve_by < created:
        raise _RowError(
            f"Question resolve by: {resolve_by.isoformat()} is before the question was "
            f"created ({created.isoformat()})"
        )
    key = _question_key(row)
    question_id = stable_id("fb", *key)
    if key not in questions:
        question = {
            "id": question_id,
            "title": _title(title, key[3]),
            "kind": "binary",
            "opens_at": created,
            "closes_at": resolve_by,
            "resolve_on": resolve_by,
            "criteria": f"As resolved on Fatebook by {key[1] or 'its author'}.",
            "tags": _tags(row),
            "notes": _notes(row),
        }
        questions[key] = (where, question)
        parsed.items.append(Item("questions", where, {k: v for k, v in question.items() if v}))
    elif questions[key][1]["closes_at"] != resolve_by:
        raise _RowError(
            f"Question resolve by: {resolve_by.isoformat()} differs from "
            f"{questions[key][0]} for the same question"
        )
    _resolution(row, where, question_id, parsed, resolutions)

    name = _cell(row, "Forecast created by")
    value = _cell(row, "Forecast (scale = 0-1)")
    made_raw = _cell(row, "Forecast created at")
    made_at = parse_date(made_raw, "Forecast created at")
    if not value:
        raise _RowError("Forecast (scale = 0-1): empty")
    try:
        probability = float(value)
    except ValueError:
        raise _RowError(f"Forecast (scale = 0-1): '{value}' is not a number") from None
    if not 0.0 <= probability <= 1.0:
        raise _RowError(f"Forecast (scale = 0-1): {value} is not between 0 and 1")
    if not name:
        parsed.skipped.append(
            (where, "forecast has no forecaster name (Fatebook user without one)")
        )
        return
    forecast_id = stable_id("fbf", question_id, name, made_raw, value)
    if forecast_id in forecast_rows:
        parsed.skipped.append((where, f"the same forecast as {forecast_rows[forecast_id]}"))
        return
    forecast_rows[forecast_id] = where
    if made_at > resolve_by:
        # Fatebook accepts forecasts after the resolve-by date; a forecast counts here only if
        # made by the close, so it would be refused: say so instead.
        parsed.skipped.append(
            (where, f"forecast made {made_at.isoformat()}, after the resolve-by date")
        )
        return
    if name not in forecasters:
        forecasters.add(name)
        parsed.items.append(Item("forecasters", where, {"name": name}))
    parsed.items.append(
        Item(
            "forecasts",
            where,
            {
                "id": forecast_id,
                "question": question_id,
                "by": name,
                "p": probability,
                "made_at": made_at,
                "origin": {**origin, "platform_id": forecast_id},
            },
        )
    )
    score = _cell(row, "Your Brier score for this question")
    if score:
        try:
            parsed.platform_scores[question_id] = float(score)
        except ValueError:
            raise _RowError(
                f"Your Brier score for this question: '{score}' is not a number"
            ) from None


def _resolution(
    row: dict[str, str | None],
    where: str,
    question_id: str,
    parsed: Parsed,
    resolutions: dict[str, tuple[str, str]],
) -> None:
    answer = _cell(row, "Resolution")
    resolved_raw = _cell(row, "Resolved at")
    if not answer:
        return
    outcome = _OUTCOMES.get(answer.upper())
    if outcome is None:
        raise _RowError(f"Resolution: '{answer}' is not YES, NO or AMBIGUOUS")
    if not resolved_raw:
        raise _RowError(f"Resolved at: empty for a question resolved {answer}")
    resolved_at = parse_date(resolved_raw, "Resolved at")
    seen = resolutions.get(question_id)
    if seen is not None:
        if seen[1] != f"{outcome}@{resolved_at.isoformat()}":
            raise _RowError(f"Resolution: {answer} at {resolved_raw} differs from {seen[0]}")
        return
    resolutions[question_id] = (where, f"{outcome}@{resolved_at.isoformat()}")
    parsed.items.append(
        Item(
            "resolutions",
            where,
            {
                "question_id": question_id,
                "outcome": outcome,
                "resolved_at": resolved_at,
                "by": _cell(row, "Question created by") or None,
                "note": "Imported from Fatebook.",
            },
        )
    )
