"""The ``rules`` engine: offline, deterministic claim extraction.

For each sentence: find the speaker (quoted speech, ``according to``, ``X said/expects``,
pronouns resolved to the last named person), read the probability, the horizon and the
quantity, and classify the sentence as a claim, a schedule, a plan or a reported fact
(:mod:`.signals`). Claims get a neutral one-sentence statement and a draft question.
"""

from __future__ import annotations

import re
from datetime import date

from .attribution import (
    Attribution,
    SpeakerTracker,
    find_attribution,
    find_organizations,
    find_people,
    resolve_definite,
)
from .dating import statement_date
from .horizons import Horizon, read_horizon
from .models import Claim, ClaimQuantity, Extraction, SetAside
from .probability import ProbabilityReading, read_probability
from .quantities import Quantity, read_quantity
from .sentences import Sentence, split_sentences
from .signals import classify, find_trend, read_signals

__all__ = ["extract_rules", "neutral_claim", "reason_not_forecastable"]

_OPEN_QUOTES = '"“‘'
_CLOSE_QUOTES = '"”’'
_MODALS = re.compile(
    r"\b(?:could|may|might|would|should|is\s+likely\s+to|are\s+likely\s+to|will\s+likely|"
    r"is\s+expected\s+to|are\s+expected\s+to|is\s+set\s+to|are\s+set\s+to|is\s+poised\s+to|"
    r"are\s+poised\s+to|is\s+on\s+track\s+to|are\s+on\s+track\s+to)\b"
)
_SEGMENTS = re.compile(r"\s*(?:—|–|;|\s-\s|,\s+but\s+|,\s+while\s+|,\s+although\s+)\s*")


def _quote_balance(text: str) -> int:
    opens = sum(text.count(c) for c in "“")
    closes = sum(text.count(c) for c in "”")
    straight = text.count('"')
    return opens - closes + (straight % 2 if text.lstrip()[:1] == '"' else 0)


def _speaker_for(
    attribution: Attribution | None, tracker: SpeakerTracker
) -> tuple[str | None, str | None, str]:
    if attribution is None or attribution.speaker is None:
        return None, None, "unknown"
    speaker = attribution.speaker
    if speaker.lower() in ("he", "she", "i", "it", "they", "we"):
        resolved = tracker.resolve(speaker)
        if resolved is None:
            return None, None, "unknown"
        return resolved
    definite = resolve_definite(speaker, tracker)
    if definite is not None:
        return definite, tracker.roles.get(definite), "organization"
    kind = attribution.kind
    if kind == "person" and len(speaker.split()) == 1 and not tracker.known_person(speaker):
        kind = "organization"  # a lone capitalised word not seen as a surname: "Opta", "Fitch"
    tracker.note(speaker, attribution.role, kind)
    return speaker, attribution.role or tracker.roles.get(speaker), kind


def _core(sentence: str, *, anchor: int, attribution: Attribution | None) -> str:
    """The part of the sentence that states the claim: the clause around ``anchor``."""
    text = sentence
    offset = 0
    if attribution is not None and attribution.verb_end <= anchor:
        after = text[attribution.verb_end :]
        that = re.match(r"\s*(?:that\s+|,\s*)?", after)
        offset = attribution.verb_end + (that.end() if that else 0)
        text = text[offset:]
    pieces = list(_SEGMENTS.finditer(text))
    start, end = 0, len(text)
    for piece in pieces:
        if piece.end() <= anchor - offset:
            start = piece.end()
        elif piece.start() >= anchor - offset:
            end = piece.start()
            break
    return text[start:end]


_ESTIMATE_OF = re.compile(
    r"\b\w+(?:ed|s)\s+(?P<obj>the\s+[^—–;,]+?)\s*(?:—|–|,)\s*(?:estimating|putting|expecting|"
    r"projecting|predicting|forecasting|reckoning|judging)\s+(?:it|them)\s+(?:to\s+be\s+|at\s+)"
    r"(?P<rest>[^—–;]+)"
)


def _estimate_of(sentence: str) -> str | None:
    """'acknowledged the X—estimating it to be Y' -> 'the X is Y' (the pronoun resolved)."""
    match = _ESTIMATE_OF.search(sentence)
    if match is None:
        return None
    return f"{match.group('obj')} is {match.group('rest')}"


def neutral_claim(
    core: str, horizon: Horizon | None, probability: ProbabilityReading | None
) -> str:
    """A plain statement of what would be true: hedges and horizon words out, dates in."""
    text = core
    if probability is not None and probability.text in text:
        head, _, tail = text.partition(probability.text)
        tail = re.sub(r"^\s*(?:that|of|for)\s+", "", tail)
        text = tail if len(tail.split()) >= 3 else head + tail
    if horizon is not None and horizon.text in text:
        text = text.replace(horizon.text, " ")
    text = _MODALS.sub("will", text)
    text = re.sub(r"^[\s\"“”‘’,;:]+|[\s\"“”‘’,;:.]+$", "", text)
    text = re.sub(r"\s+([,.;])", r"\1", " ".join(text.split()))
    if horizon is not None and horizon.resolve_by is not None:
        if horizon.window_start is not None:
            text += f" between {horizon.window_start} and {horizon.resolve_by}"
        else:
            text += f" by {horizon.resolve_by}"
    return (text[:1].upper() + text[1:] + ".") if text else ""


