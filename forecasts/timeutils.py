"""Time helpers: the only place the application reads the clock.

Domain code takes ``as_of`` as a parameter; the edges (CLI, API, scheduler) call :func:`utc_now`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["as_utc", "parse_datetime", "parse_duration", "utc_now"]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive datetime is read as UTC (storage returns naive)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_datetime(value: str | date | datetime) -> datetime:
    """Parse an ISO 8601 date or datetime into an aware UTC datetime.

    A bare date means 00:00 UTC. A datetime string must carry an offset or ``Z``: a naive
    time is ambiguous and is refused.

    >>> parse_datetime("2026-01-10")
    datetime.datetime(2026, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_datetime("2026-01-10T08:30:00+08:00").isoformat()
    '2026-01-10T00:30:00+00:00'
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no timezone; add Z or an offset")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid date (expected YYYY-MM-DD)") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"'{value}' is not a valid date or datetime "
            "(expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]+HH:MM / Z)"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"'{value}' has no timezone; add Z or an offset such as +00:00")
    return parsed.astimezone(UTC)


def parse_duration(value: str | timedelta) -> timedelta:
    """Parse ``15m``, ``2s``, ``1h``, ``7d`` or ``2w`` into a timedelta.

    >>> parse_duration("15m")
    datetime.timedelta(seconds=900)
    """
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a duration (expected e.g. 30s, 15m, 1h, 7d, 2w)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"'{value}' is not a positive duration")
    return timedelta(seconds=seconds)
