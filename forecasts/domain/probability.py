"""Parse a probability as people write it: ``0.7``, ``70%`` or odds ``7:3``."""

from __future__ import annotations

import math
import re

__all__ = ["parse_probability"]

_ODDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")


def parse_probability(text: str | float) -> float:
    """Read a probability in [0, 1].

    >>> parse_probability("70%")
    0.7
    >>> parse_probability("7:3")
    0.7
    >>> parse_probability("0.25")
    0.25
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a probability")
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = text.strip()
        odds = _ODDS.match(raw)
        try:
            if odds:
                favour, against = float(odds.group(1)), float(odds.group(2))
                if favour + against == 0:
                    raise ValueError(f"odds '{raw}' are 0:0")
                value = favour / (favour + against)
            elif raw.endswith("%"):
                value = float(raw[:-1]) / 100
            else:
                value = float(raw)
        except ValueError as exc:
            if "0:0" in str(exc):
                raise
            raise ValueError(f"'{raw}' is not a probability (write 0.7, 70% or odds 7:3)") from None
    if math.isnan(value):
        raise ValueError("probability is NaN; give a number between 0 and 1")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"probability must be between 0 and 1, got {value:g}")
    return round(value, 12)
