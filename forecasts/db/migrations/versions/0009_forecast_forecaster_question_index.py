"""Forecasts by forecaster and question, in made order: the forecasters' index page groups
and ranks them (counts, standing forecast at close) from this index alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_forecast_forecaster_question",
        "forecast",
        ["forecaster", "question_id", "made_at", "recorded_at", "id", "probability"],
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_forecaster_question", table_name="forecast")
