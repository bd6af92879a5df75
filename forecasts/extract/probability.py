"""Read stated probabilities: verbal phrases on ICD 203 / IPCC, percentages, "N in M", odds.

Verbal phrases are looked up in :mod:`forecasts.domain.verbal` (the project's scales). Hedges
that belong to neither scale ("high likelihood", "good chance") are read as the nearest
ICD 203 term and keep both the words and the term, as the founding example does. "Below X%"
is recorded as 0.75 X, the project's rule; "above X%" mirrors it (X + 0.25 (1 - X)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forecasts.domain.verbal import SCALES, lookup_phrase

from ._numbers import NUMBER_WORDS, read_number

__all__ = ["ProbabilityReading", "read_probability"]


@dataclass(frozen=True)
class ProbabilityReading:
    """A probability found in text: the words, the point value and its band."""

    text: str
    start: int
    end: int
    probability: float
    low: float
    high: float
    scale: str | None = None
    term: str | None = None


# Phrases outside both scales, read as an ICD 203 term (the analyst can change it on review).
_HEDGES: dict[str, str] = {
    "high likelihood": "very likely",
    "high probability": "very likely",
    "strong likelihood": "very likely",
    "highly likely": "very likely",
    "almost certainly": "almost certain",
    "all but certain": "almost certain",
    "near certain": "almost certain",
    "good chance": "likely",
    "strong chance": "likely",
    "fair chance": "roughly even chance",
    "decent chance": "roughly even chance",
    "better than even chance": "likely",
    "better than even": "likely",
    "more likely than not": "likely",
    "probably": "likely",
    "fifty-fifty": "roughly even chance",
    "coin flip": "roughly even chance",
    "toss-up": "roughly even chance",
    "slim chance": "very unlikely",
    "small chance": "very unlikely",
    "low probability": "very unlikely",
    "low likelihood": "very unlikely",
    "not likely": "unlikely",
    "doubtful": "unlikely",
    "highly unlikely": "very unlikely",
    "no chance": "almost no chance",
    "little chance": "very unlikely",
}
# IPCC terms that ICD 203 lacks are read on the IPCC scale; shared terms use ICD 203.
_IPCC_ONLY = [p for p in SCALES["ipcc"] if p not in SCALES["icd203"] and p not in _HEDGES]


def _verbal_pattern() -> re.Pattern[str]:
    phrases = set(SCALES["icd203"]) | set(_IPCC_ONLY) | set(_HEDGES)
    alternation = "|".join(
        re.escape(p).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
        for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)


_VERBAL = _verbal_pattern()
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|an?)"
_BOUND = r"(?:(less than|below|under|lower than|more than|above|over|at least|greater than)\s+)?"
_CHANCE_NOUN = r"(?:chance|probability|likelihood|odds|risk|possibility)"
_PERCENT = re.compile(
    rf"\b{_BOUND}(\d+(?:\.\d+)?)\s*(?:%|\s?per\s?cent|\s?percent)"
    rf"\s+(?:{_CHANCE_NOUN}|likely|probable)\b",
    re.IGNORECASE,
)
_NOUN_OF_PERCENT = re.compile(
    rf"\b{_CHANCE_NOUN}\s+(?:is\s+|of\s+|at\s+)?{_BOUND}(?:about\s+|around\s+|roughly\s+)?"
    r"(\d+(?:\.\d+)?)\s*(?:%|\s?per\s?cent|\s?percent)",
    re.IGNORECASE,
)
_IN = re.compile(
    rf"\b(?:odds\s+of\s+)?{_NUM}\s+(?:in|out\s+of)\s+{_NUM}\b(?:\s+{_CHANCE_NOUN})?",
    re.IGNORECASE,
)
_ODDS = re.compile(r"\bodds\s+of\s+(\d+)\s*(?:to|:)\s*(\d+)(\s+against)?", re.IGNORECASE)


def _bounded(value: float, bound: str | None) -> tuple[float, float, float]:
    bound = (bound or "").lower()
    if bound in ("less than", "below", "under", "lower than"):
        return round(0.75 * value, 6), 0.0, value
    if bound in ("more than", "above", "over", "at least", "greater than"):
        return round(value + 0.25 * (1 - value), 6), value, 1.0
    return value, value, value


def _numeric(sentence: str) -> ProbabilityReading | None:
    for pattern in (_PERCENT, _NOUN_OF_PERCENT):
        match = pattern.search(sentence)
        if match:
            value = float(match.group(2)) / 100
            if 0 <= value <= 1:
                point, low, high = _bounded(value, match.group(1))
                return ProbabilityReading(
                    match.group(0), match.start(), match.end(), point, low, high
                )
    match = _ODDS.search(sentence)
    if match:
        a, b = float(match.group(1)), float(match.group(2))
        if a + b > 0:
            value = b / (a + b) if match.group(3) else a / (a + b)
            return ProbabilityReading(
                match.group(0), match.start(), match.end(), round(value, 6), value, value
            )
    for match in _IN.finditer(sentence):
        favour, total = read_number(match.group(1)), read_number(match.group(2))
        chance_word = match.group(0).lower().startswith("odds") or re.search(
            _CHANCE_NOUN, match.group(0), re.IGNORECASE
        )
        # "3 in 4" alone is too common in prose ("3 in 4 voters"); the sentence must speak of
        # a chance, odds or probability before it ("put the odds of X at 1 in 10").
        near = re.search(rf"\b{_CHANCE_NOUN}\b", sentence[: match.end() + 20], re.IGNORECASE)
        if favour is None or not total or favour > total or not (chance_word or near):
            continue
        value = round(favour / total, 6)
        return ProbabilityReading(match.group(0), match.start(), match.end(), value, value, value)
    return None


def _verbal(sentence: str) -> ProbabilityReading | None:
    match = _VERBAL.search(sentence)
    if match is None:
        return None
    phrase = " ".join(match.group(0).lower().replace("-", " ").split())
    hedged = {" ".join(k.replace("-", " ").split()): v for k, v in _HEDGES.items()}
    if phrase in hedged:
        scale, term = "icd203", hedged[phrase]
    elif phrase in SCALES["icd203"]:
        scale, term = "icd203", phrase
    else:
        scale, term = "ipcc", phrase
    band = lookup_phrase(term, scale)
    return ProbabilityReading(
        match.group(0),
        match.start(),
        match.end(),
        band.midpoint,
        band.low,
        band.high,
        scale=scale,
        term=band.term,
    )


def read_probability(sentence: str) -> ProbabilityReading | None:
    """The stated probability in ``sentence``, numbers before words.

    >>> read_probability("a 30% chance of a recession").probability
    0.3
    >>> r = read_probability("predicted a high likelihood that it happens")
    >>> (r.text, r.term, r.probability)
    ('high likelihood', 'very likely', 0.875)
    >>> read_probability("odds of 1 in 10").probability
    0.1
    """
    return _numeric(sentence) or _verbal(sentence)
