"""Reminder storage: forecasters' reminder contacts and the record of every send.

Neither is ledgered: a contact is personal data that changes, and a send is an operational
fact (like a sweep attempt). A ``sent`` row is what stops a repeat within a reminder period;
a ``failed`` row only explains, so the next pass tries again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from forecasts.timeutils import as_utc

from .store import Store
from .tables import LedgerHeadRow, ReminderClaimRow, ReminderContactRow, ReminderRow

__all__ = [
    "Contact",
    "claim_send",
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


def _claim_key(key: SendKey) -> str:
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()


def _sent_at(session: Session, key: SendKey) -> datetime | None:
    r = ReminderRow
    kind, subject, channel, recipient = key
    at = session.execute(
        select(func.max(col(r.attempted_at))).where(
            col(r.status) == "sent",
            col(r.kind) == kind,
            col(r.subject) == subject,
            col(r.channel) == channel,
            col(r.recipient) == recipient,
        )
    ).scalar()
    return None if at is None else as_utc(at)


def claim_send(
    store: Store, key: SendKey, *, as_of: datetime, period: timedelta, lease: timedelta
) -> bool:
    """Take the right to send ``key`` until ``as_of + lease``.

    False when it was sent within ``period`` before ``as_of`` (a pass planned it before
    another sent it) or another pass holds a live claim on it. Passes run concurrently
    (the scheduler and a ``remind`` by hand, or several workers) send each reminder once.
    """
    pk = _claim_key(key)
    with store.transaction() as session:
        if session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: a write first takes its one write lock (briefly).
            session.connection().execute(
                update(LedgerHeadRow).where(col(LedgerHeadRow.id) == 1).values(id=1)
            )
        row = session.get(ReminderClaimRow, pk, with_for_update=True)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(ReminderClaimRow(key=pk))
            except IntegrityError:  # another pass inserted it first: its lock decides
                pass
            row = session.get(ReminderClaimRow, pk, with_for_update=True, populate_existing=True)
            assert row is not None
        if row.claimed_until is not None and as_utc(row.claimed_until) > as_of:
            return False
        sent = _sent_at(session, key)
        if sent is not None and as_of - sent < period:
            return False
        row.claimed_until = as_of + lease
        session.add(row)
        return True


def record_send(store: Store, key: SendKey, *, status: str, at: datetime, detail: str) -> None:
    """Record one send (``sent`` or ``failed``) and release its claim, in one transaction."""
    kind, subject, channel, recipient = key
    with store.transaction() as session:
        claim = session.get(ReminderClaimRow, _claim_key(key), with_for_update=True)
        if claim is not None:
            claim.claimed_until = None
            session.add(claim)
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
