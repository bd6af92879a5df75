"""``forecaster add|list|passwd``."""

from __future__ import annotations

from typing import Annotated

import typer

from forecasts.vocab import ForecasterKind

from . import reminders_cmd
from ._common import DbOption, JsonOption, cli_errors, emit_json, new_app, open_cli_store

__all__ = ["app"]


@cli_errors
def forecaster_add(
    handle: Annotated[str, typer.Argument(help="Unique, url-safe handle, e.g. yao-shunyu.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    kind: Annotated[ForecasterKind, typer.Option("--kind")] = ForecasterKind.PERSON,
    affiliation: Annotated[str | None, typer.Option("--affiliation")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a forecaster (a person, organization, model or crowd)."""
    from pydantic import ValidationError

    from forecasts.domain import Forecaster
    from forecasts.inputs import first_problem
    from forecasts.services.recording import add_forecaster
    from forecasts.timeutils import utc_now

    try:
        forecaster = Forecaster(handle=handle, name=name, kind=kind, affiliation=affiliation)
    except ValidationError as exc:
        raise first_problem(exc) from None
    add_forecaster(open_cli_store(db), forecaster, as_of=utc_now())
    if as_json:
        emit_json(forecaster.model_dump(mode="json"))
    else:
        typer.echo(forecaster.handle)


@cli_errors
def forecaster_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List forecasters."""
    from .render import format_forecaster

    forecasters = open_cli_store(db).forecasters()
    if as_json:
        emit_json([f.model_dump(mode="json") for f in forecasters])
        return
    for forecaster in forecasters:
        typer.echo(format_forecaster(forecaster))


@cli_errors
def forecaster_passwd(
    handle: Annotated[str, typer.Argument(help="The forecaster who signs in to the web app.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="May resolve and annul any question on the web.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a forecaster's web password (stored as an argon2 hash); ends their old sessions."""
    import getpass
    import sys

    from forecasts.errors import FieldError
    from forecasts.services.accounts import set_password
    from forecasts.timeutils import utc_now

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise FieldError("password", "the two entries differ")
    account = set_password(open_cli_store(db), handle, password, admin=admin, as_of=utc_now())
    typer.echo(f"password set for {account.handle}{' (admin)' if account.admin else ''}")


def app() -> typer.Typer:
    group = new_app("forecaster", "Add and list forecasters; set web passwords.")
    group.command("add")(forecaster_add)
    group.command("list")(forecaster_list)
    group.command("set-reminders")(reminders_cmd.set_reminders_command)
    group.command("passwd")(forecaster_passwd)
    return group
