"""Time expressions that say *by when*: relative horizons and calendar dates.

``read_horizon(sentence, made_at)`` finds the first forward-looking time expression and
turns it into the date by which the claim can be checked. Relative horizons are computed from
``made_at``: "within three to five years" is the window [made_at + 3y, made_at + 5y] and
resolves at its end; "next year" is 31 December of the next year; "by the end of the decade"
is 31 December of the decade's last year (2029 for the 2020s); "in Q3" is the quarter's last
day (this year's, or next year's if it has passed). Calendar dates ("by March 2027",
"on 15 June 2028") are parsed by dateparser, month-only dates taking the month's last day.
Vague horizons ("in the coming years", "eventually") are reported as vague, with no date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ._numbers import NUMBER_WORDS, read_number

__all__ = ["Horizon", "add_years", "read_horizon"]


@dataclass(frozen=True)
class Horizon:
    """A time expression: its words, offsets, and the check date it implies (None if vague)."""

    text: str
    start: int
    end: int
    resolve_by: date | None
    window_start: date | None = None

    @property
    def vague(self) -> bool:
        return self.resolve_by is None


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes 28 February).

    >>> add_years(date(2026, 1, 10), 5)
    datetime.date(2031, 1, 10)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift(day: date, amount: float, unit: str) -> date:
    unit = unit.lower().rstrip("s")
    if unit == "decade":
        return add_years(day, round(amount * 10))
    if unit == "year":
        if amount == int(amount):
            return add_years(day, int(amount))
        return day + timedelta(days=round(amount * 365.25))
    if unit == "month":
        return _add_months(day, round(amount))
    if unit == "week":
        return day + timedelta(weeks=amount)
    return day + timedelta(days=amount)


_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(years?|months?|weeks?|days?|decades?)"
_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_VAGUE = re.compile(
    r"\b(?:in|over|during)\s+the\s+(?:coming|next\s+few|years|decades|months)\s*"
    r"(?:years|decades|months|ahead)?\b|\b(?:in\s+the\s+(?:near|distant|long)\s+"
    r"(?:future|term|run)|in\s+the\s+future|eventually|one\s+day|someday|some\s+day|"
    r"sooner\s+or\s+later|before\s+long|over\s+time|in\s+the\s+long\s+run|"
    r"in\s+(?:the\s+)?years\s+to\s+come|in\s+a\s+few\s+years|soon)\b",
    re.IGNORECASE,
)
_RANGE = re.compile(
    rf"\b(?:within|in|over|during)\s+(?:the\s+)?(?:next\s+|coming\s+)?{_NUM}\s*"
    rf"(?:to|-|–|or)\s*{_NUM}\s+{_UNIT}\b",
    re.IGNORECASE,
)
_SPAN = re.compile(
    rf"\b(?:(?:within|in|over|during|inside)\s+(?:the\s+)?(?:next\s+|coming\s+)?"
    rf"{_NUM}\s+{_UNIT}(?:'\s*time|\s+time)?|{_NUM}\s+{_UNIT}\s+from\s+now|"
    rf"within\s+(?:the\s+next\s+)?(a|an)\s+{_UNIT})\b",
    re.IGNORECASE,
)
_QUARTER = re.compile(
    r"\b(?:in|by|during|for|before)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?(?:Q([1-4])|(first|second|third|fourth)\s+quarter)"
    r"(?:\s+of)?(?:\s+(20\d\d))?\b",
    re.IGNORECASE,
)
_HALF = re.compile(
    r"\b(?:in|by|during)\s+the\s+(first|second)\s+half\s+of\s+(?:(this|next|the)\s+year|"
    r"(20\d\d))",
    re.IGNORECASE,
)
_DECADE = re.compile(
    r"\b(?:by|before|until)\s+the\s+end\s+of\s+(?:the|this)\s+decade\b|"
    r"\b(?:by|before)\s+the\s+decade'?s\s+end\b|\b(?:later\s+)?this\s+decade\b",
    re.IGNORECASE,
)
_YEAR_END = re.compile(
    r"\b(?:by|before|until)\s+(?:the\s+)?(?:end\s+of\s+(?:the|this)\s+year|year[-\s]end)\b|"
    r"\blater\s+this\s+year\b|\bthis\s+year\b|\bby\s+the\s+end\s+of\s+(20\d\d)\b",
    re.IGNORECASE,
)
_NEXT = re.compile(
    r"\b(?:by\s+the\s+end\s+of\s+|in\s+|during\s+|over\s+)?(?:the\s+)?next\s+"
    r"(year|month|quarter|decade|week)\b|\bthe\s+coming\s+(year)\b",
    re.IGNORECASE,
)
_PART_OF_YEAR = re.compile(
    r"\b(?:by|in|until|before|around)\s+(early|mid|late|the\s+middle\s+of|the\s+end\s+of)"
    r"[\s-]+(20\d\d)\b",
    re.IGNORECASE,
)
_CALENDAR = re.compile(
    rf"\b(?:by|on|before|until|in|around|from|through|as\s+of)\s+((?:\d{{1,2}}\s+{_MONTHS}|"
    rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?|{_MONTHS})\s+(20\d\d)|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_YEARS = re.compile(r"\bbetween\s+(20\d\d)\s+and\s+(20\d\d)\b", re.IGNORECASE)
_MONTH_ONLY = re.compile(
    rf"\b(?:by|in|before|until|on|through)\s+(?:(early|mid|late)[\s-]+)?({_MONTHS})"
    rf"(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?)?\b(?!\s*,?\s*\d{{4}})(?!\s+\d{{1,2}},?\s+\d{{4}})"
)
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_YEAR = re.compile(
    r"\b(?:by|in|before|until|through|for|during|of|from|after|to)\s+(?:at\s+least\s+|"
    r"the\s+end\s+of\s+)?(?:fiscal\s+(?:year\s+)?|"
    r"FY\s?|the\s+year\s+)?(20\d\d)\b|\bFY\s?(20\d\d)\b",
    re.IGNORECASE,
)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def _calendar(text: str, made_at: date) -> date | None:
    import dateparser  # the one calendar parser; imported here to keep start-up fast

    month_only = not re.search(r"\d{1,2}(?:st|nd|rd|th)?[\s,]", text.split("20")[0] + " ")
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "PREFER_DAY_OF_MONTH": "last" if month_only else "current",
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": _as_datetime(made_at),
            "REQUIRE_PARTS": ["month", "year"],
        },
    )
    return parsed.date() if parsed is not None else None


def _as_datetime(day: date) -> object:
    from datetime import datetime

    return datetime(day.year, day.month, day.day)


def _quarter_end(year: int, quarter: int) -> date:
    return _month_end(year, quarter * 3)


def _candidates(sentence: str, made_at: date) -> list[Horizon]:
    found: list[Horizon] = []

    def add(match: re.Match[str], resolve_by: date | None, start: date | None = None) -> None:
        found.append(Horizon(match.group(0), match.start(), match.end(), resolve_by, start))

    for m in _RANGE.finditer(sentence):
        low, high = read_number(m.group(1)), read_number(m.group(2))
        if low is not None and high is not None and low < high:
            add(m, _shift(made_at, high, m.group(3)), _shift(made_at, low, m.group(3)))
    for m in _SPAN.finditer(sentence):
        amount = read_number(m.group(1) or m.group(3) or m.group(5) or "")
        unit = m.group(2) or m.group(4) or m.group(6)
        if amount is not None and unit:
            add(m, _shift(made_at, amount, unit))
    for m in _DECADE.finditer(sentence):
        add(m, date(made_at.year // 10 * 10 + 9, 12, 31))
    for m in _YEAR_END.finditer(sentence):
        year = int(m.group(1)) if m.group(1) else made_at.year
        add(m, date(year, 12, 31))
    for m in _NEXT.finditer(sentence):
        unit = (m.group(1) or m.group(2)).lower()
        if unit == "year":
            add(m, date(made_at.year + 1, 12, 31))
        elif unit == "month":
            nxt = _add_months(made_at.replace(day=1), 1)
            add(m, _month_end(nxt.year, nxt.month))
        elif unit == "quarter":
            q = (made_at.month - 1) // 3 + 2
            add(m, _quarter_end(made_at.year + (q > 4), (q - 1) % 4 + 1))
        elif unit == "decade":
            add(m, date(made_at.year // 10 * 10 + 19, 12, 31))
        else:
            add(m, made_at + timedelta(days=13 - made_at.weekday()))
    for m in _QUARTER.finditer(sentence):
        quarter = int(m.group(1)) if m.group(1) else _QUARTER_WORDS[m.group(2).lower()]
        year = int(m.group(3)) if m.group(3) else made_at.year
        if not m.group(3) and _quarter_end(year, quarter) < made_at:
            year += 1
        add(m, _quarter_end(year, quarter))
    for m in _HALF.finditer(sentence):
        if m.group(3):
            year = int(m.group(3))
        else:
            year = made_at.year + (m.group(2).lower() == "next")
        add(m, date(year, 6, 30) if m.group(1).lower() == "first" else date(year, 12, 31))
    for m in _PART_OF_YEAR.finditer(sentence):
        part, year = " ".join(m.group(1).lower().split()), int(m.group(2))
        month = {"early": 4, "mid": 6, "the middle of": 6}.get(part, 12)
        add(m, _month_end(year, month))
    for m in _CALENDAR.finditer(sentence):
        day = _calendar(m.group(1), made_at)
        if day is not None:
            add(m, day)
    for m in _YEARS.finditer(sentence):
        add(m, date(max(int(m.group(1)), int(m.group(2))), 12, 31))
    for m in _MONTH_ONLY.finditer(sentence):
        # A month without a year is its next occurrence after the statement.
        month = _MONTH_NUMBERS[m.group(2).lower().rstrip(".")]
        year = made_at.year + (month < made_at.month)
        day_of_month = int(m.group(3)) if m.group(3) else None
        try:
            end = date(year, month, day_of_month) if day_of_month else _month_end(year, month)
            if end <= made_at:
                year += 1
                end = date(year, month, day_of_month) if day_of_month else _month_end(year, month)
        except ValueError:
            continue
        add(m, end)
    for m in _YEAR.finditer(sentence):
        add(m, date(int(m.group(1) or m.group(2)), 12, 31))
    for m in _VAGUE.finditer(sentence):
        add(m, None)
    return found


def read_horizon(sentence: str, made_at: date) -> Horizon | None:
    """The forward horizon of ``sentence`` as seen on ``made_at`` (None if there is none).

    Dates before ``made_at`` are not horizons (they describe the past). The longest
    expression wins where several overlap; otherwise the latest dated one, since a claim
    "by 2030, after the 2027 review" is checked in 2030.

    >>> h = read_horizon("within the next three to five years", date(2026, 1, 10))
    >>> (h.window_start, h.resolve_by)
    (datetime.date(2029, 1, 10), datetime.date(2031, 1, 10))
    >>> read_horizon("inflation of 2.1% next year", date(2026, 1, 10)).resolve_by
    datetime.date(2027, 12, 31)
    """
    candidates = [
        h for h in _candidates(sentence, made_at) if h.resolve_by is None or h.resolve_by > made_at
    ]
    if not candidates:
        return None
    # Drop expressions contained in a longer one ("2027" inside "by March 2027").
    kept = [
        h
        for h in candidates
        if not any(
            o is not h
            and o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            for o in candidates
        )
    ]
    dated = [h for h in kept if h.resolve_by is not None]
    if dated:
        return max(dated, key=lambda h: (h.resolve_by, h.end - h.start))
    return min(kept, key=lambda h: h.start)
