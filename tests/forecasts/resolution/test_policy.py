"""The retry policy: every branch of ``next_step`` and ``next_deadline_check``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forecasts.resolution.policy import (
    Pending,
    RetryPolicy,
    Review,
    next_deadline_check,
    next_step,
)

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
DUE = datetime(2027, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy(
    max_attempts=5,
    backoff_base=timedelta(minutes=15),
    backoff_cap=timedelta(hours=3),
    grace=timedelta(days=30),
)


def _step(attempt: int, *, retry_after: float | None = None, hopeless: bool = False) -> object:
    return next_step(
        attempt, AS_OF, resolves_at=DUE, retry_after=retry_after, hopeless=hopeless, policy=POLICY
    )


@pytest.mark.parametrize(
    ("attempt", "wait"),
    [
        (1, timedelta(minutes=15)),
        (2, timedelta(minutes=30)),
        (3, timedelta(hours=1)),
        (4, timedelta(hours=2)),
    ],
)
def test_backoff_doubles_from_the_base(attempt: int, wait: timedelta) -> None:
    assert _step(attempt) == Pending(AS_OF + wait)


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=50, backoff_cap=timedelta(hours=3))
    assert next_step(20, AS_OF, resolves_at=DUE, policy=policy) == Pending(
        AS_OF + timedelta(hours=3)
    )
    assert RetryPolicy().backoff(0) == RetryPolicy().backoff_base


def test_the_attempt_limit_sends_it_to_review() -> None:
    assert _step(4) == Pending(AS_OF + timedelta(hours=2))
    assert _step(5) == Review("attempt limit reached")
    assert _step(6) == Review("attempt limit reached")


def test_past_the_grace_period_goes_to_review_even_on_the_first_failure() -> None:
    late = DUE + POLICY.grace + timedelta(seconds=1)
    assert next_step(1, late, resolves_at=DUE, policy=POLICY) == Review("past the grace period")
    edge = DUE + POLICY.grace
    assert isinstance(next_step(1, edge, resolves_at=DUE, policy=POLICY), Pending)
    # Late and at the limit: the lateness is the reason given.
    assert next_step(9, late, resolves_at=DUE, policy=POLICY) == Review("past the grace period")


def test_errors_retrying_cannot_help_go_to_review_at_once() -> None:
    assert _step(1, hopeless=True) == Review("retrying cannot help")
    assert _step(1, hopeless=True, retry_after=60.0) == Review("retrying cannot help")


def test_retry_after_lengthens_but_never_shortens_the_wait() -> None:
    assert _step(1, retry_after=7200.0) == Pending(AS_OF + timedelta(hours=2))
    assert _step(3, retry_after=5.0) == Pending(AS_OF + timedelta(hours=1))
    assert _step(1, retry_after=0.0) == Pending(AS_OF + timedelta(minutes=15))


def test_a_hostile_retry_after_is_held_to_the_backoff_cap() -> None:
    assert _step(1, retry_after=1e20) == Pending(AS_OF + POLICY.backoff_cap)
    assert _step(1, retry_after=float("inf")) == Pending(AS_OF + POLICY.backoff_cap)


def test_the_default_policy() -> None:
    assert next_step(1, AS_OF, resolves_at=DUE) == Pending(AS_OF + timedelta(minutes=15))
    assert next_step(8, AS_OF, resolves_at=DUE) == Review("attempt limit reached")


def test_deadline_checks_step_on_and_stop_at_the_deadline() -> None:
    deadline = datetime(2027, 3, 1, tzinfo=UTC)
    assert next_deadline_check(AS_OF, deadline) == AS_OF + timedelta(days=1)
    week = timedelta(days=7)
    assert next_deadline_check(AS_OF, deadline, every=week) == AS_OF + week
    near = deadline - timedelta(hours=5)
    assert next_deadline_check(near, deadline, every=week) == deadline
    hourly = RetryPolicy(deadline_check_every=timedelta(hours=1))
    assert next_deadline_check(AS_OF, deadline, policy=hourly) == AS_OF + timedelta(hours=1)
