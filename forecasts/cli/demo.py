"""``forecasts demo``: the main job on the embedded SQLite default."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import cli_errors

if TYPE_CHECKING:
    from forecasts.services.demo import DemoQuestion, DemoRun
    from forecasts.services.ledger import Store

__all__ = ["app", "demo_summary"]


def demo_summary(store: Store, *, as_of: datetime, db: str) -> list[str]:
    """Track records, the leaderboard and how to open the pages (the end of `forecasts demo`)."""
    from forecasts.services.scores import board, records_of_all

    from .score_text import fmt, format_leaderboard

    records = records_of_all(store, as_of=as_of)
    lines = ["", "Track records (resolved, non-annulled questions):"]
    if not records:
        lines.append("  no resolved questions yet")
    else:
        for record in records:
            lines.append(
                f"  {record.name} ({record.handle}): {record.n} question(s); Brier at close "
                f"{fmt(record.brier)}, time-weighted {fmt(record.brier_time_weighted)}, "
                f"log {fmt(record.log_score)}, coverage {fmt(record.coverage, 2)}"
            )
            if record.warning:
                lines.append(f"    ({record.warning})")
        lines += ["", "Leaderboard:"]
        lines += [f"  {line}" for line in format_leaderboard(board(store, as_of=as_of))]
    lines += [
        "",
        f"Open the pages: forecasts serve --db {db}  then http://127.0.0.1:8000/ "
        "(forecasters at /forecasters/HANDLE, API docs at /docs)",
        f"Sign in to forecast there: forecasts forecaster passwd analyst --db {db} "
        "(asks for a password), then /login",
    ]
    return lines


def _question_lines(item: DemoQuestion, names: dict[str, str]) -> list[str]:
    from forecasts.services.demo import spec_sources

    from .render import describe_value, format_question_line, format_when

    question, resolution = item.question, item.resolution
    lines = [format_question_line(question, item.status)]
    if resolution is not None:
        label = "from RECORDED responses " if resolution.recorded_evidence else ""
        note = resolution.note
        lines.append(f"    resolved {resolution.outcome.upper()} {label}by {resolution.by}: {note}")
    elif question.resolution:
        check = item.check
        when = check.next_check_at if check and check.next_check_at else question.resolves_at
        sources = ", ".join(spec_sources(question.resolution))
        lines.append(f"    pending: next check {format_when(when)} (source: {sources})")
    else:
        lines.append(f"    resolved by hand after {format_when(question.resolves_at)}")
    for forecast in item.forecasts:
        who = names.get(forecast.forecaster, forecast.forecaster)
        lines.append(f"    {who}, {format_when(forecast.made_at)}: {describe_value(forecast)}")
    return lines


def _report(run: DemoRun) -> list[str]:
    counts = ", ".join(f"{n} {kind}" for kind, n in run.imported.items() if n)
    lines = [f"Imported {counts} from {run.source.name} into {run.db_path}.", ""]
    if run.recordings is not None:
        for result in run.swept:
            if result.result == "resolved":
                lines.append(
                    f"Resolved {result.question_id} -> {(result.outcome or '').upper()} from "
                    f"RECORDED responses replayed from {run.recordings} (not fetched live)."
                )
            elif result.result != "pending":  # pending ones are listed with their next check
                lines.append(f"{result.question_id}: {result.result}: {result.detail[:120]}")
        if any(r.result == "resolved" for r in run.swept):
            lines.append(
                f"  ({run.recordings}/README.md says which recordings are real downloads "
                "(Epoch, LMArena) and which are hand-written in a source's shape (Yahoo, D1).)"
            )
        lines.append("")
    for item in run.questions:
        lines += _question_lines(item, run.names) + [""]
    if run.head is not None:
        lines.append(f"Ledger head: event {run.head.seq}, hash {run.head.hash}")
    lines.append(
        f"Next: forecasts question show A1 --db {run.db_path}   |   "
        f"forecasts verify --db {run.db_path}"
    )
    return lines


@cli_errors
def demo_command(
    db_path: Annotated[Path, typer.Option("--db", help="SQLite file, created afresh.")] = Path(
        "forecasts-demo.db"
    ),
    example: Annotated[
        Path | None, typer.Option("--example", help="Example file to import.")
    ] = None,
) -> None:
    """Create ./forecasts-demo.db afresh, import the founding AI-race claims, show them."""
    from forecasts.services.demo import run_demo
    from forecasts.timeutils import utc_now

    run, store = run_demo(db_path, example)
    try:
        for line in _report(run):
            typer.echo(line)
        for line in demo_summary(store, as_of=utc_now(), db=str(db_path)):
            typer.echo(line)
    finally:
        store.close()


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("demo")(demo_command)
    return commands
