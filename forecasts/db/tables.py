"""Storage rows (SQLModel ``table=True``). No logic and no validation: build them from
validated domain models only (``forecasts.db.convert``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

__all__ = [
    "AccountRow",
    "ApiTokenRow",
    "CommentRow",
    "CorrectionRow",
    "EvidenceRow",
    "KeptQuestionRow",
    "KeptScoreRow",
    "KeptStateRow",
    "ForecastRow",
    "ForecasterRow",
    "LedgerEventRow",
    "LedgerHeadRow",
    "QuestionRow",
    "ReminderClaimRow",
    "ReminderContactRow",
    "ReminderRow",
    "QuestionWebRow",
    "ResolutionAttemptRow",
    "ResolutionCheckRow",
    "ResolutionRow",
    "WebSecretRow",
]


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class ForecasterRow(SQLModel, table=True):
    __tablename__ = "forecaster"

    handle: str = Field(primary_key=True, max_length=64)
    name: str
    kind: str = Field(max_length=16)
    affiliation: str | None = None


class QuestionRow(SQLModel, table=True):
    __tablename__ = "question"

    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=16)
    options: list[str] | None = _json()
    scale: dict[str, Any] | None = _json()
    opens_at: datetime = _ts()
    closes_at: datetime = _ts()
    resolve_on: datetime | None = _ts(nullable=True)
    deadline: datetime | None = _ts(nullable=True)
    check_every_seconds: float | None = None
    criteria: str = Field(default="", sa_column=Column(Text, nullable=False))
    resolution: dict[str, Any] | None = _json()
    tags: list[str] | None = _json()
    operationalization: dict[str, Any] | None = _json()
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ForecastRow(SQLModel, table=True):
    __tablename__ = "forecast"
    __table_args__ = (
        Index("ix_forecast_question_made", "question_id", "made_at"),
        Index("ix_forecast_forecaster", "forecaster"),
        # Covers the forecasters' page: counts and the standing forecast per question.
        Index(
            "ix_forecast_forecaster_question",
            "forecaster",
            "question_id",
            "made_at",
            "recorded_at",
            "id",
            "probability",
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    question_id: str = Field(foreign_key="question.id", max_length=64)
    forecaster: str = Field(foreign_key="forecaster.handle", max_length=64)
    made_at: datetime = _ts()
    recorded_at: datetime = _ts()
    probability: float | None = None
    probabilities: dict[str, float] | None = _json()
    distribution: dict[str, Any] | None = _json()
    verbal: dict[str, Any] | None = _json()
    source_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    quote: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    published_at: datetime | None = _ts(nullable=True)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    origin: dict[str, Any] | None = _json()


class ResolutionRow(SQLModel, table=True):
    __tablename__ = "resolution"
    __table_args__ = (UniqueConstraint("question_id", name="uq_resolution_question"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", max_length=64)
    outcome: str
    value: float | None = None
    resolved_at: datetime = _ts()
    method: str = Field(max_length=16)
    by: str | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    evidence_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evidence_sha256: list[str] | None = _json()
    recorded_evidence: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class CorrectionRow(SQLModel, table=True):
    __tablename__ = "correction"

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", max_length=64, index=True)
    previous_outcome: str
    outcome: str
    value: float | None = None
    corrected_at: datetime = _ts()
    by: str
    reason: str = Field(sa_column=Column(Text, nullable=False))


class LedgerEventRow(SQLModel, table=True):
    __tablename__ = "ledger_event"
    __table_args__ = (Index("ix_ledger_entity", "entity_type", "entity_id"),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    recorded_at: datetime = _ts()


class LedgerHeadRow(SQLModel, table=True):
    """One row; updating it first serialises appends on both SQLite and PostgreSQL."""

    __tablename__ = "ledger_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    hash: str = Field(max_length=64)


class EvidenceRow(SQLModel, table=True):
    """What a source served when a question was resolved: the bytes (or an excerpt) and hash."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", max_length=64, index=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    fetched_at: datetime = _ts()
    status: int
    content_type: str = ""
    sha256: str = Field(max_length=64)
    size: int
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    excerpt: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    recorded: bool = False


