"""When to look at a question again: the sweep's retry policy, pure (no I/O, no clock).

A check that did not resolve its question ends in :class:`Pending` (look again at
``next_at``) or :class:`Review` (the sweep gives up; a person must look). :func:`next_step`
decides after a failed check; :func:`next_deadline_check` after a successful check of a
deadline question whose condition has not been seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "Pending",
    "RetryPolicy",
    "Review",
    "next_deadline_check",
    "next_step",
]


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff and review limits of the sweep, the size and lease of its claims, and how its
    writes are batched."""

    max_attempts: int = 8
    backoff_base: timedelta = timedelta(minutes=15)
    backoff_cap: timedelta = timedelta(days=1)
    grace: timedelta = timedelta(days=30)
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 200
    deadline_check_every: timedelta = timedelta(days=1)
    write_batch: int = 500
    """Judged questions written in one transaction at most."""
    write_after: timedelta = timedelta(milliseconds=200)
    """A judged question waits at most about this long for its batch to be written."""

    def backoff(self, attempt: int) -> timedelta:
        """Delay after failed attempt number ``attempt``: base * 2^(attempt-1), capped."""
        step: timedelta = self.backoff_base * (2 ** max(attempt - 1, 0))
        return min(step, self.backoff_cap)


@dataclass(frozen=True)
class Pending:
    """Check again at ``next_at``."""

    next_at: datetime


@dataclass(frozen=True)
class Review:
    """Stop checking: ``reason`` says why a person must resolve it."""

    reason: str


REVIEW_HOPELESS = "retrying cannot help"
REVIEW_LIMIT = "attempt limit reached"
REVIEW_LATE = "past the grace period"


def next_step(
    attempt: int,
    as_of: datetime,
    *,
    resolves_at: datetime,
    retry_after: float | None = None,
    hopeless: bool = False,
    policy: RetryPolicy | None = None,
) -> Pending | Review:
    """After failed attempt number ``attempt`` (counting from 1) at ``as_of``.

    ``retry_after`` (seconds, from the source) can only lengthen the backoff, at most to the
    backoff cap. ``hopeless``
    marks an error retrying cannot fix (a spec that does not parse): review at once. Otherwise
    review once the attempt limit is reached or ``as_of`` is past ``resolves_at`` plus the
    grace period; before that, back off exponentially.
    """
    policy = policy or RetryPolicy()
    if hopeless:
        return Review(REVIEW_HOPELESS)
    if as_of > resolves_at + policy.grace:
        return Review(REVIEW_LATE)
    if attempt >= policy.max_attempts:
        return Review(REVIEW_LIMIT)
    delay = policy.backoff(attempt)
    if retry_after is not None and retry_after > 0:
        # A server may lengthen the wait, up to the backoff cap: a hostile Retry-After must not
        # park a question for years (or overflow the date).
        cap = policy.backoff_cap.total_seconds()
        delay = max(delay, timedelta(seconds=min(retry_after, cap)))
    return Pending(as_of + delay)


def next_deadline_check(
    as_of: datetime,
    deadline: datetime,
    *,
    every: timedelta | None = None,
    policy: RetryPolicy | None = None,
) -> datetime:
    """The next check of a deadline question not yet seen true: ``every`` on, at most at the
    deadline (the check that may resolve it NO)."""
    step = every or (policy or RetryPolicy()).deadline_check_every
    return min(as_of + step, deadline)
