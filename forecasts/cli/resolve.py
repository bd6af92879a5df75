"""``resolve``, ``correct``, ``evidence`` and ``scheduler`` commands."""

from __future__ import annotations

import hashlib
import logging
import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from forecasts.db.store import Store
from forecasts.db.tables import EvidenceRow, ResolutionAttemptRow, ResolutionCheckRow
from forecasts.domain import Correction, Question, QuestionKind, Resolution, ResolutionMethod
from forecasts.errors import FieldError, InputError, NotFoundError, OperationError
from forecasts.resolution.runtime import build_fetcher, build_registry
from forecasts.resolution.sweep import RetryPolicy, SweepSummary, run_sweep
from forecasts.services import add_correction, add_resolution
from forecasts.settings import load_settings
from forecasts.timeutils import parse_duration, utc_now

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store, parse_when
from .render import format_when

__all__ = ["correct_command", "evidence_app", "resolve_command", "scheduler_command"]


def _question(store: Store, question_id: str) -> Question:
    question = store.question(question_id)
    if question is None:
        raise NotFoundError("question", question_id)
    return question


def _outcome(question: Question, text: str) -> tuple[str, float | None]:
    """Read an --outcome for ``question``: yes/no, an option, a number, or annulled."""
    raw = text.strip()
    if raw.lower() == "annulled":
        return "annulled", None
    if question.kind is QuestionKind.BINARY:
        if raw.lower() not in ("yes", "no"):
            raise FieldError("--outcome", f"'{raw}' is not yes, no or annulled")
        return raw.lower(), None
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        if raw not in question.options:
            raise FieldError(
                "--outcome",
                f"'{raw}' is not an option of {question.id} "
                f"({', '.join(question.options)}) or annulled",
            )
        return raw, None
    try:
        value = float(raw)
    except ValueError:
        raise FieldError("--outcome", f"'{raw}' is not a number or annulled") from None
    if not math.isfinite(value):
        raise FieldError("--outcome", f"'{raw}' is not a finite number")
    return repr(value), value


def _print_summary(summary: SweepSummary) -> None:
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
        settings = load_settings(database_url=db)
        store = open_cli_store(db)
        when = parse_when(as_of, "--as-of") or utc_now()
        try:
            policy = RetryPolicy(
                lease=parse_duration(lease), batch_size=batch, max_attempts=max_attempts
            )
        except ValueError as exc:
            raise FieldError("--lease", str(exc)) from None
        fetcher = build_fetcher(settings, replay=replay)
        show_bar = sys.stderr.isatty() and not as_json
        if show_bar:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("sweeping", total=None)
                summary = run_sweep(
                    store,
                    build_registry(),
                    fetcher,
                    as_of=when,
                    clock=utc_now,
                    worker=worker,
                    policy=policy,
                    question_id=only,
                    dry_run=dry_run,
                    progress=lambda d, _t: bar.update(task, completed=d),
                )
        else:
            summary = run_sweep(
                store,
                build_registry(),
                fetcher,
                as_of=when,
                clock=utc_now,
                worker=worker,
                policy=policy,
                question_id=only,
                dry_run=dry_run,
            )
        if as_json:
            emit_json(summary.to_json())
        else:
            if replay is not None:
                typer.echo(f"(responses replayed from recordings in {replay})")
            _print_summary(summary)
        return
    if question_id is None:
        raise InputError("give QUESTION_ID --outcome ... to resolve by hand, or --due to sweep")
    if outcome is None:
        raise FieldError("--outcome", "required to resolve by hand")
    if not by:
        raise FieldError("--by", "required: who resolves the question")
    if not note:
        raise FieldError("--note", "required: say why (what the evidence shows)")
    store = open_cli_store(db)
    text, value = _outcome(_question(store, question_id), outcome)
    now = utc_now()
    resolution = Resolution(
        question_id=question_id,
        outcome=text,
        value=value,
        resolved_at=now,
        method=ResolutionMethod.MANUAL,
        by=by,
        note=note,
        evidence_url=evidence_url,
    )
    add_resolution(store, resolution, as_of=now)
    if as_json:
        emit_json(resolution.model_dump(mode="json"))
    else:
        typer.echo(f"{question_id} resolved {text} by {by}")


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
    store = open_cli_store(db)
    question = _question(store, question_id)
    current = store.current_outcomes().get(question_id)
    if current is None:
        raise InputError(f"question {question_id} is not resolved; nothing to correct")
    text, value = _outcome(question, outcome)
    if text == current:
        raise FieldError("--outcome", f"question {question_id} already resolves to '{text}'")
    now = utc_now()
    correction = Correction(
        question_id=question_id,
        previous_outcome=current,
        outcome=text,
        value=value,
        corrected_at=now,
        by=by,
        reason=reason,
    )
    add_correction(store, correction, as_of=now)
    if as_json:
        emit_json(correction.model_dump(mode="json"))
    else:
        typer.echo(f"{question_id} corrected: {current} -> {text}")


