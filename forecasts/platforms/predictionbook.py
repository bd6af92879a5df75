"""PredictionBook's JSON: ``/api/my_predictions`` pages, ``/api/predictions`` lists, or dumps.

Shapes as PredictionBook's API serves them (and as Fatebook's importer, ``lib/web/
predictionbook.ts`` in Sage-Future/fatebook, reads them): a prediction has ``id``,
``description`` (``description_with_group`` with its group's name), ``created_at``,
``deadline``, ``outcome`` (true, false or null when unjudged), ``last_judgement_at``,
``updated_at``, ``withdrawn`` and ``responses``; a response has ``id``, ``confidence``
(0..100, null for a comment), ``created_at``, ``user_label`` and ``comment``.

Accepted documents: ``{"user": ..., "predictions": [...]}``, a list of predictions, or a list
of such pages (a dump of every page). Withdrawn predictions are annulled (PredictionBook does
not score them); unjudged ones stay open.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from .common import Item, Parsed

__all__ = ["parse_predictionbook_json"]

_SITE = "https://predictionbook.com/predictions/"


class _Bad(Exception):
    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where


def _time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise _Bad(f"{field}: expected a date, got {json.dumps(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{field}: '{value}' is not an ISO 8601 date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _predictions(document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(document.get("predictions"), list):
        return list(document["predictions"])
    if isinstance(document, list):
        if all(isinstance(d, dict) and "predictions" in d for d in document) and document:
            return [p for page in document for p in _predictions(page)]
        return document
    raise _Bad('expected {"predictions": [...]}, a list of predictions or a list of pages')


def _resolved_at(prediction: dict[str, Any], deadline: datetime) -> datetime:
    if prediction.get("last_judgement_at"):
        return _time(prediction["last_judgement_at"], "last_judgement_at")
    # Older predictions carry no judgement time; like Fatebook's importer, take the later of
    # the deadline and a day after the last update.
    updated = _time(prediction.get("updated_at"), "updated_at")
    return max(deadline, updated + timedelta(days=1))


def parse_predictionbook_json(content: bytes, *, file: str, file_sha256: str) -> Parsed:
    """Predictions with their responses and judgements; bad ones go to ``problems``."""
    parsed = Parsed("predictionbook")
    try:
        predictions = _predictions(json.loads(content.decode("utf-8-sig")))
    except (UnicodeDecodeError, ValueError) as exc:
        parsed.problems.append(("file", f"not valid JSON: {str(exc).splitlines()[0]}"))
        return parsed
    except _Bad as exc:
        parsed.problems.append(("file", str(exc)))
        return parsed
    people: set[str] = set()
    seen: dict[str, str] = {}
    for index, prediction in enumerate(predictions):
        where = f"predictions[{index}]"
        try:
            _prediction(prediction, where, file, file_sha256, parsed, people, seen)
        except _Bad as exc:
            parsed.problems.append((exc.where or where, str(exc)))
    return parsed


def _prediction(
    prediction: Any,
    where: str,
    file: str,
    sha: str,
    parsed: Parsed,
    people: set[str],
    seen: dict[str, str],
) -> None:
    if not isinstance(prediction, dict):
        raise _Bad("expected a prediction object")
    pid = prediction.get("id")
    if not isinstance(pid, int) or isinstance(pid, bool):
        raise _Bad(f"id: expected a number, got {json.dumps(pid)}")
    question_id = f"pb-{pid}"
    if question_id in seen:
        parsed.skipped.append((where, f"prediction {pid} again (first at {seen[question_id]})"))
        return
    seen[question_id] = where
    title = prediction.get("description_with_group") or prediction.get("description")
    if not isinstance(title, str) or not title.strip():
        raise _Bad("description: empty")
    created = _time(prediction.get("created_at"), "created_at")
    deadline = _time(prediction.get("deadline"), "deadline")
    if deadline < created:
        parsed.skipped.append((where, f"deadline {deadline.isoformat()} is before it was made"))
        return
    outcome = prediction.get("outcome")
    if outcome not in (True, False, None):
        raise _Bad(f"outcome: expected true, false or null, got {json.dumps(outcome)}")
    url = f"{_SITE}{pid}"
    parsed.items.append(
        Item(
            "questions",
            where,
            {
                "id": question_id,
                "title": title.strip()[:500],
                "kind": "binary",
                "opens_at": created,
                "closes_at": deadline,
                "resolve_on": deadline,
                "criteria": f"As judged on PredictionBook: {url}",
            },
        )
    )
    responses = prediction.get("responses") or []
    if not isinstance(responses, list):
        raise _Bad("responses: expected a list")
    for j, response in enumerate(responses):
        _response(
            response,
            f"{where}.responses[{j}]",
            question_id,
            deadline,
            url,
            file,
            sha,
            parsed,
            people,
        )
    if prediction.get("withdrawn") is True:
        when = _time(prediction.get("updated_at"), "updated_at")
        parsed.items.append(
            Item(
                "resolutions",
                where,
                {
                    "question_id": question_id,
                    "outcome": "annulled",
                    "resolved_at": max(when, created),
                    "note": "Withdrawn on PredictionBook.",
                },
            )
        )
    elif outcome is not None:
        parsed.items.append(
            Item(
                "resolutions",
                where,
                {
                    "question_id": question_id,
                    "outcome": "yes" if outcome else "no",
                    "resolved_at": _resolved_at(prediction, deadline),
                    "note": "Judged on PredictionBook.",
                    "evidence_url": url,
                },
            )
        )


def _response(
    response: Any,
    where: str,
    question_id: str,
    deadline: datetime,
    url: str,
    file: str,
    sha: str,
    parsed: Parsed,
    people: set[str],
) -> None:
    if not isinstance(response, dict):
        raise _Bad("expected a response object", where)
    confidence = response.get("confidence")
    if confidence is None:
        return  # a comment without a wager: nothing to score
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise _Bad(f"confidence: expected a number 0..100, got {json.dumps(confidence)}", where)
    if not 0 <= confidence <= 100:
        raise _Bad(f"confidence: {confidence} is not between 0 and 100", where)
    rid = response.get("id")
    if not isinstance(rid, int) or isinstance(rid, bool):
        raise _Bad(f"id: expected a number, got {json.dumps(rid)}", where)
    name = response.get("user_label")
    if not isinstance(name, str) or not name.strip():
        raise _Bad("user_label: empty", where)
    try:
        made_at = _time(response.get("created_at"), "created_at")
    except _Bad as exc:
        raise _Bad(str(exc), where) from None
    if made_at > deadline:
        parsed.skipped.append((where, f"wager made {made_at.isoformat()}, after the deadline"))
        return
    name = name.strip()
    if name not in people:
        people.add(name)
        parsed.items.append(Item("forecasters", where, {"name": name}))
    parsed.items.append(
        Item(
            "forecasts",
            where,
            {
                "id": f"pbf-{rid}",
                "question": question_id,
                "by": name,
                "p": confidence / 100,
                "made_at": made_at,
                "note": str(response.get("comment") or "")[:4000] or None,
                "origin": {
                    "platform": "predictionbook",
                    "file": file,
                    "file_sha256": sha,
                    "url": url,
                    "platform_id": str(rid),
                },
            },
        )
    )
