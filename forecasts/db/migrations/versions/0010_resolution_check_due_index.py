"""Pending check rows in next-check order: a sweep's claim walks this index and stops at its
batch, instead of sorting every pending question on each claim. Partial (pending rows only),
so resolved questions, most of the table in time, are not in it.

PostgreSQL 14 and later: statistics on the hash a sweep worker's shard is taken from
(``forecasts.db.checks._source_key``), so the planner knows a shard's size and walks the same
index for a sharded claim too.

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
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and (bind.dialect.server_version_info or (0,)) >= (14,):
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS question_source_key "
            "ON (hashtext(COALESCE(resolution ->> 'url', id))) FROM question"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS question_source_key")
    op.drop_index("ix_resolution_check_due", table_name="resolution_check")
