"""The project's vocabularies: every kind, status and name that crosses a module boundary.

Kept outside ``domain`` (which loads pydantic) so that the CLI builds its options without
loading models. They are ``StrEnum`` members: they compare equal to their strings, serialise
as them, and typer, FastAPI and the templates accept them directly.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CheckState",
    "ForecasterKind",
    "Metric",
    "QuestionKind",
    "QuestionStatus",
    "ResolutionMethod",
    "SweepResult",
]


class ForecasterKind(StrEnum):
    """Who makes forecasts."""

    PERSON = "person"
    ORGANIZATION = "organization"
    MODEL = "model"
    CROWD = "crowd"


class QuestionKind(StrEnum):
    """What a question asks for."""

    BINARY = "binary"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMERIC = "numeric"


class ResolutionMethod(StrEnum):
    """How an outcome was established."""

    MANUAL = "manual"
    SOURCE = "source"


class QuestionStatus(StrEnum):
    """Where a question stands at a given time (see ``question_status``)."""

    OPEN = "open"
    CLOSED = "closed"
    DUE = "due"
    RESOLVED = "resolved"
    ANNULLED = "annulled"


class CheckState(StrEnum):
    """The sweep's state for a question."""

    PENDING = "pending"
    """Has a machine spec and is waiting for its next check."""
    MANUAL = "manual"
    """No machine spec: a person resolves it."""
    RESOLVED = "resolved"
    NEEDS_REVIEW = "needs_review"
    """The sweep gave up (attempt limit, grace period, or an error retrying cannot fix)."""


class SweepResult(StrEnum):
    """What one sweep did with one question."""

    RESOLVED = "resolved"
    PENDING = "pending"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"
    SKIPPED = "skipped"


class Metric(StrEnum):
    """Leaderboard metrics."""

    BRIER = "brier"
    BRIER_TIME_WEIGHTED = "brier_time_weighted"
    LOG_SCORE = "log_score"
    BRIER_RELATIVE = "brier_relative"
    PEER_SCORE = "peer_score"
