"""The ``forecasts`` command line (typer). Built by :func:`build_app`; nothing at import.

One module per command group, each with its own ``typer.Typer``. Modules import only typer
and the light vocabulary at the top; services, storage and scoring load inside the command
that runs, so ``forecasts --help`` and simple commands start fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

__all__ = ["build_app", "main"]


# Where each top-level name comes from (module, factory), in the order ``--help`` lists them.
_PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ledger", "app", ("init", "rebuild-scores", "verify")),
    ("forecasters", "app", ("forecaster",)),
    ("questions", "app", ("question",)),
    ("forecasts", "app", ("forecast",)),
    ("transfer", "app", ("export", "import")),
    ("ledger", "ledger_app", ("ledger",)),
    ("resolve", "app", ("correct", "resolve", "scheduler")),
    ("evidence", "app", ("evidence",)),
    ("demo", "app", ("demo",)),
    ("scores", "app", ("calibration", "compare", "leaderboard", "record")),
    ("server", "app", ("serve",)),
    ("tokens", "app", ("token",)),
    ("sources_cmd", "app", ("sources",)),
    ("extract_cmd", "app", ("extract",)),
    ("reminders_cmd", "app", ("due", "remind")),
    ("predict", "predict", ("predict",)),
)


def _register(app: typer.Typer, module_name: str, factory: str) -> None:
    module = importlib.import_module(f"{__name__}.{module_name}")
    if module_name == "predict":
        app.command("predict")(module.predict)
    else:
        app.add_typer(getattr(module, factory)())


def build_app(argv: Sequence[str] | None = None) -> typer.Typer:
    """Assemble the CLI: the composition root of the command-line front end.

    Given the command line, only the module that serves its first word is loaded, so a
    command does not pay for building every other command's options; ``--help``, no
    arguments or an unknown word load them all.
    """
    app = typer.Typer(
        name="forecasts",
        help="Record forecasts in a tamper-evident ledger, resolve them, score them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    # A group even when one module's single command is loaded (typer would run it bare).
    app.callback()(_root)
    first = argv[0] if argv else None
    serving = [part for part in _PARTS if first in part[2]]
    for module_name, factory, _names in serving or _PARTS:
        _register(app, module_name, factory)
    return app


def _root() -> None:
    """Record forecasts in a tamper-evident ledger, resolve them, score them."""


def main() -> None:
    """Console-script entry point."""
    build_app(sys.argv[1:])()
