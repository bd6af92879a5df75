"""Quick capture: "Will X happen by DATE? 70%" read as a binary question and a forecast.

Framework-free; the services record what this reads, the CLI and the home page share it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from forecasts.errors import FieldError

__all__ = ["QuickCapture", "parse_by_date", "parse_quick", "split_probability"]

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_TRAILING_P = re.compile(r"\s+(\d+(?:\.\d+)?\s*%|\d*\.\d+|\d+\s*:\s*\d+|[01])\s*$")
_BY = re.compile(r"\bby\s+(?:the\s+)?(?:end\s+of\s+)?(.+?)\s*\??\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class QuickCapture:
    title: str
    deadline: datetime
    probability: str


def _end_of_day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=UTC)


def _last_day(year: int, month: int) -> datetime:
    return _end_of_day(year, month, calendar.monthrange(year, month)[1])


def parse_by_date(text: str) -> datetime:
    """The end (23:59:59 UTC) of the day, month or year ``text`` names.

    >>> parse_by_date("2027-06-30").isoformat()
    '2027-06-30T23:59:59+00:00'
    >>> parse_by_date("March 2027").isoformat(), parse_by_date("2027").date().isoformat()
    ('2027-03-31T23:59:59+00:00', '2027-12-31')
    >>> parse_by_date("1 July 2027").date().isoformat(), parse_by_date("Jul 1, 2027").day
    ('2027-07-01', 1)
    """
    words = text.strip().rstrip("?.").replace(",", " ").split()
    try:
        if len(words) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", words[0]):
            year, month, day = (int(x) for x in words[0].split("-"))
            return _end_of_day(year, month, day)
        if len(words) == 1 and re.fullmatch(r"\d{4}-\d{2}", words[0]):
            year, month = (int(x) for x in words[0].split("-"))
            return _last_day(year, month)
        if len(words) == 1 and re.fullmatch(r"\d{4}", words[0]):
            return _end_of_day(int(words[0]), 12, 31)
        lowered = [w.lower() for w in words]
        if len(words) == 2 and lowered[0] in _MONTHS and words[1].isdigit():
            return _last_day(int(words[1]), _MONTHS[lowered[0]])
        if len(words) == 3 and words[2].isdigit():
            if lowered[1] in _MONTHS and words[0].isdigit():
                return _end_of_day(int(words[2]), _MONTHS[lowered[1]], int(words[0]))
            if lowered[0] in _MONTHS and words[1].isdigit():
                return _end_of_day(int(words[2]), _MONTHS[lowered[0]], int(words[1]))
    except ValueError:
        pass
    raise FieldError(
        "by", f"'{text.strip()}' is not a date (write 2027-06-30, June 2027, 30 June 2027 or 2027)"
    )


def split_probability(text: str) -> tuple[str, str]:
    """``("Will X happen by 2027?", "70%")`` from ``"Will X happen by 2027? 70%"``."""
    found = _TRAILING_P.search(text)
    if found is None:
        raise FieldError("p", "end the line with a probability: 70%, 0.7 or 7:3")
    return text[: found.start()].strip(), found.group(1).replace(" ", "")


def parse_quick(title: str, probability: str | None = None) -> QuickCapture:
    """Read the question (and, when ``probability`` is None, its trailing probability).

    >>> q = parse_quick("Will it rain in Paris by 2027-01-31? 70%")
    >>> q.title, q.deadline.date().isoformat(), q.probability
    ('Will it rain in Paris by 2027-01-31?', '2027-01-31', '70%')
    """
    text = " ".join(title.split())
    if probability is None:
        text, probability = split_probability(text)
    if not text:
        raise FieldError("title", "required: the question, e.g. 'Will X happen by 2027-06-30?'")
    found = _BY.search(text)
    if found is None:
        raise FieldError("by", "say by when: 'Will X happen by 2027-06-30?'")
    return QuickCapture(title=text, deadline=parse_by_date(found.group(1)), probability=probability)
