"""The ``forecasts`` command line (typer). Built by :func:`build_app`; nothing at import."""

from __future__ import annotations

import typer

__all__ = ["build_app", "main"]


def build_app() -> typer.Typer:
    """Assemble the CLI: the composition root of the command-line front end."""
    from .admin import export_command, import_command, init_command, ledger_app, verify_command
    from .analysis import (
        calibration_command,
        compare_command,
        leaderboard_command,
        record_command,
        serve_command,
        token_app,
    )
    from .demo import demo_command
    from .extract_cmd import extract_command
    from .records import forecast_app, forecaster_app, question_app
    from .resolve import correct_command, evidence_app, resolve_command, scheduler_command

    app = typer.Typer(
        name="forecasts",
        help="Record forecasts in a tamper-evident ledger, resolve them, score them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.command("init")(init_command)
    app.add_typer(forecaster_app())
    app.add_typer(question_app())
    app.add_typer(forecast_app())
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("verify")(verify_command)
    app.add_typer(ledger_app())
    app.command("resolve")(resolve_command)
    app.command("correct")(correct_command)
    app.add_typer(evidence_app())
    app.command("scheduler")(scheduler_command)
    app.command("demo")(demo_command)
    app.command("extract")(extract_command)
    app.command("record")(record_command)
    app.command("leaderboard")(leaderboard_command)
    app.command("compare")(compare_command)
    app.command("calibration")(calibration_command)
    app.command("serve")(serve_command)
    app.add_typer(token_app())
    return app


def main() -> None:
    """Console-script entry point."""
    build_app()()
