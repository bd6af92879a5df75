"""Storage rows (SQLModel ``table=True``). No logic and no validation: build them from
validated domain models only (``forecasts.db.convert``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "CorrectionRow",
    "ForecastRow",
    "ForecasterRow",
    "LedgerEventRow",
    "LedgerHeadRow",
    "QuestionRow",
    "ResolutionRow",
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
