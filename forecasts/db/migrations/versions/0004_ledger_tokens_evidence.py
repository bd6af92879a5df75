"""Ledger the API tokens, evidence rows and needs_review checks written before they were ledgered.

From this revision on, creating or revoking a token, storing evidence and a sweep giving up
on a question append ledger events (``token.created``, ``token.revoked``, ``evidence.created``,
``check.needs_review``), and ``verify`` refuses such a row without its event. Rows already in
the database get their events here, once: the upgrade vouches for what the database holds
when it runs (nothing could tell a tampered row from a genuine one before, and nothing can
now). No schema change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from forecasts.db.evidence import evidence_data
from forecasts.db.ledger_append import append_event
from forecasts.db.tables import ApiTokenRow, EvidenceRow
from forecasts.db.tokens import token_data
from forecasts.timeutils import utc_now

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The columns as of revision 0002, named and typed here (typed: SQLite hands back times as
# text otherwise) so that a later change to the tables cannot break this step.
_TIME = sa.DateTime(timezone=True)
_TOKEN = (
    sa.column("id", sa.Integer),
    sa.column("token_hash", sa.String),
    sa.column("name", sa.String),
    sa.column("role", sa.String),
    sa.column("forecaster", sa.String),
    sa.column("created_at", _TIME),
    sa.column("revoked", sa.Boolean),
)
_EVIDENCE = (
    sa.column("id", sa.Integer),
    sa.column("question_id", sa.String),
    sa.column("url", sa.Text),
    sa.column("fetched_at", _TIME),
    sa.column("status", sa.Integer),
    sa.column("content_type", sa.String),
    sa.column("sha256", sa.String),
    sa.column("size", sa.Integer),
    sa.column("recorded", sa.Boolean),
)


def _ledgered(connection: sa.Connection) -> set[tuple[str, str]]:
    """(kind, entity id) of the events already written, so no row is adopted twice (a
    database downgraded past this revision and upgraded again keeps its events)."""
    events = sa.table("ledger_event", sa.column("kind"), sa.column("entity_id"))
    return {(k, i) for k, i in connection.execute(sa.select(events.c.kind, events.c.entity_id))}


def upgrade() -> None:
    connection = op.get_bind()
    now = utc_now()
    done = _ledgered(connection)
    tokens = sa.table("api_token", *_TOKEN)
    for row in connection.execute(sa.select(tokens).order_by(tokens.c.id)).mappings():
        token = ApiTokenRow(**dict(row))
        entity_id = str(token.id)
        data = token_data(token)
        if ("token.created", entity_id) in done:
            continue
        append_event(
            connection,
            kind="token.created",
            entity="token",
            entity_id=entity_id,
            data=data,
            as_of=now,
        )
        if token.revoked:
            append_event(
                connection,
                kind="token.revoked",
                entity="token",
                entity_id=entity_id,
                data={"id": token.id},
                as_of=now,
            )
    evidence = sa.table("evidence", *_EVIDENCE)
    for row in connection.execute(sa.select(evidence).order_by(evidence.c.id)).mappings():
        item = EvidenceRow(**dict(row))
        if ("evidence.created", str(item.id)) in done:
            continue
        append_event(
            connection,
            kind="evidence.created",
            entity="evidence",
            entity_id=str(item.id),
            data=evidence_data(item),
            as_of=now,
        )
    checks = sa.table("resolution_check", sa.column("question_id"), sa.column("state"))
    parked = sa.select(checks.c.question_id).where(checks.c.state == "needs_review")
    for (question_id,) in connection.execute(parked.order_by(checks.c.question_id)):
        if ("check.needs_review", question_id) in done:
            continue
        data = {"question_id": question_id, "state": "needs_review", "reason": "adopted"}
        append_event(
            connection,
            kind="check.needs_review",
            entity="check",
            entity_id=question_id,
            data=data,
            as_of=now,
        )


def downgrade() -> None:
    # The events stay: removing them would break the chain of every event after them. An
    # older version's `verify` lists them as rows it cannot find.
    pass
