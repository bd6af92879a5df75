"""Reminders: what is owed to whom at ``as_of``, and one pass that sends and records it.

Two kinds. ``due``: a question waiting for a person (see ``services.due``) is reminded to
the configured admin addresses and webhook at most once per reminder period. ``stale``: a
forecaster who opted in (``forecaster set-reminders``) hears about each open question whose
latest forecast of theirs is older than their ``stale_days``, at most once per that many days.

Each send is claimed first (a lease, so passes running at once send it once), then recorded
after it happens. Only a successful send counts, so a failure is tried again on the next pass
and nothing is lost; nothing is marked sent that was not. A pass that dies mid-send leaves a
claim that lapses after the lease. Transports are handed in (``forecasts.notify``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from forecasts.db.reminders import (
    Contact,
    SendKey,
    claim_send,
    contact_of,
    contacts,
    last_sent,
    record_send,
    save_contact,
)
from forecasts.db.store import Store
from forecasts.domain import Forecast, Question, QuestionStatus, question_status
from forecasts.errors import FieldError, NotFoundError, OperationError
from forecasts.settings import Settings
from forecasts.timeutils import parse_duration

from .due import due_questions

__all__ = [
    "EMAIL",
    "WEBHOOK",
    "Channel",
    "Message",
    "Outgoing",
    "ReminderPass",
    "ReminderPolicy",
    "SendError",
    "plan_reminders",
    "policy_from",
    "run_reminders",
    "set_reminders",
]

EMAIL = "email"
WEBHOOK = "webhook"
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+")


class SendError(OperationError):
    """A transport could not deliver a reminder (it is retried on the next pass)."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str

    def __post_init__(self) -> None:
        # A title may hold line breaks; in a mail header they would end the header.
        flat = " ".join(self.subject.split())
        object.__setattr__(self, "subject", flat[:200])


class Channel(Protocol):
    """A transport: delivers a message to one recipient or raises :class:`SendError`."""

    def send(self, recipient: str, message: Message) -> None: ...


@dataclass(frozen=True)
class Outgoing:
    """One reminder to send: its key (kind, subject, channel, recipient) and message."""

    key: SendKey
    message: Message
    period: timedelta
    """At most one successful send of this key per period."""

    @property
    def channel(self) -> str:
        return self.key[2]

    @property
    def recipient(self) -> str:
        return self.key[3]

    @property
    def shown_recipient(self) -> str:
        """The recipient fit to print: a webhook URL's path is its secret, so only its host."""
        if self.channel != WEBHOOK:
            return self.recipient
        parts = urlsplit(self.recipient)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}/..."


@dataclass(frozen=True)
class ReminderPolicy:
    """Where due-question reminders go and how often."""

    period: timedelta = timedelta(days=1)
    admin_emails: tuple[str, ...] = ()
    webhook_url: str | None = None
    public_url: str | None = None
    lease: timedelta = timedelta(minutes=10)
    """How long a pass holds a claim on a send (a pass that died gives it back then)."""


def policy_from(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        period=parse_duration(settings.reminder_period),
        admin_emails=settings.reminder_email_to,
        webhook_url=settings.reminder_webhook_url,
        public_url=settings.public_url,
    )


@dataclass
class ReminderPass:
    """What one pass did."""

    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    unsendable: list[Outgoing] = field(default_factory=list)
    """Owed, but no transport for its channel is configured: kept owed for a later pass."""
    dry_run: bool = False


def _link(policy: ReminderPolicy, question: Question) -> str:
    return f"\n{policy.public_url}/questions/{question.id}" if policy.public_url else ""


def _due_messages(store: Store, policy: ReminderPolicy, as_of: datetime) -> list[Outgoing]:
    out: list[Outgoing] = []
    owners = {c.handle: c for c in contacts(store)}
    for item in due_questions(store, as_of=as_of):
        q = item.question
        days = item.days_overdue(as_of)
        message = Message(
            subject=f"[forecasts] due: {q.id} {q.title}",
            text=(
                f'Question {q.id} "{q.title}" was due on {item.due_since.date().isoformat()} '
                f"({days} day{'s' if days != 1 else ''} ago) and waits for {item.who}: "
                f"{item.why}.{_link(policy, q)}"
            ),
        )
        targets = [(EMAIL, address) for address in policy.admin_emails]
        if policy.webhook_url:
            targets.append((WEBHOOK, policy.webhook_url))
        owner = owners.get(item.who)  # the question's owner, where they left a contact
        if owner is not None and owner.email:
            targets.append((EMAIL, owner.email))
        if owner is not None and owner.webhook_url:
            targets.append((WEBHOOK, owner.webhook_url))
        out.extend(Outgoing(("due", q.id, ch, to), message, policy.period) for ch, to in targets)
    return out


