"""Resolutions say whether their evidence was recorded (replayed) rather than fetched live.

Replaces the "[recorded evidence] " prefix the sweep used to put in the note. Existing rows get
false; their ledger payloads are unchanged (the field is serialised only when true).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resolution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recorded_evidence", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("resolution", schema=None) as batch_op:
        batch_op.drop_column("recorded_evidence")
