"""``init``, ``verify``, ``ledger head``, ``import`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from forecasts.db.engine import make_engine
from forecasts.db.migrate import current_revision, migrate
from forecasts.db.verify import verify_store
from forecasts.errors import FieldError, LedgerIntegrityError
from forecasts.services.transfer import dump_records, export_records, import_file
from forecasts.settings import load_settings
from forecasts.timeutils import utc_now

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store

__all__ = ["export_command", "import_command", "init_command", "ledger_app", "verify_command"]


@cli_errors
def init_command(db: DbOption = None) -> None:
    """Create or migrate the database to the newest schema."""
    url = load_settings(database_url=db).database_url
    engine = make_engine(url)
    before = current_revision(engine)
    migrate(engine)
    after = current_revision(engine)
    engine.dispose()
    state = "already at" if before == after else f"migrated from {before or 'empty'} to"
    typer.echo(f"{url}: {state} schema {after}")


@cli_errors
def verify_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Recompute the ledger's hash chain and check every row against its event."""
    report = verify_store(open_cli_store(db))
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "events": report.events,
                "rows": report.rows,
                "head": {"seq": report.head_seq, "hash": report.head_hash},
                "problems": report.problems,
            }
        )
    else:
        for problem in report.problems:
            typer.echo(f"TAMPERED: {problem}")
        if report.ok:
            typer.echo(
                f"ok: {report.events} events, {report.rows} rows match; head "
                f"{report.head_seq} {report.head_hash}"
            )
    if not report.ok:
        raise LedgerIntegrityError(
            f"{len(report.problems)} problem(s) found; the ledger does not match the rows"
        )


@cli_errors
def ledger_head_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print the sequence number and hash of the newest ledger event."""
    head = open_cli_store(db).ledger_head()
    if as_json:
        emit_json({"seq": head.seq, "hash": head.hash})
    else:
        typer.echo(f"{head.seq} {head.hash}")


def ledger_app() -> typer.Typer:
    app = typer.Typer(name="ledger", help="The hash-chained ledger.", no_args_is_help=True)
    app.command("head")(ledger_head_command)
    return app


@cli_errors
def import_command(
    file: Annotated[Path, typer.Argument(help="A .yaml, .json or .csv file.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import forecasters, questions, forecasts and outcomes: all or nothing."""
    store = open_cli_store(db)
    show_bar = sys.stderr.isatty() and not as_json
    if show_bar:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("importing", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = import_file(store, file, as_of=utc_now(), progress=advance)
    else:
        summary = import_file(store, file, as_of=utc_now())
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
    if fmt not in ("json", "yaml", "csv"):
        raise FieldError("--format", f"'{fmt}' is not json, yaml or csv")
    text = dump_records(export_records(open_cli_store(db)), fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)
