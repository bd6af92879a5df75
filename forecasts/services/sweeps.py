"""Sweeps of due questions, as the CLI and the scheduler start them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from forecasts.db.store import Store
from forecasts.resolution.runtime import build_fetcher, build_registry
from forecasts.resolution.sweep import RetryPolicy, SweepSummary, run_sweep
from forecasts.settings import Settings
from forecasts.timeutils import utc_now

__all__ = ["sweep_due"]


def sweep_due(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime,
    replay: Path | None = None,
    worker: str | None = None,
    lease: timedelta = timedelta(minutes=10),
    batch: int = 200,
    max_attempts: int = 8,
    question_id: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SweepSummary:
    """Resolve what is due at ``as_of`` from the configured sources (or recordings)."""
    policy = RetryPolicy(lease=lease, batch_size=batch, max_attempts=max_attempts)
    return run_sweep(
        store,
        build_registry(settings),
        build_fetcher(settings, replay=replay),
        as_of=as_of,
        clock=utc_now,
        worker=worker,
        policy=policy,
        question_id=question_id,
        dry_run=dry_run,
        progress=progress,
    )
