"""Draft questions, forecasts and forecasters, in the import format, for a person to review.

Every item carries ``review: pending``; ``forecasts import`` refuses such items unless the
reviewer passes ``--accept-pending``. Criteria are left as a "TO REVIEW" note: deciding the
source and the rule that resolve a claim is the analyst's job, not the extractor's.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from .models import Claim

__all__ = ["REVIEW_PENDING", "default_check_date", "draft_forecast", "draft_question", "slug"]

REVIEW_PENDING = "pending"
UNHEDGED_TERM = "very likely"


def slug(text: str, limit: int = 40) -> str:
    """A url-safe handle: ``"Yao Shunyu"`` -> ``"yao-shunyu"``.

    >>> slug("Jérôme  Powell, Fed")
    'jerome-powell-fed'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:limit].strip("-") or "speaker"


def default_check_date(made_at: date) -> date:
    """When a claim with no stated horizon (a present estimate, a trend) is checked.

    The end of the year it was made in, as the founding example does for its B and C claims;
    the next year's end when fewer than three months remain.
    """
    year = made_at.year if made_at.month < 10 else made_at.year + 1
    return date(year, 12, 31)


def _kind(claim: Claim) -> str:
    q = claim.quantity
    if (
        q is not None
        and claim.probability is None
        and (q.point is not None or q.high is not None and q.low is not None)
    ):
        return "numeric"
    return "binary"


def draft_question(claim: Claim, question_id: str, *, engine: str) -> dict[str, Any]:
    """The draft question for a forecastable claim."""
    check = claim.resolve_by or default_check_date(claim.made_at)
    kind = _kind(claim)
    notes = []
    if claim.horizon_text:
        when = f"{claim.window_start}..{check}" if claim.window_start else str(check)
        notes.append(f'"{claim.horizon_text}" read as {when}')
    else:
        notes.append(f"no horizon in the text; checked on {check} (end of year, to review)")
    if claim.probability_text:
        notes.append(
            f'"{claim.probability_text}" read as {claim.probability:g}'
            + (f" ({claim.scale} '{claim.read_as}')" if claim.read_as else "")
        )
    question: dict[str, Any] = {
        "id": question_id,
        "title": claim.claim,
        "kind": kind,
        "opens_at": claim.made_at.isoformat(),
        "closes_at": check.isoformat(),
    }
    if kind == "numeric" and claim.quantity is not None:
        q = claim.quantity
        scale: dict[str, Any] = {"log_scale": q.scale == "log"}
        if q.unit:
            scale["unit"] = q.unit
        if q.scale == "log":
            low = q.low if q.low is not None else q.point
            high = q.high if q.high is not None else q.point
            assert low is not None and high is not None
            scale["lower"], scale["upper"] = low / 10, high * 10
        question["scale"] = scale
        question["resolve_on"] = check.isoformat()
        notes.append(f'"{q.text}" read as ' + _describe(claim))
    elif claim.window_start is not None or claim.resolve_by is not None:
        # "by X" / "within N years": YES as soon as it happens, NO if the deadline passes.
        question["deadline"] = check.isoformat()
    else:
        question["resolve_on"] = check.isoformat()
    window = (
        f" at any time between {claim.window_start} and {check}"
        if claim.window_start
        else (f" by {check}" if question.get("deadline") else f" on {check}")
    )
    question["criteria"] = (
        f"TO REVIEW: name the source and the rule that decide whether this holds{window}. "
        f"Drafted from: {claim.quote}"
    )
    question["tags"] = ["extracted"]
    question["operationalization"] = {
        "by": f"forecasts extract ({engine})",
        "note": "; ".join(notes),
    }
    question["review"] = REVIEW_PENDING
    return question


def _describe(claim: Claim) -> str:
    q = claim.quantity
    assert q is not None
    unit = f" {q.unit}" if q.unit else ""
    if q.low is not None and q.high is not None:
        return f"a 90% interval [{q.low:g}, {q.high:g}]{unit}" + (
            " on a log scale" if q.scale == "log" else ""
        )
    return f"a median of {q.point:g}{unit}"


def draft_forecast(
    claim: Claim, question_id: str, handle: str, *, source_url: str | None, published: date
) -> dict[str, Any]:
    """The speaker's forecast on the draft (or matched) question, backdated to ``made_at``."""
    forecast: dict[str, Any] = {
        "question": question_id,
        "by": handle,
        "made_at": claim.made_at.isoformat(),
    }
    q = claim.quantity
    if _kind(claim) == "numeric" and q is not None:
        if q.low is not None and q.high is not None:
            forecast["interval"] = {
                "low": q.low,
                "high": q.high,
                "coverage": 0.9,
                "log_scale": q.scale == "log",
            }
        else:
            forecast["quantiles"] = {0.5: q.point}
    elif claim.read_as is not None and claim.probability_text is not None:
        forecast["said"] = claim.probability_text
        if claim.probability_text.lower() != claim.read_as:
            forecast["read_as"] = claim.read_as
        forecast["scale"] = claim.scale or "icd203"
    elif claim.probability is not None:
        forecast["p"] = claim.probability
    else:
        # An unhedged assertion, read as ICD 203 "very likely" like the founding example's C.
        forecast["said"] = claim.claim
        forecast["read_as"] = UNHEDGED_TERM
        forecast["scale"] = "icd203"
    if source_url:
        forecast["source"] = source_url
    forecast["published_at"] = published.isoformat()
    forecast["quote"] = claim.quote
    forecast["note"] = f"In context: {claim.context}" if claim.context else None
    if forecast["note"] is None:
        del forecast["note"]
    forecast["review"] = REVIEW_PENDING
    return forecast
