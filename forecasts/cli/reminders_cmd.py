"""``due``, ``remind`` and ``forecaster set-reminders``: what waits for a person, and telling
them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import DbOption, JsonOption, cli_errors, emit_json, flag_names, open_cli_store

if TYPE_CHECKING:
    from forecasts.services.reminders import Outgoing

__all__ = ["app", "set_reminders_command"]


@cli_errors
def due_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Questions past their resolve date waiting for a person, oldest first, with who acts."""
    from forecasts.services.due import due_questions
    from forecasts.timeutils import utc_now

    now = utc_now()
    items = due_questions(open_cli_store(db), as_of=now)
    if as_json:
        emit_json([item.to_json(now) for item in items])
        return
    if not items:
        typer.echo("nothing is waiting for a person")
        return
    for item in items:
        q = item.question
        typer.echo(
            f"{q.id}  due {item.due_since.date().isoformat()} "
            f"({item.days_overdue(now)}d ago)  {item.who}: {item.why}\n    {q.title}"
        )


@cli_errors
def remind_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be sent; send and record nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run one reminder pass now (the scheduler runs the same pass every interval)."""
    from forecasts.notify import build_channels, close_channels
    from forecasts.services.reminders import policy_from, run_reminders
    from forecasts.settings import load_settings
    from forecasts.timeutils import utc_now

    settings = load_settings(database_url=db)
    store = open_cli_store(db)
    channels = build_channels(settings)
    try:
        done = run_reminders(
            store, channels, policy_from(settings), as_of=utc_now(), dry_run=dry_run
        )
    finally:
        close_channels(channels)
    rows: list[tuple[str, Outgoing, str | None]] = [
        *(("would_send" if dry_run else "sent", o, None) for o in done.sent),
        *(("failed", o, why) for o, why in done.failed),
        *(("no_transport", o, None) for o in done.unsendable),
    ]
    if as_json:
        emit_json([_send_json(status, o, error) for status, o, error in rows])
    else:
        for status, o, error in rows:
            kind, subject, channel, _ = o.key
            extra = f"  ({error})" if error else ""
            typer.echo(f"{status:<12} {kind:<6} {subject}  {channel} {o.shown_recipient}{extra}")
        typer.echo(
            f"{len(done.sent)} {'to send' if dry_run else 'sent'}, {len(done.failed)} failed, "
            f"{len(done.unsendable)} without a configured transport"
        )
    if done.failed:
        raise typer.Exit(1)


def _send_json(status: str, o: Outgoing, error: str | None) -> dict[str, Any]:
    kind, subject, channel, _ = o.key
    data = {"status": status, "kind": kind, "subject": subject, "channel": channel}
    return {**data, "recipient": o.shown_recipient, "error": error}


@cli_errors
def set_reminders_command(
    handle: Annotated[str, typer.Argument(help="The forecaster.")],
    email: Annotated[
        str | None, typer.Option("--email", help="Address for reminders ('' clears).")
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="Slack-compatible webhook URL for reminders ('' clears)."),
    ] = None,
    stale_days: Annotated[
        int | None,
        typer.Option(
            "--stale-days",
            help="Remind when my latest forecast on an open question is older (0 turns off).",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set where a forecaster gets reminders and when a forecast counts as stale."""
    from forecasts.services.reminders import set_reminders
    from forecasts.timeutils import utc_now

    with flag_names("email", "webhook", "stale_days"):
        contact = set_reminders(
            open_cli_store(db),
            handle,
            email=email,
            webhook_url=webhook,
            stale_days=stale_days,
            as_of=utc_now(),
        )
    data = {
        "handle": contact.handle,
        "email": contact.email,
        "webhook": contact.webhook_url,
        "stale_days": contact.stale_days,
    }
    if as_json:
        emit_json(data)
    else:
        typer.echo(" ".join(f"{k}={'-' if v is None else v}" for k, v in data.items()))


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("due")(due_command)
    commands.command("remind")(remind_command)
    return commands
