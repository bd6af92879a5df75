"""Kept scores: each forecaster's scored standing forecast per resolved question.

Track records and leaderboards read these rows instead of recomputing every score. The
tables are created empty with ``kept_state.complete`` false when the database already holds
resolutions; opening the store (or ``forecasts db upgrade``) then rebuilds them with the
current scoring code, and until that has run records are computed from the raw rows, so an
upgrade never shows an empty record. ``forecasts rebuild-scores`` does the same by hand.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kept_question",
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("close", _TIME, nullable=False),
        sa.Column("effective_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"]),
        sa.PrimaryKeyConstraint("question_id"),
    )
    op.create_index("ix_kept_question_effective_at", "kept_question", ["effective_at"])
    op.create_table(
        "kept_score",
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("forecaster", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("forecast", sa.Text(), nullable=False),
        sa.Column("made_at", _TIME, nullable=False),
        sa.Column("first_at", _TIME, nullable=False),
        sa.Column("n_forecasts", sa.Integer(), nullable=False),
        sa.Column("n_backdated", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in (
                "p",
                "low",
                "high",
                "brier",
                "brier_time_weighted",
                "log_score",
                "brier_relative",
                "peer_score",
                "crps",
                "interval_score",
            )
        ),
        sa.Column("in_interval", sa.Boolean(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"]),
        sa.ForeignKeyConstraint(["forecaster"], ["forecaster.handle"]),
        sa.PrimaryKeyConstraint("question_id", "forecaster"),
    )
    op.create_index("ix_kept_score_forecaster", "kept_score", ["forecaster", "seq"])
    op.create_table(
        "kept_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    resolved = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM resolution")).scalar()
    state = sa.table("kept_state", sa.column("id", sa.Integer), sa.column("complete", sa.Boolean))
    op.bulk_insert(state, [{"id": 1, "complete": not resolved}])


def downgrade() -> None:
    op.drop_table("kept_state")
    op.drop_index("ix_kept_score_forecaster", table_name="kept_score")
    op.drop_table("kept_score")
    op.drop_index("ix_kept_question_effective_at", table_name="kept_question")
    op.drop_table("kept_question")
