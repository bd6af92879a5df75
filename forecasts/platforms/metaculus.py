"""Metaculus's posts feed (``GET /api/posts/?forecaster_id=ID``), read for one user's history.

Shapes as Metaculus's API serves them (``docs/openapi.yml`` and ``questions/serializers`` in
Metaculus/metaculus): a page is ``{"next", "previous", "results": [Post]}``; a post holds one
``question``, a ``group_of_questions`` (sub-questions) or a ``conditional``. A question has
``id``, ``title``, ``type`` (binary, multiple_choice, numeric, discrete, date), ``options``,
``open_time``, ``scheduled_close_time``, ``actual_close_time``, ``scheduled_resolve_time``,
``actual_resolve_time``, ``status``, ``resolution`` (yes, no, ambiguous, annulled, an option,
a number, below_lower_bound, above_upper_bound), ``scaling`` (``range_min``, ``range_max``,
``zero_point``) and, for the token's owner only, ``my_forecasts`` with ``history`` entries
(``start_time`` in epoch seconds, ``forecast_values``: ``[1-p, p]`` for binary, one value per
option for multiple choice, the 201-point CDF on the internal 0..1 scale for continuous).

Continuous forecasts are kept as quantiles read off the CDF, on the question's real scale.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .common import Item, Parsed

__all__ = ["QUANTILE_LEVELS", "cdf_quantiles", "parse_metaculus_pages", "scaled"]

QUANTILE_LEVELS = (0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99)
_KINDS = {
    "binary": "binary",
    "multiple_choice": "multiple_choice",
    "numeric": "numeric",
    "discrete": "numeric",
}
_ANNULLED = {"ambiguous", "annulled"}


class _Bad(Exception):
    pass


def _time(value: Any, field: str) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str):
        raise _Bad(f"{field}: expected a time, got {json.dumps(value)}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"{field}: '{value}' is not an ISO 8601 time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def scaled(x: float, scaling: dict[str, Any]) -> float:
    """A location on Metaculus's internal 0..1 axis, on the question's own scale.

    Linear without a ``zero_point``; otherwise logarithmic around it, as Metaculus scales.
    """
    low, high = float(scaling["range_min"]), float(scaling["range_max"])
    zero = scaling.get("zero_point")
    if zero is None:
        return low + (high - low) * x
    ratio = (high - float(zero)) / (low - float(zero))
    return float(low + (high - low) * (ratio**x - 1) / (ratio - 1))


def cdf_quantiles(cdf: list[float], scaling: dict[str, Any]) -> list[tuple[float, float]]:
    """(level, value) pairs read off a CDF given at evenly spaced internal locations.

    Levels the CDF never reaches inside the range (mass beyond an open bound) are left out.
    """
    if len(cdf) < 2 or any(b < a for a, b in zip(cdf, cdf[1:], strict=False)):
        raise _Bad("forecast_values: a CDF must have 2 or more non-decreasing values")
    step = 1 / (len(cdf) - 1)
    pairs: list[tuple[float, float]] = []
    for level in QUANTILE_LEVELS:
        if not cdf[0] <= level <= cdf[-1]:
            continue
        i = next(i for i in range(len(cdf) - 1) if cdf[i + 1] >= level)
        rise = cdf[i + 1] - cdf[i]
        x = (i + (level - cdf[i]) / rise) * step if rise > 0 else i * step
        pairs.append((level, round(scaled(x, scaling), 10)))
    return pairs


def parse_metaculus_pages(
    pages: list[tuple[str, Any]], *, user_id: int, site: str = "https://www.metaculus.com"
) -> Parsed:
    """Each page (its URL and decoded body) of the posts feed filtered by ``forecaster_id``."""
    parsed = Parsed("metaculus")
    name = f"metaculus user {user_id}"
    seen: set[int] = set()
    wrote_forecaster = False
    for page_index, (url, page) in enumerate(pages):
        results = page.get("results") if isinstance(page, dict) else None
        if not isinstance(results, list):
            parsed.problems.append((url, 'expected {"next", "previous", "results": [...]}'))
            continue
        for index, post in enumerate(results):
            where = f"page {page_index + 1} results[{index}]"
            try:
                for question, title in _questions(post, where, parsed):
                    qid = question.get("id")
                    if not isinstance(qid, int) or qid in seen:
                        continue
                    seen.add(qid)
                    made = _question(question, title, post, where, url, site, name, parsed)
                    if made and not wrote_forecaster:
                        wrote_forecaster = True
                        parsed.items.insert(0, Item("forecasters", where, {"name": name}))
            except _Bad as exc:
                parsed.problems.append((where, str(exc)))
    return parsed


def _questions(post: Any, where: str, parsed: Parsed) -> list[tuple[dict[str, Any], str]]:
    if not isinstance(post, dict) or not isinstance(post.get("id"), int):
        raise _Bad("expected a post with a numeric id")
    if isinstance(post.get("question"), dict):
        return [(post["question"], str(post.get("title") or post["question"].get("title")))]
    group = post.get("group_of_questions")
    if isinstance(group, dict) and isinstance(group.get("questions"), list):
        return [(q, str(q.get("title") or post.get("title"))) for q in group["questions"]]
    kind = "a conditional pair" if post.get("conditional") else "no question (a notebook?)"
    parsed.skipped.append((where, f"post {post['id']} holds {kind}; not imported"))
    return []


def _question(
    question: dict[str, Any],
    title: str,
    post: dict[str, Any],
    where: str,
    url: str,
    site: str,
    name: str,
    parsed: Parsed,
) -> bool:
    qid = question["id"]
    kind = _KINDS.get(str(question.get("type")))
    if kind is None:
        parsed.skipped.append(
            (where, f"question {qid}: type '{question.get('type')}' is not imported")
        )
        return False
    mine = question.get("my_forecasts")
    history = mine.get("history") if isinstance(mine, dict) else None
    if not isinstance(history, list):
        parsed.skipped.append(
            (
                where,
                f"question {qid}: no forecasts of this user in the response (Metaculus shows "
                "a user's own forecasts only with that user's token)",
            )
        )
        return False
    opens = _time(question.get("open_time"), "open_time")
    closes = _time(
        question.get("actual_close_time") or question.get("scheduled_close_time"),
        "scheduled_close_time",
    )
    resolves = _time(question.get("scheduled_resolve_time"), "scheduled_resolve_time")
    link = f"{site}/questions/{post['id']}/"
    question_id = f"metaculus-{qid}"
    data: dict[str, Any] = {
        "id": question_id,
        "title": title.strip()[:500] or f"Metaculus question {qid}",
        "kind": kind,
        "opens_at": opens,
        "closes_at": max(closes, opens),
        "resolve_on": max(resolves, closes, opens),
        "criteria": f"As resolved on Metaculus: {link}",
    }
    options: list[str] = []
    scaling: dict[str, Any] = {}
    if kind == "multiple_choice":
        options = [str(o) for o in question.get("options") or []]
        if len(options) < 2:
            raise _Bad(f"question {qid}: a multiple-choice question needs 2 or more options")
        data["options"] = options
    elif kind == "numeric":
        scaling = question.get("scaling") or {}
        if scaling.get("range_min") is None or scaling.get("range_max") is None:
            raise _Bad(f"question {qid}: scaling needs range_min and range_max")
        low = float(scaling["range_min"])
        data["scale"] = {
            "lower": low,
            "upper": float(scaling["range_max"]),
            "log_scale": scaling.get("zero_point") is not None and low > 0,
        }
    parsed.items.append(Item("questions", where, data))
    entries = [e for e in history if isinstance(e, dict) and e.get("forecast_values")]
    latest = mine.get("latest") if isinstance(mine, dict) else None
    if len(entries) < len(history) and isinstance(latest, dict) and latest.get("forecast_values"):
        # The feed may list the history without values; the latest forecast always has them.
        starts = {e.get("start_time") for e in entries}
        if latest.get("start_time") not in starts:
            entries.append(latest)
        parsed.skipped.append(
            (
                where,
                f"question {qid}: {len(history) - len(entries)} earlier forecast(s) came "
                "without values; only the latest is imported",
            )
        )
    for entry in entries:
        _forecast(entry, question_id, qid, kind, options, scaling, data, where, url, name, parsed)
    _resolution(question, question_id, kind, options, scaling, closes, where, link, parsed)
    return True


def _forecast(
    entry: dict[str, Any],
    question_id: str,
    qid: int,
    kind: str,
    options: list[str],
    scaling: dict[str, Any],
    question: dict[str, Any],
    where: str,
    url: str,
    name: str,
    parsed: Parsed,
) -> None:
    made_at = _time(entry.get("start_time"), "start_time")
    values = entry["forecast_values"]
    if not isinstance(values, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise _Bad(f"question {qid}: forecast_values must be a list of numbers")
    if made_at > question["closes_at"]:
        parsed.skipped.append((where, f"question {qid}: forecast at {made_at} after the close"))
        return
    data: dict[str, Any] = {"question": question_id, "by": name, "made_at": made_at}
    if kind == "binary":
        if len(values) != 2:
            raise _Bad(f"question {qid}: a binary forecast has 2 values, got {len(values)}")
        data["p"] = float(values[1])
    elif kind == "multiple_choice":
        if len(values) != len(options):
            raise _Bad(
                f"question {qid}: {len(values)} values for {len(options)} options "
                f"({', '.join(options)})"
            )
        data["options"] = dict(zip(options, (float(v) for v in values), strict=True))
    else:
        pairs = cdf_quantiles([float(v) for v in values], scaling)
        if not pairs:
            raise _Bad(f"question {qid}: the CDF puts no quantile inside the range")
        data["quantiles"] = pairs
    stamp = f"{float(entry['start_time']):.3f}".rstrip("0").rstrip(".")
    data["id"] = f"mcf-{qid}-{stamp.replace('.', '_')}"[:64]
    data["origin"] = {"platform": "metaculus", "url": url, "platform_id": f"{qid}@{stamp}"}
    parsed.items.append(Item("forecasts", where, data))


def _resolution(
    question: dict[str, Any],
    question_id: str,
    kind: str,
    options: list[str],
    scaling: dict[str, Any],
    closes: datetime,
    where: str,
    link: str,
    parsed: Parsed,
) -> None:
    resolution = question.get("resolution")
    if resolution in (None, "") or question.get("status") != "resolved":
        return  # open here, to be resolved later
    when = question.get("actual_resolve_time") or question.get("resolution_set_time")
    resolved_at = max(_time(when, "actual_resolve_time"), closes)
    data: dict[str, Any] = {
        "question_id": question_id,
        "resolved_at": resolved_at,
        "note": f"Resolved '{resolution}' on Metaculus.",
        "evidence_url": link,
    }
    text = str(resolution)
    if text in _ANNULLED:
        data["outcome"] = "annulled"
    elif kind == "binary":
        if text not in ("yes", "no"):
            raise _Bad(f"question {question['id']}: resolution '{text}' is not yes or no")
        data["outcome"] = text
    elif kind == "multiple_choice":
        if text not in options:
            raise _Bad(f"question {question['id']}: resolution '{text}' is not an option")
        data["outcome"] = text
    else:
        bounds = {"below_lower_bound": "range_min", "above_upper_bound": "range_max"}
        try:
            value = float(scaling[bounds[text]]) if text in bounds else float(text)
        except ValueError:
            raise _Bad(f"question {question['id']}: resolution '{text}' is not a number") from None
        data["outcome"] = "value"
        data["value"] = value
    parsed.items.append(Item("resolutions", where, data))
