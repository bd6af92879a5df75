"""The ``forecasts`` command line (typer). Built by :func:`build_app`; nothing at import.

One module per command group, each with its own ``typer.Typer``. Modules import only typer
and the light vocabulary at the top; services, storage and scoring load inside the command
that runs, so ``forecasts --help`` and simple commands start fast.
"""

from __future__ import annotations

import typer

__all__ = ["build_app", "main"]


def build_app() -> typer.Typer:
    """Assemble the CLI: the composition root of the command-line front end."""
    from . import (
        demo,
        evidence,
        extract_cmd,
        forecasters,
        forecasts,
        ledger,
        predict,
        questions,
        reminders_cmd,
        resolve,
        scores,
        server,
        sources_cmd,
        tokens,
        transfer,
    )

    app = typer.Typer(
        name="forecasts",
        help="Record forecasts in a tamper-evident ledger, resolve them, score them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.add_typer(ledger.app())
    app.add_typer(forecasters.app())
    app.add_typer(questions.app())
    app.add_typer(forecasts.app())
    app.add_typer(transfer.app())
    app.add_typer(ledger.ledger_app())
    app.add_typer(resolve.app())
    app.add_typer(evidence.app())
    app.add_typer(demo.app())
    app.add_typer(scores.app())
    app.add_typer(server.app())
    app.add_typer(tokens.app())
    app.add_typer(sources_cmd.app())
    app.add_typer(extract_cmd.app())
    app.add_typer(reminders_cmd.app())
    app.command("predict")(predict.predict)
    return app


def main() -> None:
    """Console-script entry point."""
    build_app()()
