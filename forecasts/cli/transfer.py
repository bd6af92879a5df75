"""``import`` and ``export``: the portable file formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from forecasts.errors import FieldError

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store

__all__ = ["app"]


@cli_errors
def import_command(
    file: Annotated[Path, typer.Argument(help="A .yaml, .json or .csv file.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    accept_pending: Annotated[
        bool, typer.Option("--accept-pending", help="Import items marked `review: pending`.")
    ] = False,
) -> None:
    """Import forecasters, questions, forecasts and outcomes: all or nothing."""
    from forecasts.services.transfer import import_file
    from forecasts.timeutils import utc_now

    store = open_cli_store(db)
    show_bar = sys.stderr.isatty() and not as_json
    if show_bar:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("importing", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = import_file(
                store, file, as_of=utc_now(), progress=advance, accept_pending=accept_pending
            )
    else:
        summary = import_file(store, file, as_of=utc_now(), accept_pending=accept_pending)
    head = store.ledger_head()
    if as_json:
        emit_json({"imported": summary.counts, "ledger_head": {"seq": head.seq, "hash": head.hash}})
        return
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.counts.items() if n)
    typer.echo(
        f"imported {counts or 'nothing'} from {file}; ledger head {head.seq} {head.hash[:16]}"
    )


@cli_errors
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="json, yaml or csv")] = "json",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default stdout).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export everything in the import format (with the ledger head)."""
    from forecasts.services.transfer import dump_records, export_records

    if fmt not in ("json", "yaml", "csv"):
        raise FieldError("--format", f"'{fmt}' is not json, yaml or csv")
    text = dump_records(export_records(open_cli_store(db)), fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("import")(import_command)
    commands.command("export")(export_command)
    return commands