class ResolutionCheckRow(SQLModel, table=True):
    """The sweep's operational state for a question (not ledgered: it changes every check).

    Its ``state`` follows from ledgered facts, and ``verify`` recomputes it (see checks.py)."""

    __tablename__ = "resolution_check"
    # A claim reads pending rows in next-check order (never-checked first): see claim_due.
    __table_args__ = (
        Index(
            "ix_resolution_check_due",
            "next_check_at",
            "question_id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=64)
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_check_at: datetime | None = _ts(nullable=True, index=True)
    last_checked_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = _ts(nullable=True)


class ResolutionAttemptRow(SQLModel, table=True):
    """One check of one question by one sweep: what happened and what comes next."""

    __tablename__ = "resolution_attempt"

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", max_length=64, index=True)
    attempted_at: datetime = _ts()
    result: str = Field(max_length=16)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    next_check_at: datetime | None = _ts(nullable=True)
    worker: str | None = Field(default=None, max_length=64)


class ApiTokenRow(SQLModel, table=True):
    """A bearer token for API writes, stored as its SHA-256 only."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    name: str
    role: str = Field(max_length=16)
    forecaster: str | None = Field(default=None, foreign_key="forecaster.handle", max_length=64)
    created_at: datetime = _ts()
    revoked: bool = False


class ReminderContactRow(SQLModel, table=True):
    """Where a forecaster wants reminders, and after how many days a forecast counts as stale.

    Not ledgered: contact details are personal and change; they are no part of the record."""

    __tablename__ = "reminder_contact"

    handle: str = Field(foreign_key="forecaster.handle", primary_key=True, max_length=64)
    email: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    webhook_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stale_days: int | None = None
    updated_at: datetime = _ts()


class ReminderRow(SQLModel, table=True):
    """One reminder send: ``sent`` rows stop repeats within a period, ``failed`` rows explain."""

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_key", "kind", "subject", "channel", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    subject: str = Field(max_length=200)
    channel: str = Field(max_length=16)
    recipient: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16)
    attempted_at: datetime = _ts()
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class ReminderClaimRow(SQLModel, table=True):
    """A reminder being sent: concurrent passes skip it until ``claimed_until`` (a lease, so
    a pass that died mid-send does not keep it forever)."""

    __tablename__ = "reminder_claim"

    key: str = Field(primary_key=True, max_length=64)
    claimed_until: datetime | None = _ts(nullable=True)


class AccountRow(SQLModel, table=True):
    """A forecaster's web sign-in: an argon2 hash of the password, and whether it is an admin."""

    __tablename__ = "account"

    handle: str = Field(primary_key=True, foreign_key="forecaster.handle", max_length=64)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    admin: bool = False
    updated_at: datetime = _ts()


class QuestionWebRow(SQLModel, table=True):
    """Web settings of a question: who created it in the web app, and whether others'
    forecasts stay hidden from a signed-in forecaster until they have forecast."""

    __tablename__ = "question_web"

    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=64)
    owner: str | None = Field(default=None, foreign_key="forecaster.handle", max_length=64)
    hide_forecasts: bool = False


class WebSecretRow(SQLModel, table=True):
    """Secrets the web app generates once per database (the session-signing key)."""

    __tablename__ = "web_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class CommentRow(SQLModel, table=True):
    """A signed-in forecaster's comment on a question (discussion; forecasts carry their own
    ledgered rationale in ``note``)."""

    __tablename__ = "comment"

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", max_length=64, index=True)
    author: str = Field(foreign_key="forecaster.handle", max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts()


class KeptQuestionRow(SQLModel, table=True):
    """A resolved question as its kept scores see it (annulled ones too: no score rows).

    Derived, not ledgered: written with the resolution, correction or forecast that changes
    it, rebuilt by ``rebuild-scores`` and checked by ``verify`` (see scores.py)."""

    __tablename__ = "kept_question"

    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=64)
    outcome: str
    label: str
    close: datetime = _ts()
    effective_at: datetime = _ts(index=True)
    """When the outcome kept here took effect (resolution or newest correction)."""


class KeptScoreRow(SQLModel, table=True):
    """One forecaster's scored standing forecast on one resolved, non-annulled question."""

    __tablename__ = "kept_score"
    # (forecaster, seq) answers "did this forecaster's rows change?" from the index alone.
    __table_args__ = (Index("ix_kept_score_forecaster", "forecaster", "seq"),)

    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=64)
    forecaster: str = Field(foreign_key="forecaster.handle", primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    forecast: str = Field(sa_column=Column(Text, nullable=False))
    made_at: datetime = _ts()
    first_at: datetime = _ts()
    n_forecasts: int
    n_backdated: int
    coverage: float
    p: float | None = None
    low: float | None = None
    high: float | None = None
    brier: float | None = None
    brier_time_weighted: float | None = None
    log_score: float | None = None
    brier_relative: float | None = None
    peer_score: float | None = None
    crps: float | None = None
    interval_score: float | None = None
    in_interval: bool | None = None
    seq: int = 0
    """The ledger head when the row was written: with the row count, a forecaster's
    kept rows changed exactly when this pair did (what a cached record is keyed by)."""


class KeptStateRow(SQLModel, table=True):
    """One row: whether the kept scores hold every resolved question (false after an upgrade
    until they are rebuilt; records are computed from the raw rows meanwhile)."""

    __tablename__ = "kept_state"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    complete: bool = False
