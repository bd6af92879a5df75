"""Shared CLI plumbing: options, the store, output, and translating errors to exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from forecasts.db.store import Store, open_store
from forecasts.errors import FieldError, ForecastsError, InputError
from forecasts.settings import load_settings
from forecasts.timeutils import parse_datetime

__all__ = [
    "DbOption",
    "JsonOption",
    "cli_errors",
    "emit_json",
    "fail",
    "open_cli_store",
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


def open_cli_store(db: str | None) -> Store:
    return open_store(load_settings(database_url=db).database_url)


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
        except OperationalError as exc:
            raise fail(f"database: {str(exc.orig).splitlines()[0]}", 1) from None
        except SQLAlchemyError as exc:
            raise fail(f"database: {str(exc).splitlines()[0]}", 1) from None

    return wrapper


def parse_when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise FieldError(option, str(exc)) from None


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
