"""Shared CLI plumbing: options, the store, output, and translating errors to exit codes.

Kept light: typer and the standard library only, so that ``--help`` loads nothing else.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from forecasts.errors import FieldError, ForecastsError, InputError

if TYPE_CHECKING:
    from forecasts.services.ledger import Store
    from forecasts.services.stores import QuickStore

__all__ = [
    "DbOption",
    "JsonOption",
    "cli_errors",
    "emit_json",
    "fail",
    "flag_names",
    "new_app",
    "open_cli_store",
    "open_quick_store",
    "parse_when",
]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite path (default: $FORECASTS_DATABASE_URL or ./forecasts.db).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

P = ParamSpec("P")
R = TypeVar("R")


def new_app(name: str, help_text: str) -> typer.Typer:
    """A command group; plain help text (no rich), which keeps ``--help`` fast."""
    return typer.Typer(name=name, help=help_text, no_args_is_help=True, rich_markup_mode=None)


def open_cli_store(db: str | None) -> Store:
    from forecasts.services.ledger import open_database
    from forecasts.settings import load_settings

    return open_database(load_settings(database_url=db).database_url)


def open_quick_store(db: str | None) -> QuickStore:
    """For the everyday commands: the light SQLite path when it serves (see
    :mod:`forecasts.services.stores`), else the store."""
    from forecasts.services.stores import open_quick
    from forecasts.settings import load_settings

    return open_quick(load_settings(database_url=db).database_url)


def fail(message: str, code: int) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def cli_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Exit 2 on bad input, 1 on a failed operation, with a one-line message."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise fail(exc.message, 2) from None
        except ForecastsError as exc:
            raise fail(exc.message, 1) from None
        except Exception as exc:
            # A model built from user input that a command did not translate itself.
            if "pydantic" not in sys.modules:
                raise
            from pydantic import ValidationError

            from forecasts.inputs import first_problem

            if not isinstance(exc, ValidationError):
                raise
            raise fail(first_problem(exc).message, 2) from None

    return wrapper


@contextmanager
def flag_names(*fields: str) -> Iterator[None]:
    """Name the command-line flag, not the field, when a service refuses one of ``fields``."""
    try:
        yield
    except FieldError as exc:
        if exc.field not in fields:
            raise
        raise FieldError("--" + exc.field.replace("_", "-"), exc.problem) from None


def parse_when(value: str | None, option: str) -> datetime | None:
    from forecasts.timeutils import parse_datetime

    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise FieldError(option, str(exc)) from None


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
