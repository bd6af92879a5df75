"""Pending check rows in next-check order: a sweep's claim walks this index and stops at its
batch, instead of sorting every pending question on each claim. Partial (pending rows only),
so resolved questions, most of the table in time, are not in it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_resolution_check_due",
        "resolution_check",
        ["next_check_at", "question_id"],
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_resolution_check_due", table_name="resolution_check")
