"""Sweeps of due questions, as the CLI and the scheduler start them."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from forecasts.db.engine import is_sqlite
from forecasts.db.store import Store, open_store
from forecasts.errors import FieldError
from forecasts.resolution.runtime import build_fetcher, build_registry
from forecasts.resolution.sweep import (
    RetryPolicy,
    SweepSummary,
    default_worker_name,
    run_sweep,
)
from forecasts.settings import Settings
from forecasts.timeutils import utc_now

__all__ = ["sweep_due", "sweep_due_in_parallel"]


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
    shard: tuple[int, int] | None = None,
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
        shard=shard,
    )


def _one_worker(
    settings: Settings, worker: str, shard: tuple[int, int] | None, options: dict[str, Any]
) -> SweepSummary:
    """One worker process: its own store (connections are not shared across processes)."""
    store = open_store(settings.database_url, auto_migrate=False)
    try:
        return sweep_due(store, settings, worker=worker, shard=shard, **options)
    finally:
        store.close()


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers are forked from a fresh server process that has imported the sweep once, not
    from this one: a child must not inherit the caller's open connections or threads, and
    each spawned child would import everything again (about a second of CPU each)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def sweep_due_in_parallel(
    settings: Settings, *, workers: int, worker: str | None = None, **options: Any
) -> SweepSummary:
    """Run ``workers`` sweeps of the same due questions as separate processes.

    Each claims its questions with ``SELECT ... FOR UPDATE SKIP LOCKED``, so no question is
    checked twice; the summaries are merged. PostgreSQL only: SQLite has one writer.
    ``options`` are :func:`sweep_due`'s (``as_of`` required, no ``progress``).
    """
    if workers < 1:
        raise FieldError("--workers", "must be at least 1")
    if workers > 1 and is_sqlite(settings.database_url):
        raise FieldError("--workers", "several workers need PostgreSQL (SQLite has one writer)")
    base = worker or default_worker_name()
    names = [f"{base}-{i}"[:64] for i in range(1, workers + 1)]
    context = _worker_context()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        # Each worker takes its own shard first, so a URL is fetched by one worker, not all.
        shards = [(i, workers) if workers > 1 else None for i in range(workers)]
        futures = [
            pool.submit(_one_worker, settings, name, shard, options)
            for name, shard in zip(names, shards, strict=True)
        ]
        summaries = [future.result() for future in futures]
    merged = SweepSummary(
        as_of=options["as_of"], worker=",".join(names), dry_run=bool(options.get("dry_run"))
    )
    for summary in summaries:
        merged.results.extend(summary.results)
        merged.requests += summary.requests
    return merged
