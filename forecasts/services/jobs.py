"""The unattended jobs: a sweep of due questions and a check of the ledger.

Each job logs what it did and never raises: one bad run must not stop the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from forecasts.db.store import Store
from forecasts.db.verify import verify_store
from forecasts.settings import Settings
from forecasts.timeutils import utc_now
from forecasts.vocab import SweepResult

from .reminders import Channel, ReminderPolicy, run_reminders
from .sweeps import sweep_due

__all__ = ["remind_job", "sweep_job", "verify_job"]


def sweep_job(
    store: Store, settings: Settings, log: logging.Logger, *, replay: Path | None = None
) -> Callable[[], None]:
    """A sweep of what is due at the time it runs."""

    def job() -> None:
        try:
            summary = sweep_due(store, settings, as_of=utc_now(), replay=replay)
        except Exception:  # one bad sweep must not stop the scheduler
            log.exception("sweep failed")
            return
        c = summary.counts()
        log.info(
            "sweep: resolved %d, pending %d, failed %d, needs_review %d (%d requests)",
            c[SweepResult.RESOLVED],
            c[SweepResult.PENDING],
            c[SweepResult.FAILED],
            c[SweepResult.NEEDS_REVIEW],
            summary.requests,
        )
        for r in summary.results:
            if r.result == SweepResult.RESOLVED:
                log.info("resolved %s -> %s", r.question_id, r.outcome)

    return job


def verify_job(store: Store, log: logging.Logger) -> Callable[[], None]:
    """A full ledger check; problems are logged as errors."""

    def job() -> None:
        try:
            report = verify_store(store)
        except Exception:
            log.exception("ledger check failed")
            return
        if report.ok:
            log.info("ledger ok: %d events, head %s", report.events, report.head_hash)
        else:
            log.error(
                "ledger check found %d problem(s): %s",
                len(report.problems),
                "; ".join(report.problems[:5]),
            )

    return job


def remind_job(
    store: Store, channels: Mapping[str, Channel], policy: ReminderPolicy, log: logging.Logger
) -> Callable[[], None]:
    """A reminder pass at the time it runs (what a failed send owes is kept for the next)."""

    def job() -> None:
        try:
            done = run_reminders(store, channels, policy, as_of=utc_now())
        except Exception:  # one bad pass must not stop the scheduler
            log.exception("reminder pass failed")
            return
        log.info(
            "reminders: sent %d, failed %d, no transport %d",
            len(done.sent),
            len(done.failed),
            len(done.unsendable),
        )
        for outgoing, problem in done.failed:
            log.warning("reminder %s not sent: %s", "/".join(outgoing.key[:3]), problem)

    return job
