"""``forecast add|list``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from forecasts.errors import FieldError

from ._common import (
    DbOption,
    JsonOption,
    cli_errors,
    emit_json,
    new_app,
    open_cli_store,
    open_quick_store,
    parse_when,
)

__all__ = ["app"]


def _parse_options(values: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in values:
        name, sep, p = item.rpartition("=")
        if not sep or not name:
            raise FieldError("--option", f"'{item}' is not NAME=P")
        options[name] = p
    return options


def _parse_quantiles(text: str) -> list[tuple[float, float]]:
    pairs = []
    for part in text.split(","):
        level, sep, value = part.partition(":")
        try:
            pairs.append((float(level), float(value)))
        except ValueError:
            raise FieldError("--quantiles", f"'{part}' is not LEVEL:VALUE") from None
        if not sep:
            raise FieldError("--quantiles", f"'{part}' is not LEVEL:VALUE")
    return pairs


@cli_errors
def forecast_add(
    question_id: Annotated[str, typer.Argument(help="The question's id.")],
    by: Annotated[str, typer.Option("--by", help="The forecaster's handle.")],
    p: Annotated[str | None, typer.Option("--p", help="0.7, 70% or odds 7:3")] = None,
    said: Annotated[
        str | None, typer.Option("--said", help="A verbal phrase, e.g. 'very likely'.")
    ] = None,
    read_as: Annotated[
        str | None,
        typer.Option("--read-as", help="The scale term a phrase outside the scale is read as."),
    ] = None,
    scale: Annotated[str, typer.Option("--scale", help="icd203 or ipcc")] = "icd203",
    option: Annotated[list[str] | None, typer.Option("--option", help="NAME=P (repeat)")] = None,
    quantiles: Annotated[str | None, typer.Option("--quantiles", help="LEVEL:VALUE,...")] = None,
    interval: Annotated[
        tuple[float, float] | None, typer.Option("--interval", help="LOW HIGH")
    ] = None,
    coverage: Annotated[float | None, typer.Option("--coverage", help="e.g. 0.9")] = None,
    log_scale: Annotated[bool, typer.Option("--log", help="interval on a log scale")] = False,
    at: Annotated[str | None, typer.Option("--at", help="When it was said (default now).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source URL.")] = None,
    quote: Annotated[str | None, typer.Option("--quote")] = None,
    published: Annotated[
        str | None, typer.Option("--published", help="Publication date of the source.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a forecast (append-only: a new belief is a new forecast)."""
    from pydantic import ValidationError

    from forecasts.inputs import ForecastInput, first_problem
    from forecasts.services.forecasting import add_forecast
    from forecasts.timeutils import utc_now

    fields: dict[str, Any] = {
        "question": question_id,
        "by": by,
        "p": p,
        "said": said,
        "read_as": read_as,
        "scale": scale,
        "options": _parse_options(option) if option else None,
        "quantiles": _parse_quantiles(quantiles) if quantiles else None,
        "made_at": parse_when(at, "--at"),
        "source": source,
        "quote": quote,
        "published_at": parse_when(published, "--published"),
        "note": note,
    }
    if interval is not None:
        if coverage is None:
            raise FieldError("--coverage", "required with --interval (e.g. 0.9)")
        fields["interval"] = {
            "low": interval[0],
            "high": interval[1],
            "coverage": coverage,
            "log_scale": log_scale,
        }
    elif coverage is not None:
        raise FieldError("--coverage", "only used with --interval")
    try:
        entry = ForecastInput.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise first_problem(exc) from None
    forecast = add_forecast(open_quick_store(db), entry, as_of=utc_now())
    if as_json:
        emit_json(forecast.model_dump(mode="json"))
    else:
        typer.echo(forecast.id)


@cli_errors
def forecast_list(
    question_id: Annotated[str | None, typer.Option("--question")] = None,
    by: Annotated[str | None, typer.Option("--by")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List forecasts, oldest first."""
    from .render import format_forecast

    forecasts = open_cli_store(db).forecasts(question_id=question_id, forecaster=by)
    if as_json:
        emit_json([f.model_dump(mode="json") for f in forecasts])
        return
    for forecast in forecasts:
        typer.echo(f"{forecast.id}  {forecast.question_id:<10}" + format_forecast(forecast)[0])


def app() -> typer.Typer:
    group = new_app("forecast", "Record and list forecasts.")
    group.command("add")(forecast_add)
    group.command("list")(forecast_list)
    return group
