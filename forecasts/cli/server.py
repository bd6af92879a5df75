"""``serve``: the REST API and the web pages."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DbOption, cli_errors

__all__ = ["app"]


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@cli_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="Server processes (PostgreSQL, or SQLite readers).")
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve the REST API (/api, /openapi.json) and the web pages.

    Serving never sweeps: run one `forecasts scheduler` beside any number of servers.
    """
    import os

    # A server answers many small requests at once: BLAS threads on matrices of a few
    # thousand cells only fight the requests for the cores (a matrix-vector product of a
    # record's bootstrap took 50x longer with two threads on a busy 2-core machine). Set
    # before numpy loads; workers inherit it.
    for name in _BLAS_THREADS:
        os.environ.setdefault(name, "1")

    import uvicorn

    from forecasts.api.app import serving_app
    from forecasts.errors import FieldError
    from forecasts.settings import load_settings

    if workers < 1:
        raise FieldError("--workers", "must be at least 1")
    settings = load_settings(database_url=db)
    typer.echo(f"serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    if workers == 1:
        uvicorn.run(serving_app(settings), host=host, port=port, log_level="warning")
        return
    # Each worker process builds its own app (and connection pool) from the environment;
    # --db reaches them through the variable the settings read.
    os.environ["FORECASTS_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "forecasts.api.app:create_app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("serve")(serve_command)
    return commands
