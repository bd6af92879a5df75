"""Fill each claim's draft question and forecast, and build the import document (``--out``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import yaml

from forecasts.domain import Forecast, Forecaster, Question

from .drafts import REVIEW_PENDING, draft_forecast, draft_question, slug
from .matching import match_claim
from .models import Extraction

__all__ = ["StoreView", "build_draft", "render_yaml"]


class StoreView:
    """What a draft is matched against: questions, forecasts and forecasters already stored."""

    def __init__(
        self,
        questions: Sequence[Question] = (),
        forecasts: Sequence[Forecast] = (),
        forecasters: Sequence[Forecaster] = (),
    ) -> None:
        self.questions = list(questions)
        self.forecasts = list(forecasts)
        self.forecasters = list(forecasters)


_KINDS = {"person": "person", "organization": "organization", "group": "crowd"}


def build_draft(
    extraction: Extraction,
    *,
    source_url: str | None,
    published: date,
    store: StoreView | None = None,
) -> dict[str, Any]:
    """Fill ``claim.question``/``claim.forecast``/``claim.matches``; return the import document.

    Forecastable claims get a draft question (or, with ``store``, the existing questions they
    match) and, when the speaker is known, a forecast by that speaker. Forecasters already in
    the store are referenced by handle, not repeated.
    """
    view = store or StoreView()
    by_name = {f.name.casefold(): f.handle for f in view.forecasters}
    taken = {f.handle for f in view.forecasters}
    recorded = {(f.question_id, f.forecaster, f.made_at.date()) for f in view.forecasts}
    forecasters: dict[str, dict[str, Any]] = {}
    questions: list[dict[str, Any]] = []
    forecasts: list[dict[str, Any]] = []
    counts: dict[str, int] = {}

    def handle_for(name: str, role: str | None, kind: str) -> str:
        known = by_name.get(name.casefold())
        if known is not None:
            return known
        base = slug(name)
        handle, n = base, 1
        while handle in taken and forecasters.get(handle, {}).get("name") != name:
            n += 1
            handle = f"{base}-{n}"
        if handle not in forecasters:
            entry: dict[str, Any] = {
                "handle": handle,
                "name": name,
                "kind": _KINDS.get(kind, "person"),
            }
            if role:
                entry["affiliation"] = role
            entry["review"] = REVIEW_PENDING
            forecasters[handle] = entry
            taken.add(handle)
        return handle

    for claim in extraction.claims:
        if not claim.forecastable:
            continue
        who = slug(claim.speaker) if claim.speaker else "unattributed"
        counts[who] = counts.get(who, 0) + 1
        question_id = f"{claim.made_at:%Y%m%d}-{who[:40]}-{counts[who]}"
        claim.question = draft_question(claim, question_id, engine=extraction.engine)
        matches = match_claim(claim, view.questions, view.forecasts) if view.questions else []
        claim.matches = [m.question_id for m in matches]
        targets = claim.matches or [question_id]
        if not claim.matches:
            questions.append(claim.question)
        if claim.speaker is None:
            continue
        handle = handle_for(claim.speaker, claim.speaker_role, claim.speaker_kind)
        for target in targets:
            if (target, handle, claim.made_at) in recorded:
                continue  # this statement is already on that question
            forecast = draft_forecast(
                claim, target, handle, source_url=source_url, published=published
            )
            claim.forecast = claim.forecast or forecast
            forecasts.append(forecast)
    return {
        "forecasters": list(forecasters.values()),
        "questions": questions,
        "forecasts": forecasts,
    }


def render_yaml(document: dict[str, Any], extraction: Extraction, source: str) -> str:
    """The draft as commented YAML: what to review, then the records, then what was set aside."""
    head = [
        f"# Draft extracted by `forecasts extract` ({extraction.engine} engine) from {source}",
        f"# (published {extraction.made_at}). Every item is marked `review: pending`: check the",
        "# speaker, the quote, the dates and the reading of each probability, write the",
        "# resolution criteria, then delete the mark (or import with --accept-pending).",
        "",
    ]
    body = yaml.safe_dump(
        {k: v for k, v in document.items() if v}, sort_keys=False, allow_unicode=True, width=100
    )
    tail = []
    vague = [c for c in extraction.claims if not c.forecastable]
    if vague:
        tail.append("\n# Claims too vague to resolve (not drafted):")
        tail += [f"#   - {c.speaker or 'unattributed'}: {c.quote}  [{c.reason}]" for c in vague]
    if extraction.not_predictions:
        tail.append("# Set aside as facts, schedules or plans:")
        tail += [f"#   - {s.kind}: {s.quote}" for s in extraction.not_predictions]
    return "\n".join(head) + body + ("\n".join(tail) + "\n" if tail else "")
