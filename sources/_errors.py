"""Errors raised by resolution sources.

Every error a source or the fetcher raises derives from one root::

    SourceError                          root of the sources package
    ├── RetryableSourceError             try again later: timeout, connection error, 5xx, 429
    ├── PermanentSourceError             retrying the same request will not help
    ├── NotYetError                      the data for the requested date does not exist yet
    ├── UnknownSourceError (LookupError) no source registered under that name
    └── SpecError (ValueError)           a resolution spec fails validation

A source never turns one of these into an outcome: the caller keeps the question pending,
records the error and retries (``RetryableSourceError``, ``NotYetError``) or flags it for
review (``PermanentSourceError``, ``SpecError``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

__all__ = [
    "NotYetError",
    "PermanentSourceError",
    "RetryableSourceError",
    "SourceError",
    "SpecError",
    "UnknownSourceError",
]


def _with_url(reason: str, url: str | None) -> str:
    return f"{reason} ({url})" if url else reason


class SourceError(Exception):
    """Root of every error raised by ``sources``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        # Keep errors picklable although subclasses take keyword arguments.
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[SourceError], state: dict[str, object]) -> SourceError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class RetryableSourceError(SourceError):
    """A transient failure: timeout, connection error, HTTP 5xx or 429."""

    def __init__(
        self, reason: str, *, url: str | None = None, retry_after: float | None = None
    ) -> None:
        message = _with_url(reason, url)
        if retry_after is not None:
            message += f"; retry after {retry_after:g} s"
        super().__init__(message)
        self.reason = reason
        self.url = url
        self.retry_after = retry_after


class PermanentSourceError(SourceError):
    """A failure that the same request will repeat: bad payload, missing field, bad spec."""

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(_with_url(reason, url))
        self.reason = reason
        self.url = url


class NotYetError(SourceError):
    """The source has no data for the requested date yet; ``expected_by`` is a hint."""

    def __init__(
        self,
        reason: str,
        *,
        url: str | None = None,
        expected_by: date | datetime | None = None,
    ) -> None:
        message = _with_url(reason, url)
        if expected_by is not None:
            message += f"; expected by {expected_by.isoformat()}"
        super().__init__(message)
        self.reason = reason
        self.url = url
        self.expected_by = expected_by


class UnknownSourceError(SourceError, LookupError):
    """No source is registered under the requested name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = sorted(known)
        listing = ", ".join(self.known) or "none"
        super().__init__(f"No source named {name!r}; known sources: {listing}")


class SpecError(SourceError, ValueError):
    """A resolution spec is invalid; the message names the source, the field and the problem."""

    def __init__(self, source: str | None, problems: Iterable[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        where = f"{source} spec" if source else "spec"
        details = "; ".join(
            f"field {field!r}: {problem}" if field else problem for field, problem in self.problems
        )
        super().__init__(f"Invalid {where}: {details}")
