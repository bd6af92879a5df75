"""``predict "Will X happen by DATE?" 70% --by HANDLE``: a question and a forecast at once."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DbOption, JsonOption, cli_errors, emit_json

__all__ = ["predict"]


@cli_errors
def predict(
    question: Annotated[str, typer.Argument(help="'Will X happen by 2027-06-30?'")],
    p: Annotated[str, typer.Argument(help="0.7, 70%, odds 7:3 or a phrase ('likely').")],
    by: Annotated[str, typer.Option("--by", help="The forecaster's handle.")],
    note: Annotated[str | None, typer.Option("--note", help="Your rationale.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a binary question (deadline: the date after 'by') and forecast on it."""
    from forecasts.quick import parse_quick
    from forecasts.services.authoring import predict as record_prediction
    from forecasts.timeutils import utc_now

    from ._common import open_cli_store

    capture = parse_quick(question, p)
    asked, forecast = record_prediction(
        open_cli_store(db), capture, by=by, note=note, as_of=utc_now()
    )
    if as_json:
        emit_json(
            {
                "question": asked.model_dump(mode="json"),
                "forecast": forecast.model_dump(mode="json"),
            }
        )
    else:
        typer.echo(f"{asked.id} {forecast.id}")
