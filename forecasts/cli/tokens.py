"""``token create|list|revoke``: API bearer tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DbOption, JsonOption, cli_errors, emit_json, new_app, open_cli_store

__all__ = ["app"]


@cli_errors
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'alice laptop'.")],
    admin: Annotated[bool, typer.Option("--admin", help="Manage questions, resolutions.")] = False,
    forecaster: Annotated[
        str | None, typer.Option("--forecaster", help="Post forecasts only as HANDLE.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API token; it is printed once and stored only as its SHA-256."""
    from forecasts.services.tokens import create_token
    from forecasts.timeutils import utc_now

    secret, info = create_token(
        open_cli_store(db), name, admin=admin, forecaster=forecaster, as_of=utc_now()
    )
    if as_json:
        emit_json({"id": info.id, "name": info.name, "role": info.role,
                   "forecaster": info.forecaster, "token": secret})  # fmt: skip
    else:
        typer.echo(secret)
        typer.echo(
            f"token {info.id} ({info.role}{' ' + info.forecaster if info.forecaster else ''}); "
            "keep it now: it is not stored and cannot be shown again",
            err=True,
        )


@cli_errors
def token_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List API tokens (never their secrets)."""
    from forecasts.services.tokens import list_tokens

    tokens = list_tokens(open_cli_store(db))
    if as_json:
        emit_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "role": t.role,
                    "forecaster": t.forecaster,
                    "created_at": t.created_at.isoformat(),
                    "revoked": t.revoked,
                }
                for t in tokens
            ]
        )
        return
    for t in tokens:
        state = "revoked" if t.revoked else "active"
        typer.echo(f"{t.id:>4}  {t.role:<10} {t.forecaster or '-':<20} {state:<8} {t.name}")


@cli_errors
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `token list`).")],
    db: DbOption = None,
) -> None:
    """Revoke an API token."""
    from forecasts.services.tokens import revoke_token
    from forecasts.timeutils import utc_now

    revoke_token(open_cli_store(db), token_id, as_of=utc_now())
    typer.echo(f"revoked token {token_id}")


def app() -> typer.Typer:
    group = new_app("token", "API bearer tokens.")
    group.command("create")(token_create)
    group.command("list")(token_list)
    group.command("revoke")(token_revoke)
    return group
