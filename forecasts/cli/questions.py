"""``question add|list|show``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from forecasts.errors import FieldError
from forecasts.vocab import QuestionKind, QuestionStatus

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


@cli_errors
def question_add(
    title: Annotated[str, typer.Option("--title", help="The question, answerable later.")],
    kind: Annotated[QuestionKind, typer.Option("--kind")],
    closes: Annotated[str, typer.Option("--closes", help="No forecasts after this (date).")],
    option: Annotated[
        list[str] | None, typer.Option("--option", help="An option (multiple_choice; repeat).")
    ] = None,
    resolve_on: Annotated[
        str | None, typer.Option("--resolve-on", help="The value on this date decides.")
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", help="Event by this date: YES when seen, NO after it."),
    ] = None,
    opens: Annotated[str | None, typer.Option("--opens", help="Default: now.")] = None,
    criteria: Annotated[str, typer.Option("--criteria", help="How it resolves, in words.")] = "",
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeat).")] = None,
    question_id: Annotated[str | None, typer.Option("--id", help="Default: generated.")] = None,
    resolution: Annotated[
        str | None, typer.Option("--resolution", help="Machine-checkable resolution spec as JSON.")
    ] = None,
    check_every: Annotated[str | None, typer.Option("--check-every", help="e.g. 1d")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="numeric: the unit")] = None,
    lower: Annotated[float | None, typer.Option("--lower", help="numeric: lower bound")] = None,
    upper: Annotated[float | None, typer.Option("--upper", help="numeric: upper bound")] = None,
    log_scale: Annotated[bool, typer.Option("--log", help="numeric: log scale")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a question; prints its id (``--json``: the question)."""
    import json

    from pydantic import ValidationError

    from forecasts.domain import Question
    from forecasts.inputs import first_problem
    from forecasts.services.forecasting import new_id
    from forecasts.services.recording import add_question
    from forecasts.timeutils import utc_now

    now = utc_now()
    spec: Any = None
    if resolution is not None:
        try:
            spec = json.loads(resolution)
        except ValueError as exc:
            raise FieldError("--resolution", f"not valid JSON ({exc})") from None
        if not isinstance(spec, dict):
            raise FieldError("--resolution", "must be a JSON object")
    scale = None
    if kind is QuestionKind.NUMERIC:
        scale = {"unit": unit, "lower": lower, "upper": upper, "log_scale": log_scale}
    fields: dict[str, Any] = {
        "id": question_id or new_id("q"),
        "title": title,
        "kind": kind,
        "options": option or [],
        "scale": scale,
        "opens_at": parse_when(opens, "--opens") or now,
        "closes_at": parse_when(closes, "--closes"),
        "resolve_on": parse_when(resolve_on, "--resolve-on"),
        "deadline": parse_when(deadline, "--deadline"),
        "check_every": check_every,
        "criteria": criteria,
        "tags": tag or [],
        "resolution": spec,
    }
    try:
        question = Question.model_validate(fields)
    except ValidationError as exc:
        raise first_problem(exc, fallback="question") from None
    add_question(open_cli_store(db), question, as_of=now)
    if as_json:
        emit_json(question.model_dump(mode="json"))
    else:
        typer.echo(question.id)


@cli_errors
def question_list(
    status: Annotated[QuestionStatus | None, typer.Option("--status")] = None,
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    kind: Annotated[QuestionKind | None, typer.Option("--kind")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List questions with their status."""
    from forecasts.services.queries import list_questions
    from forecasts.timeutils import utc_now

    from .render import format_question_line

    lines = list_questions(open_quick_store(db), as_of=utc_now(), status=status, tag=tag, kind=kind)
    if as_json:
        emit_json(
            [{**line.question.model_dump(mode="json"), "status": line.status} for line in lines]
        )
        return
    for line in lines:
        typer.echo(format_question_line(line.question, line.status))
    if not lines:
        typer.echo("no questions match", err=True)


@cli_errors
def question_show(
    question_id: Annotated[str, typer.Argument(help="The question's id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a question with its forecast history and resolution."""
    import json

    from forecasts.services.queries import question_detail
    from forecasts.timeutils import utc_now

    from .render import format_forecast, format_resolution, format_when

    detail = question_detail(open_cli_store(db), question_id, as_of=utc_now())
    question, state, forecasts = detail.question, detail.status, detail.forecasts
    resolution, corrections = detail.resolution, detail.corrections
    if as_json:
        emit_json(
            {
                **question.model_dump(mode="json"),
                "status": state,
                "forecasts": [
                    {**f.model_dump(mode="json"), "backdated": f.backdated} for f in forecasts
                ],
                "resolution": resolution.model_dump(mode="json") if resolution else None,
                "corrections": [c.model_dump(mode="json") for c in corrections],
            }
        )
        return
    typer.echo(f"{question.id}: {question.title}")
    typer.echo(f"  kind: {question.kind.value}  status: {state}")
    if question.options:
        typer.echo(f"  options: {', '.join(question.options)}")
    if question.scale is not None:
        s = question.scale
        typer.echo(
            f"  scale: {'log' if s.log_scale else 'linear'}{', unit ' + s.unit if s.unit else ''}"
        )
    when = (
        f"resolves on {format_when(question.resolve_on)}"
        if question.resolve_on
        else f"deadline {format_when(question.deadline)}"
    )
    typer.echo(
        f"  opens {format_when(question.opens_at)}, closes "
        f"{format_when(question.closes_at)}, {when}"
    )
    if question.tags:
        typer.echo(f"  tags: {', '.join(question.tags)}")
    if question.criteria:
        typer.echo(f"  criteria: {question.criteria}")
    if question.operationalization is not None:
        op = question.operationalization
        typer.echo(f"  operationalization{' by ' + op.by if op.by else ''}: {op.note}")
        for alt in op.alternatives:
            typer.echo(f"    alternative considered: {alt}")
    if question.resolution is not None:
        typer.echo(f"  resolution spec: {json.dumps(question.resolution)}")
    typer.echo(f"forecasts ({len(forecasts)}):")
    for forecast in forecasts:
        for line in format_forecast(forecast):
            typer.echo(line)
    if resolution is not None:
        typer.echo(f"resolution: {format_resolution(resolution)}")
    for c in corrections:
        typer.echo(
            f"correction: {c.previous_outcome} -> {c.outcome} by {c.by} "
            f"({format_when(c.corrected_at)}): {c.reason}"
        )


def app() -> typer.Typer:
    group = new_app("question", "Add, list and show questions.")
    group.command("add")(question_add)
    group.command("list")(question_list)
    group.command("show")(question_show)
    return group
