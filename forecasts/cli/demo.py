"""``forecasts demo``: the main job on the embedded SQLite default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecasts.db.store import open_store
from forecasts.domain import question_status
from forecasts.timeutils import utc_now
from forecasts.transfer import import_file

from ._common import cli_errors
from .render import describe_value, format_question_line, format_when

__all__ = ["demo_command", "default_example"]


def default_example() -> Path:
    """``examples/ai_race_2026.yaml`` beside the package (source checkout)."""
    return Path(__file__).resolve().parents[2] / "examples" / "ai_race_2026.yaml"


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
    outcomes = store.current_outcomes()
    handles = {f.handle: f for f in store.forecasters()}
    for question in sorted(store.questions(), key=lambda q: q.id):
        state = question_status(question, resolved=outcomes.get(question.id), as_of=now)
        typer.echo(format_question_line(question, state))
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
    store.close()