def _latest(forecasts: list[Forecast]) -> dict[str, Forecast]:
    latest: dict[str, Forecast] = {}
    for f in forecasts:
        if f.question_id not in latest or f.made_at >= latest[f.question_id].made_at:
            latest[f.question_id] = f
    return latest


def _stale_messages(store: Store, policy: ReminderPolicy, as_of: datetime) -> list[Outgoing]:
    out: list[Outgoing] = []
    wanting = [c for c in contacts(store) if c.stale_days and (c.email or c.webhook_url)]
    if not wanting:
        return out
    outcomes = store.current_outcomes()
    questions = {q.id: q for q in store.questions()}
    for contact in wanting:
        assert contact.stale_days is not None
        age = timedelta(days=contact.stale_days)
        for qid, forecast in sorted(_latest(store.forecasts(forecaster=contact.handle)).items()):
            q = questions[qid]
            status = question_status(q, resolved=outcomes.get(qid), as_of=as_of)
            if status is not QuestionStatus.OPEN or as_of - forecast.made_at < age:
                continue
            days = (as_of - forecast.made_at).days
            message = Message(
                subject=f"[forecasts] update your forecast on {q.id}",
                text=(
                    f'{contact.handle}: your forecast on {q.id} "{q.title}" is {days} days old '
                    f"(made {forecast.made_at.date().isoformat()}); the question closes on "
                    f"{q.closes_at.date().isoformat()}.{_link(policy, q)}"
                ),
            )
            subject = f"{qid}/{contact.handle}"
            if contact.email:
                out.append(Outgoing(("stale", subject, EMAIL, contact.email), message, age))
            if contact.webhook_url:
                out.append(Outgoing(("stale", subject, WEBHOOK, contact.webhook_url), message, age))
    return out


def plan_reminders(store: Store, policy: ReminderPolicy, *, as_of: datetime) -> list[Outgoing]:
    """The reminders owed at ``as_of``: none sent successfully within its period."""
    sent = last_sent(store, kinds=("due", "stale"))
    owed = _due_messages(store, policy, as_of) + _stale_messages(store, policy, as_of)
    return [o for o in owed if o.key not in sent or as_of - sent[o.key] >= o.period]


def run_reminders(
    store: Store,
    channels: Mapping[str, Channel],
    policy: ReminderPolicy,
    *,
    as_of: datetime,
    dry_run: bool = False,
) -> ReminderPass:
    """Send what is owed at ``as_of`` through ``channels`` and record each send."""
    result = ReminderPass(dry_run=dry_run)
    for outgoing in plan_reminders(store, policy, as_of=as_of):
        channel = channels.get(outgoing.channel)
        if channel is None:
            result.unsendable.append(outgoing)
            continue
        if dry_run:
            result.sent.append(outgoing)
            continue
        if not claim_send(
            store, outgoing.key, as_of=as_of, period=outgoing.period, lease=policy.lease
        ):
            continue  # another pass sent it since the plan, or is sending it now
        try:
            channel.send(outgoing.recipient, outgoing.message)
        except SendError as exc:
            record_send(store, outgoing.key, status="failed", at=as_of, detail=exc.message)
            result.failed.append((outgoing, exc.message))
            continue
        record_send(store, outgoing.key, status="sent", at=as_of, detail="")
        result.sent.append(outgoing)
    return result


def set_reminders(
    store: Store,
    handle: str,
    *,
    email: str | None,
    webhook_url: str | None,
    stale_days: int | None,
    as_of: datetime,
) -> Contact:
    """Set where ``handle`` wants reminders; empty strings clear a field. Validates first."""
    if store.forecaster(handle) is None:
        raise NotFoundError("forecaster", handle)
    old = contact_of(store, handle) or Contact(handle, None, None, None)
    new_email = old.email if email is None else (email.strip() or None)
    if new_email is not None and not _EMAIL.fullmatch(new_email):
        raise FieldError("email", f"{new_email!r} is not an email address (name@host)")
    new_hook = old.webhook_url if webhook_url is None else (webhook_url.strip() or None)
    if new_hook is not None and not new_hook.lower().startswith(("http://", "https://")):
        raise FieldError("webhook", f"'{new_hook}' is not an http(s) URL")
    new_days = old.stale_days if stale_days is None else (stale_days or None)
    if new_days is not None and not 1 <= new_days <= 3650:
        raise FieldError("stale_days", "must be a whole number of days from 1 to 3650 (0 clears)")
    contact = Contact(handle, new_email, new_hook, new_days)
    save_contact(store, contact, as_of=as_of)
    return contact
