"""``init``, ``verify`` and ``ledger head``: the database and its hash-chained ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from forecasts.errors import FieldError, LedgerIntegrityError

from ._common import DbOption, JsonOption, cli_errors, emit_json, new_app, open_cli_store

__all__ = ["app", "ledger_app"]


@cli_errors
def init_command(db: DbOption = None) -> None:
    """Create or migrate the database to the newest schema."""
    from forecasts.services.ledger import init_database
    from forecasts.settings import load_settings

    url = load_settings(database_url=db).database_url
    before, after = init_database(url)
    state = "already at" if before == after else f"migrated from {before or 'empty'} to"
    typer.echo(f"{url}: {state} schema {after}")


HeadOption = Annotated[
    str | None,
    typer.Option(
        "--head",
        help="A head published earlier, as SEQ:HASH or the JSON `ledger head --json` prints: "
        "also prove that the ledger extends it and that nothing before it changed.",
        show_default=False,
    ),
]


@cli_errors
def verify_command(
    db: DbOption = None, head: HeadOption = None, as_json: JsonOption = False
) -> None:
    """Recompute the ledger's hash chain and check every row against its event."""
    from forecasts.ledger import parse_published_head
    from forecasts.services.ledger import PublishedHead, verify_ledger

    published = None
    if head is not None:
        try:
            published = PublishedHead(*parse_published_head(head))
        except ValueError as exc:
            raise FieldError("--head", str(exc)) from None
    report = verify_ledger(open_cli_store(db), published=published)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "events": report.events,
                "rows": report.rows,
                "head": {"seq": report.head_seq, "hash": report.head_hash},
                "published": None
                if published is None
                else {"seq": published.seq, "hash": published.hash},
                "problems": report.problems,
            }
        )
    else:
        for problem in report.problems:
            typer.echo(f"TAMPERED: {problem}")
        if report.ok and published is not None:
            typer.echo(
                f"ok: the ledger extends the published head {published.seq} {published.hash} "
                f"({report.head_seq - published.seq} events since)"
            )
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
    """Print the newest ledger event's sequence number and hash: what to publish.

    Later, `forecasts verify --head SEQ:HASH` (or the JSON) proves the ledger extends it.
    """
    from forecasts.services.ledger import ledger_head

    head = ledger_head(open_cli_store(db))
    when = None if head.recorded_at is None else head.recorded_at.isoformat()
    if as_json:
        emit_json({"seq": head.seq, "hash": head.hash, "recorded_at": when})
    else:
        typer.echo(f"{head.seq} {head.hash}")


@cli_errors
def rebuild_scores_command(db: DbOption = None) -> None:
    """Recompute every kept score (each forecaster's scored standing forecast per resolved
    question) from the forecasts, resolutions and corrections.

    Records and leaderboards read these rows; `verify` checks them. Opening an upgraded
    database rebuilds them once by itself.
    """
    from forecasts.services.scores import rebuild

    written = rebuild(open_cli_store(db))
    typer.echo(f"rebuilt {written} kept scores")


def ledger_app() -> typer.Typer:
    group = new_app("ledger", "The hash-chained ledger.")
    group.command("head")(ledger_head_command)
    return group


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("init")(init_command)
    commands.command("verify")(verify_command)
    commands.command("rebuild-scores")(rebuild_scores_command)
    return commands