def reason_not_forecastable(
    horizon: Horizon | None, quantity: Quantity | None, trend: bool
) -> str | None:
    """Why a claim cannot be resolved as stated (None when it can)."""
    if horizon is not None and horizon.vague:
        return f"vague horizon '{horizon.text}'"
    if horizon is not None:
        return None
    if quantity is not None or trend:
        return None
    return "no date and no measurable quantity"


def _context(text: str, sentence: Sentence, width: int = 240) -> str:
    start = max(0, sentence.start - width)
    end = min(len(text), sentence.end + width)
    before = text[start : sentence.start].split("\n")[-1]
    after = text[sentence.end : end].split("\n")[0]
    return (
        ("…" if before and start > 0 else "")
        + before
        + "["
        + sentence.text
        + "]"
        + after
        + ("…" if after and end < len(text) else "")
    ).strip()


def _skip_spans(
    probability: ProbabilityReading | None, horizon: Horizon | None, sentence: str
) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"\b(?:19|20)\d\d\b", sentence)]
    for found in (probability, horizon):
        if found is not None:
            spans.append((found.start, found.end))
    return spans


def extract_rules(text: str, *, made_at: date, source: str | None = None) -> Extraction:
    """Every claim in ``text`` (published on ``made_at``), with facts/schedules/plans set aside.

    >>> e = extract_rules("Ann Lee, an economist, said inflation would fall to 2% next year.",
    ...                   made_at=date(2026, 1, 10))
    >>> c = e.claims[0]
    >>> (c.speaker, c.resolve_by.isoformat(), c.quantity.point, c.forecastable)
    ('Ann Lee', '2027-12-31', 2.0, True)
    """
    tracker = SpeakerTracker()
    sentences = split_sentences(text)
    claims: list[Claim] = []
    set_aside: list[SetAside] = []
    pending_quote: list[int] = []  # sentences inside an open quotation, waiting for a speaker
    attributions: dict[int, Attribution | None] = {}
    for index, sentence in enumerate(sentences):
        attribution = find_attribution(sentence.text)
        attributions[index] = attribution
        if sentence.text[:1] in _OPEN_QUOTES and _quote_balance(sentence.text) > 0:
            pending_quote.append(index)
        elif pending_quote and attribution is not None:
            for waiting in pending_quote:
                attributions[waiting] = attributions[waiting] or attribution
            pending_quote = []
    for index, sentence in enumerate(sentences):
        attribution = attributions[index]
        speaker, role, kind = _speaker_for(attribution, tracker)
        said_on = statement_date(sentence.text, made_at) or made_at
        probability = read_probability(sentence.text)
        horizon = read_horizon(sentence.text, said_on)
        quantity = read_quantity(sentence.text, _skip_spans(probability, horizon, sentence.text))
        signals = read_signals(sentence.text)
        verdict, why = classify(
            signals,
            attributed=speaker is not None,
            has_probability=probability is not None,
            has_horizon=horizon is not None,
            has_quantity=quantity is not None,
        )
        for organization in find_organizations(sentence.text):
            tracker.note(organization, None, "organization")
        for person in find_people(sentence.text):
            if person != speaker:
                tracker.note(person, None, "person")
        if verdict in ("schedule", "plan", "fact"):
            set_aside.append(
                SetAside(
                    kind=verdict,
                    quote=sentence.text,
                    start=sentence.start,
                    end=sentence.end,
                    reason=why,
                )
            )
            continue
        if verdict != "claim":
            continue
        trend = find_trend(sentence.text)
        anchors = [f.start for f in (probability, quantity) if f is not None]
        anchors += [trend.start()] if trend else []
        anchors += [horizon.start] if horizon else []
        anchor = anchors[0] if anchors else (attribution.verb_end if attribution else 0)
        core = _estimate_of(sentence.text) or _core(
            sentence.text, anchor=anchor, attribution=attribution
        )
        reason = reason_not_forecastable(horizon, quantity, signals.trend)
        claims.append(
            Claim(
                speaker=speaker,
                speaker_role=role,
                speaker_kind=kind,
                quote=sentence.text,
                start=sentence.start,
                end=sentence.end,
                claim=neutral_claim(core, horizon, probability) or sentence.text,
                made_at=said_on,
                horizon_text=horizon.text if horizon else None,
                window_start=horizon.window_start if horizon else None,
                resolve_by=horizon.resolve_by if horizon else None,
                probability_text=probability.text if probability else None,
                probability=probability.probability if probability else None,
                band=(probability.low, probability.high) if probability else None,
                scale=probability.scale if probability else None,
                read_as=probability.term if probability else None,
                quantity=_quantity(quantity),
                forecastable=reason is None,
                reason=reason or why,
                context=_context(text, sentence),
            )
        )
    return Extraction(
        engine="rules", source=source, made_at=made_at, claims=claims, not_predictions=set_aside
    )


def _quantity(found: Quantity | None) -> ClaimQuantity | None:
    if found is None:
        return None
    scale = "log" if found.scale == "log" else "linear"
    return ClaimQuantity(
        text=found.text,
        low=found.low,
        high=found.high,
        point=found.point,
        unit=found.unit,
        scale=scale,
    )
