"""Fatebook's JSON API (``GET /api/v0/getQuestions?apiKey=&limit=&cursor=``), parsed.

Shapes as Fatebook serves them (``lib/web/question_router.ts`` and ``prisma/schema.prisma`` in
Sage-Future/fatebook): a page is ``{"items": [Question], "nextCursor"}``; a question has ``id``,
``title``, ``createdAt``, ``resolveBy``, ``resolved``, ``resolution`` (YES, NO, AMBIGUOUS or
null), ``resolvedAt``, ``notes``, ``type`` (BINARY or MULTIPLE_CHOICE), ``user``,
``forecasts`` (``id``, ``createdAt``, ``forecast`` as a decimal string, ``optionId``, ``user``
with ``name``) and ``options`` (``id``, ``text``, ``resolution``, ``resolvedAt``, and their
``forecasts``). Dates are ISO 8601 in UTC.

Unlike the CSV export, records have ids, so re-imports are keyed by them. As in the CSV
import, each option of a multiple-choice question is its own binary question.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .common import Item, Parsed

__all__ = ["parse_fatebook_pages"]

_OUTCOMES = {"YES": "yes", "NO": "no", "AMBIGUOUS": "annulled"}
_MAX_TITLE = 500


class _Bad(Exception):
    pass


def _time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise _Bad(f"{field}: expected a date, got {json.dumps(value)}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"{field}: '{value}' is not an ISO 8601 date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_fatebook_pages(pages: list[tuple[str, Any]], *, site: str) -> Parsed:
    """Every question on the pages (URL and decoded body) with its forecasts and resolution."""
    parsed = Parsed("fatebook")
    people: set[str] = set()
    seen: set[str] = set()
    for page_index, (url, page) in enumerate(pages):
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list):
            parsed.problems.append((url, 'expected {"items": [...]}'))
            continue
        for index, question in enumerate(items):
            where = f"page {page_index + 1} items[{index}]"
            try:
                _question(question, where, url, site, parsed, people, seen)
            except _Bad as exc:
                parsed.problems.append((where, str(exc)))
    return parsed


def _question(
    question: Any,
    where: str,
    url: str,
    site: str,
    parsed: Parsed,
    people: set[str],
    seen: set[str],
) -> None:
    if not isinstance(question, dict) or not isinstance(question.get("id"), str):
        raise _Bad("expected a question with an id")
    qid = question["id"]
    if qid in seen:
        parsed.skipped.append((where, f"question {qid} again (pages overlapped)"))
        return
    seen.add(qid)
    title = str(question.get("title") or "").strip()
    if not title:
        raise _Bad(f"question {qid}: title is empty")
    created = _time(question.get("createdAt"), "createdAt")
    resolve_by = _time(question.get("resolveBy"), "resolveBy")
    if resolve_by < created:
        raise _Bad(f"question {qid}: resolveBy is before createdAt")
    link = f"{site}/q/{qid}"
    forecasts = [f for f in question.get("forecasts") or [] if isinstance(f, dict)]
    if question.get("type") == "MULTIPLE_CHOICE":
        options = question.get("options")
        if not isinstance(options, list) or not options:
            raise _Bad(f"question {qid}: a multiple-choice question without options")
        for option in options:
            if not isinstance(option, dict) or not isinstance(option.get("id"), str):
                raise _Bad(f"question {qid}: an option without an id")
            own = [f for f in forecasts if f.get("optionId") == option["id"]]
            own += [f for f in option.get("forecasts") or [] if isinstance(f, dict)]
            _binary(
                f"fb-{qid}-{option['id']}",
                f"{title} — {option.get('text')}",
                created,
                resolve_by,
                option.get("resolution") or _whole(question.get("resolution")),
                option.get("resolvedAt") or question.get("resolvedAt"),
                own,
                where,
                url,
                link,
                parsed,
                people,
            )
        return
    _binary(
        f"fb-{qid}",
        title,
        created,
        resolve_by,
        question.get("resolution"),
        question.get("resolvedAt"),
        forecasts,
        where,
        url,
        link,
        parsed,
        people,
    )


def _whole(resolution: Any) -> Any:
    # Only an ambiguous whole question says anything about each option.
    return resolution if resolution == "AMBIGUOUS" else None


def _binary(
    question_id: str,
    title: str,
    created: datetime,
    resolve_by: datetime,
    resolution: Any,
    resolved_at: Any,
    forecasts: list[dict[str, Any]],
    where: str,
    url: str,
    link: str,
    parsed: Parsed,
    people: set[str],
) -> None:
    question_id = question_id[:64]
    parsed.items.append(
        Item(
            "questions",
            where,
            {
                "id": question_id,
                "title": title if len(title) <= _MAX_TITLE else title[: _MAX_TITLE - 1] + "…",
                "kind": "binary",
                "opens_at": created,
                "closes_at": resolve_by,
                "resolve_on": resolve_by,
                "criteria": f"As resolved on Fatebook: {link}",
            },
        )
    )
    done: set[str] = set()
    for forecast in forecasts:
        fid = str(forecast.get("id"))
        if fid in done:
            continue
        done.add(fid)
        value = forecast.get("forecast")
        try:
            p = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _Bad(f"forecast {fid}: forecast {json.dumps(value)} is not a number") from None
        if not 0 <= p <= 1:
            raise _Bad(f"forecast {fid}: forecast {value} is not between 0 and 1")
        made_at = _time(forecast.get("createdAt"), f"forecast {fid}: createdAt")
        user = forecast.get("user") or {}
        name = str(user.get("name") or "").strip()
        if not name:
            parsed.skipped.append((where, f"forecast {fid}: its Fatebook user has no name"))
            continue
        if made_at > resolve_by:
            parsed.skipped.append((where, f"forecast {fid}: made after the resolve-by date"))
            continue
        if name not in people:
            people.add(name)
            parsed.items.append(Item("forecasters", where, {"name": name}))
        parsed.items.append(
            Item(
                "forecasts",
                where,
                {
                    "id": f"fbapi-{fid}"[:64],
                    "question": question_id,
                    "by": name,
                    "p": p,
                    "made_at": made_at,
                    "origin": {"platform": "fatebook", "url": url, "platform_id": fid},
                },
            )
        )
    if resolution in (None, ""):
        return
    outcome = _OUTCOMES.get(str(resolution))
    if outcome is None:
        raise _Bad(f"{question_id}: resolution '{resolution}' is not YES, NO or AMBIGUOUS")
    if not resolved_at:
        raise _Bad(f"{question_id}: resolved {resolution} without resolvedAt")
    parsed.items.append(
        Item(
            "resolutions",
            where,
            {
                "question_id": question_id,
                "outcome": outcome,
                "resolved_at": max(_time(resolved_at, "resolvedAt"), created),
                "note": f"Resolved {resolution} on Fatebook.",
                "evidence_url": link,
            },
        )
    )
