"""``resolve`` (a sweep, or one question by hand), ``correct`` and ``scheduler``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forecasts.errors import FieldError, InputError

from ._common import (
    DbOption,
    JsonOption,
    cli_errors,
    emit_json,
    flag_names,
    open_cli_store,
    parse_when,
)

if TYPE_CHECKING:
    from forecasts.resolution.sweep import SweepSummary

__all__ = ["app"]


def _print_summary(summary: SweepSummary) -> None:
    from .render import format_when

    for r in summary.results:
        extra = f" -> {r.outcome}" if r.outcome else ""
        when = f" (next check {format_when(r.next_check_at)})" if r.next_check_at else ""
        typer.echo(f"{r.question_id:<12} {r.result:<12}{extra}{when}  {r.detail[:160]}")
    counts = summary.counts()
    label = "dry run: would have " if summary.dry_run else ""
    typer.echo(
        f"{label}resolved {counts['resolved']}, pending {counts['pending']}, failed "
        f"{counts['failed']}, needs_review {counts['needs_review']}"
        + (f", skipped {counts['skipped']}" if counts["skipped"] else "")
        + f" ({summary.requests} distinct requests)"
    )


def _sweep(
    *,
    db: str | None,
    as_of: str | None,
    only: str | None,
    dry_run: bool,
    replay: Path | None,
    worker: str | None,
    lease: str,
    batch: int,
    max_attempts: int,
    workers: int,
    as_json: bool,
) -> None:
    from forecasts.services.sweeps import sweep_due, sweep_due_in_parallel
    from forecasts.settings import load_settings
    from forecasts.timeutils import parse_duration, utc_now

    settings = load_settings(database_url=db)
    when = parse_when(as_of, "--as-of") or utc_now()
    try:
        lease_for = parse_duration(lease)
    except ValueError as exc:
        raise FieldError("--lease", str(exc)) from None
    if batch < 1:
        raise FieldError("--batch", "must be at least 1")
    if max_attempts < 1:
        raise FieldError("--max-attempts", "must be at least 1")
    store = open_cli_store(db)
    options = {
        "as_of": when,
        "replay": replay,
        "lease": lease_for,
        "batch": batch,
        "max_attempts": max_attempts,
        "question_id": only,
        "dry_run": dry_run,
    }
    if workers != 1:
        store.close()
        summary = sweep_due_in_parallel(settings, workers=workers, worker=worker, **options)
    elif sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("sweeping", total=None)
            summary = sweep_due(
                store,
                settings,
                progress=lambda d, _t: bar.update(task, completed=d),
                worker=worker,
                **options,  # type: ignore[arg-type]
            )
    else:
        summary = sweep_due(store, settings, worker=worker, **options)  # type: ignore[arg-type]
    if as_json:
        emit_json(summary.to_json())
        return
    if replay is not None:
        typer.echo(f"(responses replayed from recordings in {replay})")
    _print_summary(summary)


@cli_errors
def resolve_command(
    question_id: Annotated[
        str | None, typer.Argument(help="Resolve this question by hand.")
    ] = None,
    due: Annotated[bool, typer.Option("--due", help="Sweep: resolve what has come due.")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Sweep as of this time (default now).")
    ] = None,
    only: Annotated[
        str | None, typer.Option("--question", help="Sweep only this question.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch and evaluate; write nothing.")
    ] = False,
    replay: Annotated[
        Path | None, typer.Option("--replay", help="Serve recorded responses from this directory.")
    ] = None,
    worker: Annotated[str | None, typer.Option("--worker", help="Name of this worker.")] = None,
    lease: Annotated[str, typer.Option("--lease", help="How long a claim lasts.")] = "10m",
    batch: Annotated[int, typer.Option("--batch", help="Questions claimed at a time.")] = 200,
    max_attempts: Annotated[int, typer.Option("--max-attempts")] = 8,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", help="Sweep in this many processes (PostgreSQL; names WORKER-1..N)."
        ),
    ] = 1,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="yes, no, an option, a number, or annulled")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who resolves (manual).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (manual).")] = None,
    evidence_url: Annotated[str | None, typer.Option("--evidence-url")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sweep due questions (--due), or resolve one question by hand (QUESTION_ID --outcome)."""
    if due:
        if question_id is not None or outcome is not None:
            raise InputError("use either --due (a sweep) or QUESTION_ID --outcome (by hand)")
        _sweep(
            db=db,
            as_of=as_of,
            only=only,
            dry_run=dry_run,
            replay=replay,
            worker=worker,
            lease=lease,
            batch=batch,
            max_attempts=max_attempts,
            workers=workers,
            as_json=as_json,
        )
        return
    if question_id is None:
        raise InputError("give QUESTION_ID --outcome ... to resolve by hand, or --due to sweep")
    if outcome is None:
        raise FieldError("--outcome", "required to resolve by hand")
    from forecasts.services.resolving import resolve_by_hand
    from forecasts.timeutils import utc_now

    with flag_names("outcome", "by", "note"):
        resolution = resolve_by_hand(
            open_cli_store(db),
            question_id,
            outcome=outcome,
            by=by or "",
            note=note or "",
            evidence_url=evidence_url,
            as_of=utc_now(),
        )
    if as_json:
        emit_json(resolution.model_dump(mode="json"))
    else:
        typer.echo(f"{question_id} resolved {resolution.outcome} by {resolution.by}")


@cli_errors
def correct_command(
    question_id: Annotated[str, typer.Argument()],
    outcome: Annotated[str, typer.Option("--outcome", help="The correct outcome.")],
    by: Annotated[str, typer.Option("--by")],
    reason: Annotated[str, typer.Option("--reason", help="Why the resolution was wrong.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct a wrong resolution with a recorded correction (nothing is overwritten)."""
    from forecasts.services.resolving import correct
    from forecasts.timeutils import utc_now

    with flag_names("outcome", "by", "reason"):
        correction = correct(
            open_cli_store(db),
            question_id,
            outcome=outcome,
            by=by,
            reason=reason,
            as_of=utc_now(),
        )
    if as_json:
        emit_json(correction.model_dump(mode="json"))
    else:
        typer.echo(
            f"{question_id} corrected: {correction.previous_outcome} -> {correction.outcome}"
        )


@cli_errors
def scheduler_command(
    interval: Annotated[
        str | None,
        typer.Option("--interval", help="e.g. 15m (default $FORECASTS_SWEEP_INTERVAL or 15m)"),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run one sweep and exit.")] = False,
    replay: Annotated[Path | None, typer.Option("--replay")] = None,
    db: DbOption = None,
) -> None:
    """Sweep and send reminders on a schedule (check the ledger daily) until SIGTERM/SIGINT."""
    import logging

    from forecasts.notify import build_channels
    from forecasts.scheduler import run_scheduler
    from forecasts.services.jobs import remind_job, sweep_job, verify_job
    from forecasts.services.reminders import policy_from
    from forecasts.settings import load_settings
    from forecasts.timeutils import parse_duration

    settings = load_settings(database_url=db)
    try:
        every = parse_duration(interval or settings.sweep_interval)
    except ValueError as exc:
        raise FieldError("--interval", str(exc)) from None
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    log = logging.getLogger("forecasts.scheduler")
    store = open_cli_store(db)
    sweep = sweep_job(store, settings, log, replay=replay)
    if once:
        sweep()
        return
    remind = remind_job(store, build_channels(settings), policy_from(settings), log)
    run_scheduler(sweep=sweep, verify=verify_job(store, log), remind=remind, interval=every)


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("resolve")(resolve_command)
    commands.command("correct")(correct_command)
    commands.command("scheduler")(scheduler_command)
    return commands
