"""``forecasts demo``: the main job on the embedded SQLite default."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import select

from forecasts.db.store import Store, open_store
from forecasts.db.tables import ResolutionCheckRow
from forecasts.domain import question_status
from forecasts.resolution.runtime import build_registry
from forecasts.resolution.spec import parse_resolution
from forecasts.resolution.sweep import run_sweep
from forecasts.services.transfer import import_file
from forecasts.timeutils import utc_now
from sources import ReplayFetcher

from ._common import cli_errors
from .analysis import demo_summary
from .render import describe_value, format_question_line, format_when

__all__ = ["demo_command", "default_example"]


def default_example() -> Path:
    """``examples/ai_race_2026.yaml`` beside the package (source checkout)."""
    return Path(__file__).resolve().parents[2] / "examples" / "ai_race_2026.yaml"


def _sources(spec: dict[str, Any]) -> str:
    plan = parse_resolution(spec, build_registry())
    return "source: " + ", ".join(sorted({leaf.spec.source for leaf in plan.leaves()}))


def _resolve_from_recordings(
    store: Store, recordings: Path, now: datetime
) -> dict[str, ResolutionCheckRow]:
    """Sweep what is due, replaying recorded responses instead of fetching live."""
    summary = run_sweep(
        store, build_registry(), ReplayFetcher(recordings), as_of=now, clock=utc_now, worker="demo"
    )
    for result in summary.results:
        if result.result == "resolved":
            outcome = (result.outcome or "").upper()
            typer.echo(
                f"Resolved {result.question_id} -> {outcome} from RECORDED responses "
                f"replayed from {recordings} (not fetched live)."
            )
        elif result.result != "pending":  # pending ones are listed below with their next check
            typer.echo(f"{result.question_id}: {result.result}: {result.detail[:120]}")
    typer.echo("")
    with store.reading() as session:
        rows = session.exec(select(ResolutionCheckRow)).all()
    return {row.question_id: row for row in rows}


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
    source = example or default_example()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    store = open_store(f"sqlite:///{db_path}")
    now = utc_now()
    summary = import_file(store, source, as_of=now)
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.counts.items() if n)
    typer.echo(f"Imported {counts} from {source.name} into {db_path}.\n")
    recordings = source.parent / "recordings" / source.stem
    checks = _resolve_from_recordings(store, recordings, now) if recordings.is_dir() else {}
    outcomes = store.current_outcomes()
    handles = {f.handle: f for f in store.forecasters()}
    for question in sorted(store.questions(), key=lambda q: q.id):
        state = question_status(question, resolved=outcomes.get(question.id), as_of=now)
        typer.echo(format_question_line(question, state))
        resolution = store.resolution(question.id)
        if resolution is not None:
            label = "from RECORDED responses" if resolution.recorded_evidence else ""
            typer.echo(
                f"    resolved {resolution.outcome.upper()} {label} by "
                f"{resolution.by}: {resolution.note}"
            )
        elif question.resolution:
            check = checks.get(question.id)
            when = (
                check.next_check_at
                if check is not None and check.next_check_at
                else question.resolves_at
            )
            typer.echo(
                f"    pending: next check {format_when(when)} ({_sources(question.resolution)})"
            )
        else:
            typer.echo(f"    resolved by hand after {format_when(question.resolves_at)}")
        for forecast in store.forecasts(question_id=question.id):
            who = handles[forecast.forecaster]
            typer.echo(
                f"    {who.name}, {format_when(forecast.made_at)}: {describe_value(forecast)}"
            )
        typer.echo("")
    head = store.ledger_head()
    typer.echo(f"Ledger head: event {head.seq}, hash {head.hash}")
    typer.echo(
        f"Next: forecasts question show A1 --db {db_path}   |   forecasts verify --db {db_path}"
    )
    for line in demo_summary(store, as_of=now, db=str(db_path)):
        typer.echo(line)
    store.close()
