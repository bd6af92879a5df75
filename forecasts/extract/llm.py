"""The ``llm`` engine: an OpenAI-compatible model proposes claims; the text has the last word.

The model is asked for JSON (validated with pydantic). A claim whose quote is not an exact
substring of the text is dropped: the model may paraphrase, the ledger may not. Dates,
probabilities and quantities are then read from the model's ``horizon_text``,
``probability_text`` and ``quantity_text`` by the same readers as the ``rules`` engine, so
both engines compute ``resolve_by``, bands and ranges the same way.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forecasts.errors import OperationError

from .attribution import find_attribution
from .horizons import read_horizon
from .models import Claim, ClaimQuantity, Extraction
from .probability import read_probability
from .quantities import read_quantity
from .rules import reason_not_forecastable
from .sentences import split_sentences

__all__ = ["Chat", "LlmAnswer", "LlmClaim", "build_messages", "extract_llm"]

SYSTEM_PROMPT = """You extract forecastable claims from a news text.
A claim is a statement about the future (or an estimate of an uncertain quantity or trend)
made by a named person, an organization, a group, or the author. Schedules ("the summit will
be held on Friday"), plans ("the company plans to open a plant") and reported facts ("shares
rose 40% this week") are NOT claims. Answer with one JSON object:
{"claims": [{"speaker": str|null, "speaker_role": str|null, "quote": str, "claim": str,
"made_at": "YYYY-MM-DD"|null, "horizon_text": str|null, "resolve_by": "YYYY-MM-DD"|null,
"probability_text": str|null, "quantity_text": str|null, "forecastable": bool}]}
Rules: "quote" is copied exactly from the text (one or two sentences, same characters);
"speaker" is the name as written in the text, pronouns replaced by the last named person;
"claim" is one neutral sentence saying what would be true; "made_at" only if the text dates
the statement; "horizon_text", "probability_text", "quantity_text" are the exact words for
when, how likely, and how much; "forecastable" is false if the claim is too vague to check."""


class Chat(Protocol):
    """Anything that answers chat messages (the HTTP client, or a fake in tests)."""

    def complete(self, messages: list[dict[str, str]]) -> str: ...


class LlmClaim(BaseModel):
    """One claim as the model states it (extra keys ignored; the text is checked after)."""

    model_config = ConfigDict(extra="ignore")

    speaker: str | None = None
    speaker_role: str | None = None
    quote: str = Field(min_length=1)
    claim: str = ""
    made_at: date | None = None
    horizon_text: str | None = None
    resolve_by: date | None = None
    probability_text: str | None = None
    quantity_text: str | None = None
    forecastable: bool = True


class LlmAnswer(BaseModel):
    """The model's whole answer."""

    model_config = ConfigDict(extra="ignore")

    claims: list[LlmClaim]


def build_messages(text: str, made_at: date) -> list[dict[str, str]]:
    """The chat messages sent for ``text`` published on ``made_at``."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Published: {made_at.isoformat()}\n\n{text}"},
    ]


def _parse(content: str) -> LlmAnswer:
    body = content.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.DOTALL)
    if fenced:
        body = fenced.group(1)
    try:
        return LlmAnswer.model_validate(json.loads(body))
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, ValidationError):
            first = f"{exc.error_count()} invalid field(s), first: {exc.errors()[0]['loc']}"
        raise OperationError(f"llm: the answer is not the requested JSON ({first})") from None


def _context(text: str, start: int, end: int, width: int = 240) -> str:
    before = text[max(0, start - width) : start].split("\n")[-1]
    after = text[end : end + width].split("\n")[0]
    return (before + "[" + text[start:end] + "]" + after).strip()


def extract_llm(text: str, *, made_at: date, chat: Chat, source: str | None = None) -> Extraction:
    """Claims proposed by the model, kept only where the quote is in ``text``."""
    answer = _parse(chat.complete(build_messages(text, made_at)))
    claims: list[Claim] = []
    warnings: list[str] = []
    sentences = split_sentences(text)
    for item in answer.claims:
        start = text.find(item.quote)
        if start < 0:
            warnings.append(f"dropped a claim whose quote is not in the text: {item.quote[:80]!r}")
            continue
        end = start + len(item.quote)
        said_on = item.made_at if item.made_at and item.made_at <= made_at else made_at
        horizon = read_horizon(item.horizon_text or item.quote, said_on)
        probability = read_probability(item.probability_text or item.quote)
        quantity = read_quantity(item.quantity_text) if item.quantity_text else None
        resolve_by = horizon.resolve_by if horizon else None
        if (
            resolve_by is None
            and item.resolve_by
            and item.resolve_by > said_on
            and not (horizon and horizon.vague)
        ):
            resolve_by = item.resolve_by
        reason = reason_not_forecastable(horizon, quantity, trend=item.forecastable)
        attribution = find_attribution(
            next((s.text for s in sentences if s.start <= start < s.end), item.quote)
        )
        kind = attribution.kind if attribution and attribution.speaker == item.speaker else None
        claims.append(
            Claim(
                speaker=item.speaker,
                speaker_role=item.speaker_role,
                speaker_kind=kind or ("person" if item.speaker else "unknown"),
                quote=item.quote,
                start=start,
                end=end,
                claim=item.claim or item.quote,
                made_at=said_on,
                horizon_text=horizon.text if horizon else item.horizon_text,
                window_start=horizon.window_start if horizon else None,
                resolve_by=resolve_by,
                probability_text=probability.text if probability else None,
                probability=probability.probability if probability else None,
                band=(probability.low, probability.high) if probability else None,
                scale=probability.scale if probability else None,
                read_as=probability.term if probability else None,
                quantity=ClaimQuantity(
                    text=quantity.text,
                    low=quantity.low,
                    high=quantity.high,
                    point=quantity.point,
                    unit=quantity.unit,
                    scale="log" if quantity.scale == "log" else "linear",
                )
                if quantity
                else None,
                forecastable=item.forecastable and reason is None,
                reason=reason
                or ("the model found it too vague" if not item.forecastable else None),
                context=_context(text, start, end),
            )
        )
    return Extraction(
        engine="llm", source=source, made_at=made_at, claims=claims, warnings=warnings
    )
