"""The built-in scheduler (APScheduler 3.x): the sweep job and a daily ledger check.

The only module that imports apscheduler. Jobs coalesce, never overlap, and tolerate missed
runs (the sweep is idempotent, so a late run does no harm). SIGTERM and SIGINT stop it cleanly:
a running sweep finishes its current question batch before the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

__all__ = ["run_scheduler"]

log = logging.getLogger("forecasts.scheduler")


def run_scheduler(
    *,
    sweep: Callable[[], None],
    verify: Callable[[], None],
    interval: timedelta,
    verify_every: timedelta = timedelta(days=1),
    remind: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run ``sweep`` every ``interval`` (first run now) and ``verify`` daily, until stopped.

    ``remind`` (a reminder pass) runs every ``interval`` too, after the first sweep.
    """
    stop = stop or threading.Event()
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=interval.total_seconds()),
        id="sweep",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(int(interval.total_seconds()), 1),
        next_run_time=_now(),
    )
    scheduler.add_job(
        verify,
        IntervalTrigger(seconds=verify_every.total_seconds()),
        id="verify",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=3600,
    )
    if remind is not None:
        scheduler.add_job(
            remind,
            IntervalTrigger(seconds=interval.total_seconds()),
            id="remind",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(int(interval.total_seconds()), 1),
        )

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping after the running job", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    scheduler.start()
    log.info(
        "scheduler started: sweep every %ss, ledger check every %ss",
        int(interval.total_seconds()),
        int(verify_every.total_seconds()),
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("scheduler stopped")


def _now() -> object:
    from forecasts.timeutils import utc_now

    return utc_now()
