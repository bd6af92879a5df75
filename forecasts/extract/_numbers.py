"""Numbers as written in prose: digits with separators, and small number words."""

from __future__ import annotations

import re

__all__ = ["NUMBER_WORDS", "read_number"]

NUMBER_WORDS: dict[str, float] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "a dozen": 12,
    "a couple of": 2,
    "a": 1,
    "an": 1,
    "half a": 0.5,
}
_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def read_number(text: str) -> float | None:
    """``"1,050"`` -> 1050.0, ``"three"`` -> 3.0; None when it is not a number.

    >>> read_number("1,050"), read_number("Three"), read_number("x")
    (1050.0, 3.0, None)
    """
    word = " ".join(text.lower().split())
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    if _DIGITS.match(word):
        return float(word.replace(",", ""))
    return None
