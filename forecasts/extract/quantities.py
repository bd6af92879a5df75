"""Read stated quantities: ranges, points, bounds, and orders of magnitude.

"one to two orders of magnitude" is the ratio range 10..100 on a log scale; "between 620 and
1,050 TWh" is a linear range with a unit; "2.1%" is a point. Years, dates and the numbers of
a probability are not quantities; the caller passes the spans to skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._numbers import NUMBER_WORDS, read_number

__all__ = ["Quantity", "read_quantity"]


@dataclass(frozen=True)
class Quantity:
    """A quantity as stated: a point, or a range (``low``..``high``), with unit and scale."""

    text: str
    start: int
    end: int
    low: float | None = None
    high: float | None = None
    point: float | None = None
    unit: str | None = None
    scale: str = "linear"


_WORD = "|".join(sorted((w for w in NUMBER_WORDS if len(w) > 2), key=len, reverse=True))
_N = rf"(\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|{_WORD})"
_MAGNITUDE_WORDS = r"(?:\s*(trillion|billion|million|thousand|bn|tn|m|k)\b)?"
_CURRENCY = r"(US\$|\$|€|£|¥|HK\$|A\$|C\$)?"
_UNITS = (
    r"percentage\s+points?|basis\s+points|bps|per\s?cent|percent|%|°C|degrees(?:\s+Celsius)?|"
    r"TWh|GWh|MWh|GW|MW|kW|gigawatts|megawatts|barrels(?:\s+(?:a|per)\s+day)?|bpd|"
    r"tonnes|tons|metric\s+tons|people|jobs|units|vehicles|cars|homes|seats|votes|electoral\s+votes|points|"
    r"goals|wins|games|medals|users|subscribers|customers|visitors|passengers|flights|"
    r"dollars|euros|pounds|yen|yuan|times|x|a\s+barrel|per\s+barrel|an\s+ounce|per\s+ounce|"
    r"kilometres|kilometers|miles|hectares|years|days|cases|deaths|rupees"
)
_UNIT = rf"(?:\s*({_UNITS}))?"
_APPROX = r"about|around|roughly|approximately|nearly|almost|some|close\s+to"
_ORDERS = re.compile(
    rf"\b(?:(an|one|a\s+single)|{_N}(?:\s*(?:to|-|–|or)\s*{_N})?)\s+orders?\s+of\s+magnitude\b",
    re.IGNORECASE,
)
_RANGE = re.compile(
    rf"(?:\bbetween\s+|\bfrom\s+)?{_CURRENCY}{_N}{_MAGNITUDE_WORDS}{_UNIT}\s*"
    rf"(?:and|to|-|–)\s*{_CURRENCY}{_N}{_MAGNITUDE_WORDS}{_UNIT}",
    re.IGNORECASE,
)
_BOUND = re.compile(
    rf"\b(at\s+least|more\s+than|over|above|exceed(?:ing)?|upwards\s+of|at\s+most|"
    rf"less\s+than|below|under|up\s+to|no\s+more\s+than|{_APPROX})\s+"
    rf"{_CURRENCY}{_N}{_MAGNITUDE_WORDS}{_UNIT}",
    re.IGNORECASE,
)
_POINT = re.compile(rf"{_CURRENCY}{_N}{_MAGNITUDE_WORDS}{_UNIT}", re.IGNORECASE)
_YEARLIKE = re.compile(r"^(?:19|20)\d\d$")


def _unit(currency: str | None, magnitude: str | None, unit: str | None) -> str | None:
    parts = []
    if magnitude:
        parts.append(
            {"bn": "billion", "tn": "trillion", "m": "million", "k": "thousand"}.get(
                magnitude.lower(), magnitude.lower()
            )
        )
    if currency:
        parts.append(
            {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}.get(
                currency, currency.rstrip("$") + "D"
            )
        )
    if unit:
        word = " ".join(unit.split())
        lowered = word.lower()
        parts.append({"percent": "%", "per cent": "%", "times": "x"}.get(lowered, word))
    return " ".join(parts) or None


def _overlaps(start: int, end: int, skip: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in skip)


def read_quantity(sentence: str, skip: list[tuple[int, int]] | None = None) -> Quantity | None:
    """The first stated quantity in ``sentence`` outside the ``skip`` spans.

    >>> q = read_quantity("one to two orders of magnitude larger")
    >>> (q.low, q.high, q.scale)
    (10.0, 100.0, 'log')
    >>> q = read_quantity("demand of between 620 and 1,050 TWh")
    >>> (q.low, q.high, q.unit)
    (620.0, 1050.0, 'TWh')
    >>> q = read_quantity("inflation of 2.1% next year")
    >>> (q.point, q.unit)
    (2.1, '%')
    """
    spans = list(skip or [])
    match = _ORDERS.search(sentence)
    if match and not _overlaps(match.start(), match.end(), spans):
        first = 1.0 if match.group(1) else (read_number(match.group(2)) or 1.0)
        last = read_number(match.group(3) or "") or first
        text, start, end = match.group(0), match.start(), match.end()
        if last == first:  # "two orders of magnitude": a point, 100x
            return Quantity(text, start, end, point=10.0**first, unit="x", scale="log")
        return Quantity(text, start, end, low=10.0**first, high=10.0**last, unit="x", scale="log")
    for match in _RANGE.finditer(sentence):
        low, high = read_number(match.group(2)), read_number(match.group(6))
        if low is None or high is None or low >= high:
            continue
        if _YEARLIKE.match(match.group(2)) and _YEARLIKE.match(match.group(6)):
            continue
        if _overlaps(match.start(), match.end(), spans):
            continue
        unit = _unit(
            match.group(5) or match.group(1),
            match.group(7) or match.group(3),
            match.group(8) or match.group(4),
        )
        if unit is None and not match.group(0).lower().startswith("between"):
            continue
        if match.group(0).lower().startswith("from"):
            # "rise from 2% to 3%": the first number is where it starts, the second the claim
            return Quantity(match.group(0), match.start(), match.end(), point=high, unit=unit)
        return Quantity(match.group(0), match.start(), match.end(), low=low, high=high, unit=unit)
    for match in _BOUND.finditer(sentence):
        value = read_number(match.group(3))
        unit = _unit(match.group(2), match.group(4), match.group(5))
        if value is None or _overlaps(match.start(), match.end(), spans) or unit is None:
            continue
        word = match.group(1).lower()
        text = match.group(0)
        if word.startswith(("at least", "more", "over", "above", "exceed", "upwards")):
            return Quantity(text, match.start(), match.end(), low=value, unit=unit)
        if word.startswith(("at most", "less", "below", "under", "up to", "no more")):
            return Quantity(text, match.start(), match.end(), high=value, unit=unit)
        return Quantity(text, match.start(), match.end(), point=value, unit=unit)
    for match in _POINT.finditer(sentence):
        value = read_number(match.group(2))
        unit = _unit(match.group(1), match.group(3), match.group(4))
        if value is None or unit is None or _overlaps(match.start(), match.end(), spans):
            continue
        if _YEARLIKE.match(match.group(2)) and not match.group(4):
            continue
        return Quantity(match.group(0), match.start(), match.end(), point=value, unit=unit)
    return None