@cli_errors
def evidence_show(
    evidence_id: Annotated[int, typer.Argument(help="Evidence id (see `evidence list`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-hash stored evidence and show it; exit 1 if the bytes no longer match."""
    store = open_cli_store(db)
    with store.reading() as session:
        row = session.get(EvidenceRow, evidence_id)
    if row is None:
        raise NotFoundError("evidence", str(evidence_id))
    if row.body is not None:
        rehash = hashlib.sha256(row.body).hexdigest()
        state = "ok" if rehash == row.sha256 else "MISMATCH"
    else:
        rehash, state = None, "excerpt only (body larger than the excerpt limit)"
    data = {
        "id": row.id,
        "question_id": row.question_id,
        "url": row.url,
        "fetched_at": format_when(row.fetched_at),
        "status": row.status,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "rehashed": rehash,
        "check": state,
        "recorded": row.recorded,
    }
    if as_json:
        emit_json(data)
    else:
        for key, value in data.items():
            typer.echo(f"{key:>12}: {value}")
        content = row.body if row.body is not None else (row.excerpt or b"")
        typer.echo("-" * 40)
        typer.echo(content[:2000].decode("utf-8", errors="replace"))
    if state == "MISMATCH":
        raise OperationError(
            f"evidence {evidence_id}: stored bytes hash to {rehash}, not {row.sha256}"
        )


@cli_errors
def evidence_list(
    question_id: Annotated[str, typer.Argument()],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the evidence, checks and attempts of a question."""
    from sqlmodel import col, select

    store = open_cli_store(db)
    if store.question(question_id) is None:
        raise NotFoundError("question", question_id)
    with store.reading() as session:
        rows = session.exec(
            select(EvidenceRow)
            .where(EvidenceRow.question_id == question_id)
            .order_by(col(EvidenceRow.id))
        ).all()
        attempts = session.exec(
            select(ResolutionAttemptRow)
            .where(ResolutionAttemptRow.question_id == question_id)
            .order_by(col(ResolutionAttemptRow.id))
        ).all()
        check = session.get(ResolutionCheckRow, question_id)
    if as_json:
        emit_json(
            {
                "state": check.state if check else None,
                "attempts": check.attempts if check else 0,
                "next_check_at": check.next_check_at.isoformat()
                if check and check.next_check_at
                else None,
                "last_error": check.last_error if check else None,
                "evidence": [
                    {
                        "id": r.id,
                        "url": r.url,
                        "sha256": r.sha256,
                        "status": r.status,
                        "size": r.size,
                        "recorded": r.recorded,
                    }
                    for r in rows
                ],
                "history": [
                    {"at": a.attempted_at.isoformat(), "result": a.result, "detail": a.detail}
                    for a in attempts
                ],
            }
        )
        return
    if check is not None:
        typer.echo(
            f"state: {check.state}, attempts {check.attempts}, next check "
            f"{format_when(check.next_check_at)}"
        )
        if check.last_error:
            typer.echo(f"last error: {check.last_error}")
    for r in rows:
        tag = " (recorded)" if r.recorded else ""
        typer.echo(f"evidence {r.id}: {r.status} {r.url} sha256 {r.sha256}{tag}")
    for a in attempts:
        typer.echo(f"  {format_when(a.attempted_at)} {a.result}: {a.detail[:160]}")


def evidence_app() -> typer.Typer:
    app = typer.Typer(name="evidence", help="Stored resolution evidence.", no_args_is_help=True)
    app.command("show")(evidence_show)
    app.command("list")(evidence_list)
    return app


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
    """Sweep on a schedule (and check the ledger daily) until SIGTERM or SIGINT."""
    from forecasts.db.verify import verify_store
    from forecasts.scheduler import run_scheduler

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
    registry = build_registry()
    fetcher = build_fetcher(settings, replay=replay)

    def sweep() -> None:
        try:
            summary = run_sweep(store, registry, fetcher, as_of=utc_now(), clock=utc_now)
        except Exception:  # one bad sweep must not stop the scheduler
            log.exception("sweep failed")
            return
        c = summary.counts()
        log.info(
            "sweep: resolved %d, pending %d, failed %d, needs_review %d (%d requests)",
            c["resolved"],
            c["pending"],
            c["failed"],
            c["needs_review"],
            summary.requests,
        )
        for r in summary.results:
            if r.result == "resolved":
                log.info("resolved %s -> %s", r.question_id, r.outcome)

    def verify() -> None:
        report = verify_store(store)
        if report.ok:
            log.info("ledger ok: %d events, head %s", report.events, report.head_hash)
        else:
            log.error(
                "ledger check found %d problem(s): %s",
                len(report.problems),
                "; ".join(report.problems[:5]),
            )

    if once:
        sweep()
        return
    run_scheduler(sweep=sweep, verify=verify, interval=every)
