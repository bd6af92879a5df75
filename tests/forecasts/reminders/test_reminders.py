"""Reminder passes against a real SMTP server and a real webhook receiver, on SQLite and
PostgreSQL: one email and one webhook per due question per period, failures retried."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest

from forecasts.db.reminders import claim_send
from forecasts.db.store import Store, open_store
from forecasts.domain import Forecaster
from forecasts.errors import FieldError, NotFoundError
from forecasts.notify import SmtpChannel, WebhookChannel
from forecasts.services import add_forecaster, add_question
from forecasts.services.authoring import create_question
from forecasts.services.due import due_questions
from forecasts.services.reminders import (
    EMAIL,
    WEBHOOK,
    Channel,
    ReminderPass,
    ReminderPolicy,
    run_reminders,
    set_reminders,
)
from forecasts.vocab import CheckState
from tests.factories import make_question

from .conftest import AS_OF, Hooks, Mailbox, seed

ADMIN = "admin@example.test"


def _channels(mail: Mailbox) -> dict[str, Channel]:
    smtp = SmtpChannel(
        host=mail.host, port=mail.port, sender="forecasts@example.test", starttls=False
    )
    return {EMAIL: smtp, WEBHOOK: WebhookChannel(timeout=5)}


def _policy(hooks: Hooks) -> ReminderPolicy:
    return ReminderPolicy(
        period=timedelta(days=1),
        admin_emails=(ADMIN,),
        webhook_url=f"{hooks.base}/hook",
        public_url="https://forecasts.example.test",
    )


def _mail_counts(mail: Mailbox) -> Counter[tuple[str, str]]:
    """(recipient, question id) for each email received."""
    return Counter((str(m["X-Envelope-To"]), str(m["Subject"]).split()[2]) for m in mail.messages)


def _hook_counts(hooks: Hooks) -> Counter[tuple[str, str]]:
    return Counter((path, body["text"].split('"')[0].split()[-1]) for path, body in hooks.received)


def test_due_lists_what_waits_for_a_person_oldest_first(store: Store) -> None:
    seed(store)
    due = due_questions(store, as_of=AS_OF)
    assert [d.question.id for d in due] == ["REV", "MAN"]
    rev, man = due
    assert rev.state is CheckState.NEEDS_REVIEW and "nosuch" in rev.why.lower()
    assert man.state is CheckState.MANUAL and "by hand" in man.why
    assert {d.who for d in due} == {"admin"}
    assert man.days_overdue(AS_OF) == 92
    # before MAN's resolve date only REV (its date already passed) waits
    earlier = AS_OF - timedelta(days=100)
    assert [d.question.id for d in due_questions(store, as_of=earlier)] == ["REV"]


def test_one_email_and_one_webhook_per_due_question_per_period(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    set_reminders(
        store,
        "alice",
        email=None,
        webhook_url=f"{webhook_server.base}/alice",
        stale_days=None,
        as_of=AS_OF,
    )
    channels, policy = _channels(smtp_server), _policy(webhook_server)

    def run(at_offset: timedelta) -> ReminderPass:
        done = run_reminders(store, channels, policy, as_of=AS_OF + at_offset)
        assert done.failed == [] and done.unsendable == []
        return done

    run(timedelta(0))
    assert _mail_counts(smtp_server) == {
        (ADMIN, "REV"): 1,
        (ADMIN, "MAN"): 1,
        ("alice@example.test", "your"): 1,  # the stale forecast on OPEN
    }
    assert _hook_counts(webhook_server) == {
        ("/hook", "REV"): 1,
        ("/hook", "MAN"): 1,
        ("/alice", "OPEN"): 1,
    }
    texts = [body["text"] for _, body in webhook_server.received]
    assert any("waits for admin" in t and "/questions/MAN" in t for t in texts)
    assert any("alice: your forecast on OPEN" in t and "31 days old" in t for t in texts)

    # later the same day and the next morning before the period is up: nothing more
    for offset in (timedelta(hours=1), timedelta(hours=23, minutes=59)):
        assert run(offset).sent == []
    assert len(smtp_server.messages) == 3 and len(webhook_server.received) == 3

    # a day on: the due questions again (one each), not the stale forecast (7-day period)
    assert len(run(timedelta(days=1)).sent) == 4
    assert run(timedelta(days=1, hours=2)).sent == []
    assert _mail_counts(smtp_server)[(ADMIN, "MAN")] == 2
    assert _hook_counts(webhook_server) == {
        ("/hook", "REV"): 2,
        ("/hook", "MAN"): 2,
        ("/alice", "OPEN"): 1,
    }

    # a week on: due questions and the still-stale forecast
    assert len(run(timedelta(days=7)).sent) == 6
    assert _hook_counts(webhook_server)[("/alice", "OPEN")] == 2
    assert _mail_counts(smtp_server)[("alice@example.test", "your")] == 2


def test_a_refused_webhook_is_not_recorded_and_is_retried(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    channels, policy = _channels(smtp_server), _policy(webhook_server)
    webhook_server.status = 500
    first = run_reminders(store, channels, policy, as_of=AS_OF)
    assert sorted(o.key[1] for o, _ in first.failed) == ["MAN", "REV"]
    assert all("HTTP 500" in why and "/hook" not in why for _, why in first.failed)
    assert len(smtp_server.messages) == 3 and webhook_server.received == []

    webhook_server.status = 200
    second = run_reminders(store, channels, policy, as_of=AS_OF + timedelta(minutes=15))
    assert second.failed == []
    assert sorted((o.channel, o.key[1]) for o in second.sent) == [
        (WEBHOOK, "MAN"),
        (WEBHOOK, "REV"),
    ]
    assert len(smtp_server.messages) == 3  # the emails went out before: not again
    assert _hook_counts(webhook_server) == {("/hook", "REV"): 1, ("/hook", "MAN"): 1}
    later = run_reminders(store, channels, policy, as_of=AS_OF + timedelta(minutes=30))
    assert later.sent == [] and later.failed == []


def test_an_unreachable_mail_server_is_retried(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    policy = _policy(webhook_server)
    dead = SmtpChannel(host="127.0.0.1", port=1, sender="forecasts@example.test", starttls=False)
    first = run_reminders(
        store, {EMAIL: dead, WEBHOOK: WebhookChannel(timeout=5)}, policy, as_of=AS_OF
    )
    assert len(first.failed) == 3 and all(o.channel == EMAIL for o, _ in first.failed)
    assert len(webhook_server.received) == 2
    second = run_reminders(store, _channels(smtp_server), policy, as_of=AS_OF + timedelta(hours=1))
    assert sorted(o.channel for o in second.sent) == [EMAIL] * 3
    assert len(smtp_server.messages) == 3 and len(webhook_server.received) == 2


def test_dry_run_and_missing_transports_send_and_record_nothing(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    policy = _policy(webhook_server)
    dry = run_reminders(store, _channels(smtp_server), policy, as_of=AS_OF, dry_run=True)
    assert len(dry.sent) == 5 and smtp_server.messages == [] and webhook_server.received == []
    no_mail = run_reminders(store, {WEBHOOK: WebhookChannel(timeout=5)}, policy, as_of=AS_OF)
    assert len(no_mail.unsendable) == 3 and len(no_mail.sent) == 2
    # the emails are still owed once SMTP is configured
    later = run_reminders(store, _channels(smtp_server), policy, as_of=AS_OF + timedelta(hours=1))
    assert sorted(o.channel for o in later.sent) == [EMAIL] * 3


def test_set_reminders_refuses_bad_input_and_writes_nothing(store: Store) -> None:
    seed(store)
    with pytest.raises(NotFoundError):
        set_reminders(store, "bob", email="b@x.test", webhook_url=None, stale_days=3, as_of=AS_OF)
    with pytest.raises(FieldError, match="email"):
        set_reminders(store, "alice", email="nope", webhook_url=None, stale_days=None, as_of=AS_OF)
    with pytest.raises(FieldError, match="webhook"):
        set_reminders(
            store, "alice", email=None, webhook_url="ftp://x", stale_days=None, as_of=AS_OF
        )
    with pytest.raises(FieldError, match="stale_days"):
        set_reminders(store, "alice", email=None, webhook_url=None, stale_days=-1, as_of=AS_OF)
    kept = set_reminders(store, "alice", email=None, webhook_url=None, stale_days=None, as_of=AS_OF)
    assert (kept.email, kept.webhook_url, kept.stale_days) == ("alice@example.test", None, 7)
    off = set_reminders(store, "alice", email="", webhook_url=None, stale_days=0, as_of=AS_OF)
    assert (off.email, off.stale_days) == (None, None)


def test_passes_running_at_once_send_each_reminder_once(
    store: Store, database_url: str, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    webhook_server.delay = 0.3  # each pass is still sending while the other plans
    results: list[ReminderPass] = []
    errors: list[BaseException] = []

    def one_pass() -> None:
        own = open_store(database_url)
        try:
            channels = _channels(smtp_server)
            results.append(run_reminders(own, channels, _policy(webhook_server), as_of=AS_OF))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=one_pass) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(results) == 3
    assert sum(len(r.sent) for r in results) == 5
    assert _hook_counts(webhook_server) == {("/hook", "REV"): 1, ("/hook", "MAN"): 1}
    assert sorted(_mail_counts(smtp_server).values()) == [1, 1, 1]


def test_a_pass_that_died_mid_send_gives_the_reminder_back_after_its_lease(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    policy = _policy(webhook_server)
    key = ("due", "MAN", WEBHOOK, f"{webhook_server.base}/hook")
    # claimed, then the process died: neither sent nor recorded
    assert claim_send(store, key, as_of=AS_OF, period=policy.period, lease=policy.lease)
    soon = run_reminders(store, _channels(smtp_server), policy, as_of=AS_OF + timedelta(minutes=5))
    assert ("/hook", "MAN") not in _hook_counts(webhook_server)
    assert len(soon.sent) == 4
    later = run_reminders(store, _channels(smtp_server), policy, as_of=AS_OF + policy.lease)
    assert [o.key for o in later.sent] == [key]
    assert _hook_counts(webhook_server)[("/hook", "MAN")] == 1


def test_a_title_with_line_breaks_makes_a_one_line_subject(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    question = make_question(
        "NL",
        title="Line one\nBcc: someone@example.test",
        opens_at="2026-01-01",
        closes_at="2026-01-10",
        resolve_on="2026-01-15",
    )
    add_question(store, question, as_of=AS_OF - timedelta(days=200))
    done = run_reminders(store, _channels(smtp_server), _policy(webhook_server), as_of=AS_OF)
    assert done.failed == [] and len(done.sent) == 7
    (mail,) = [m for m in smtp_server.messages if "NL" in str(m["Subject"])]
    assert str(mail["Subject"]) == "[forecasts] due: NL Line one Bcc: someone@example.test"
    assert mail["Bcc"] is None and str(mail["X-Envelope-To"]) == ADMIN


def test_a_question_made_in_the_web_app_waits_for_its_owner_who_is_reminded_too(
    store: Store, smtp_server: Mailbox, webhook_server: Hooks
) -> None:
    seed(store)
    start = AS_OF - timedelta(days=150)
    add_forecaster(store, Forecaster(handle="bob", name="Bob"), as_of=start)
    owned = make_question(
        "OWNED",
        opens_at=start.isoformat(),
        closes_at=(AS_OF - timedelta(days=60)).isoformat(),
        resolve_on=(AS_OF - timedelta(days=50)).isoformat(),
    )
    create_question(store, owned, owner="bob", hide_forecasts=False, as_of=start)
    set_reminders(
        store, "bob", email="bob@example.test", webhook_url=None, stale_days=None, as_of=start
    )
    who = {d.question.id: d.who for d in due_questions(store, as_of=AS_OF)}
    assert who == {"REV": "admin", "MAN": "admin", "OWNED": "bob"}

    channels, policy = _channels(smtp_server), _policy(webhook_server)
    run_reminders(store, channels, policy, as_of=AS_OF)
    run_reminders(store, channels, policy, as_of=AS_OF + timedelta(hours=3))
    counts = _mail_counts(smtp_server)
    assert counts[("bob@example.test", "OWNED")] == 1 and counts[(ADMIN, "OWNED")] == 1
    assert not any(to == "bob@example.test" and q != "OWNED" for to, q in counts)
    texts = [body["text"] for _, body in webhook_server.received]
    assert any("OWNED" in t and "waits for bob" in t for t in texts)
