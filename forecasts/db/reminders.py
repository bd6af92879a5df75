"""Reminder storage: forecasters' reminder contacts and the record of every send.

Neither is ledgered: a contact is personal data that changes, and a send is an operational
fact (like a sweep attempt). A ``sent`` row is what stops a repeat within a reminder period;
a ``failed`` row only explains, so the next pass tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from forecasts.timeutils import as_utc

from .store import Store
from .tables import ReminderContactRow, ReminderRow

__all__ = [
    "Contact",
    "SendKey",
    "SentReminder",
    "contact_of",
    "contacts",
    "last_sent",
    "record_send",
    "recent_sends",
    "save_contact",
]

SendKey = tuple[str, str, str, str]
"""(kind, subject, channel, recipient): what one reminder is about and where it goes."""


@dataclass(frozen=True)
class Contact:
    """Where a forecaster wants reminders."""

    handle: str
    email: str | None
    webhook_url: str | None
    stale_days: int | None


@dataclass(frozen=True)
class SentReminder:
    """One send, as recorded."""

    kind: str
    subject: str
    channel: str
    recipient: str
    status: str
    attempted_at: datetime
    detail: str


def _contact(row: ReminderContactRow) -> Contact:
    return Contact(row.handle, row.email, row.webhook_url, row.stale_days)


def save_contact(store: Store, contact: Contact, *, as_of: datetime) -> None:
    """Create or replace a forecaster's reminder contact."""
    with store.transaction() as session:
        row = session.get(ReminderContactRow, contact.handle, with_for_update=True)
        if row is None:
            row = ReminderContactRow(handle=contact.handle)
        row.email = contact.email
        row.webhook_url = contact.webhook_url
        row.stale_days = contact.stale_days
        row.updated_at = as_of
        session.add(row)


def contact_of(store: Store, handle: str) -> Contact | None:
    with store.reading() as session:
        row = session.get(ReminderContactRow, handle)
        return None if row is None else _contact(row)


def contacts(store: Store) -> list[Contact]:
    with store.reading() as session:
        rows = session.scalars(select(ReminderContactRow).order_by(ReminderContactRow.handle))
        return [_contact(row) for row in rows]


def last_sent(store: Store, *, kinds: tuple[str, ...]) -> dict[SendKey, datetime]:
    """When each reminder of ``kinds`` was last sent successfully."""
    r = ReminderRow
    keys = (col(r.kind), col(r.subject), col(r.channel), col(r.recipient))
    query = (
        select(*keys, func.max(col(r.attempted_at)))
        .where(col(r.status) == "sent", col(r.kind).in_(kinds))
        .group_by(*keys)
    )
    with store.reading() as session:
        return {
            (kind, subject, channel, recipient): as_utc(at)
            for kind, subject, channel, recipient, at in session.execute(query).all()
        }


def record_send(store: Store, key: SendKey, *, status: str, at: datetime, detail: str) -> None:
    """Record one send (``sent`` or ``failed``) in its own transaction."""
    kind, subject, channel, recipient = key
    with store.transaction() as session:
        session.add(
            ReminderRow(
                kind=kind,
                subject=subject,
                channel=channel,
                recipient=recipient,
                status=status,
                attempted_at=at,
                detail=detail,
            )
        )


def recent_sends(store: Store, *, limit: int = 100) -> list[SentReminder]:
    """The newest sends first."""
    with store.reading() as session:
        rows = session.scalars(
            select(ReminderRow).order_by(col(ReminderRow.id).desc()).limit(limit)
        )
        return [
            SentReminder(
                r.kind,
                r.subject,
                r.channel,
                r.recipient,
                r.status,
                as_utc(r.attempted_at),
                r.detail,
            )
            for r in rows
        ]
