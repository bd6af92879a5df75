"""When a statement was made, if the text dates it ("said on Tuesday", "in a speech on 3 March")."""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["statement_date"]

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WHEN = (
    rf"(?P<when>(?:last\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|"
    rf"\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|yesterday)"
)
# The date must sit next to the attribution ("said on Tuesday", "On Tuesday, X said"), not in
# the predicted clause ("said the vote on Tuesday will ...").
_AFTER_VERB = re.compile(
    rf"\b(?:said|told\s+\w+(?:\s+\w+)?|wrote|predicted|warned|estimated|projected|forecast|"
    rf"argued|added|noted)\s+(?:on\s+)?{_WHEN}\b"
)
_LEADING = re.compile(
    rf"^(?:(?:Speaking|Writing)\s+)?(?:on\s+|in\s+an?\s+\w+(?:\s+\w+)?\s+on\s+)?{_WHEN}\s*,",
    re.IGNORECASE,
)


def statement_date(sentence: str, published: date) -> date | None:
    """The date the sentence gives for its statement, on or before ``published``.

    >>> statement_date("Powell said on Tuesday that rates would fall.", date(2026, 1, 10))
    datetime.date(2026, 1, 6)
    >>> statement_date("Rates will fall on Tuesday, he said.", date(2026, 1, 10)) is None
    True
    """
    match = _AFTER_VERB.search(sentence) or _LEADING.search(sentence)
    if match is None:
        return None
    when = " ".join(match.group("when").split())
    lowered = when.lower()
    if lowered == "yesterday":
        return published - timedelta(days=1)
    weekday = lowered.removeprefix("last ").strip()
    if weekday in _WEEKDAYS:
        back = (published.weekday() - _WEEKDAYS.index(weekday)) % 7
        if lowered.startswith("last ") and back == 0:
            back = 7
        return published - timedelta(days=back)
    import dateparser  # imported on use: only dated statements need it

    parsed = dateparser.parse(
        when,
        languages=["en"],
        settings={"PREFER_DATES_FROM": "past", "RELATIVE_BASE": _midnight(published)},
    )
    if parsed is None or parsed.date() > published:
        return None
    said: date = parsed.date()
    return said


def _midnight(day: date) -> object:
    from datetime import datetime

    return datetime(day.year, day.month, day.day)
