"""``serve``: the REST API and the web pages."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DbOption, cli_errors

__all__ = ["app"]


@cli_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the REST API (/api, /openapi.json) and the web pages."""
    import uvicorn

    from forecasts.api import create_app
    from forecasts.settings import load_settings

    application = create_app(load_settings(database_url=db))
    typer.echo(f"serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("serve")(serve_command)
    return commands
