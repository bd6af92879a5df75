"""``forecaster``, ``question`` and ``forecast`` commands."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from forecasts.domain import Forecaster, ForecasterKind, Question, QuestionKind, question_status
from forecasts.errors import FieldError, NotFoundError
from forecasts.inputs import ForecastInput, first_problem
from forecasts.services import add_forecast, add_forecaster, add_question, new_id
from forecasts.timeutils import utc_now

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store, parse_when
from .render import (
    format_forecast,
    format_forecaster,
    format_question_line,
    format_resolution,
    format_when,
)

__all__ = ["forecast_app", "forecaster_app", "question_app"]


# -- forecaster ---------------------------------------------------------------------------


@cli_errors
def forecaster_add(
    handle: Annotated[str, typer.Argument(help="Unique, url-safe handle, e.g. yao-shunyu.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    kind: Annotated[ForecasterKind, typer.Option("--kind")] = ForecasterKind.PERSON,
    affiliation: Annotated[str | None, typer.Option("--affiliation")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a forecaster (a person, organization, model or crowd)."""
    try:
        forecaster = Forecaster(handle=handle, name=name, kind=kind, affiliation=affiliation)
    except ValidationError as exc:
        raise first_problem(exc) from None
    store = open_cli_store(db)
    add_forecaster(store, forecaster, as_of=utc_now())
    if as_json:
        emit_json(forecaster.model_dump(mode="json"))
    else:
        typer.echo(forecaster.handle)


@cli_errors
def forecaster_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List forecasters."""
    forecasters = open_cli_store(db).forecasters()
    if as_json:
        emit_json([f.model_dump(mode="json") for f in forecasters])
        return
    for forecaster in forecasters:
        typer.echo(format_forecaster(forecaster))


# -- question -----------------------------------------------------------------------------


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
    status: Annotated[
        str | None, typer.Option("--status", help="open, closed, due, resolved or annulled")
    ] = None,
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List questions with their status."""
    statuses = ("open", "closed", "due", "resolved", "annulled")
    if status is not None and status not in statuses:
        raise FieldError("--status", f"'{status}' is not one of {', '.join(statuses)}")
    store = open_cli_store(db)
    now = utc_now()
    outcomes = store.current_outcomes()
    rows = []
    for question in store.questions():
        state = question_status(question, resolved=outcomes.get(question.id), as_of=now)
        if status is not None and state != status:
            continue
        if tag is not None and tag not in question.tags:
            continue
        rows.append((question, state))
    if as_json:
        emit_json([{**q.model_dump(mode="json"), "status": s} for q, s in rows])
        return
    for question, state in rows:
        typer.echo(format_question_line(question, state))
    if not rows:
        typer.echo("no questions match", err=True)


@cli_errors
def question_show(
    question_id: Annotated[str, typer.Argument(help="The question's id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a question with its forecast history and resolution."""
    store = open_cli_store(db)
    question = store.question(question_id)
    if question is None:
        raise NotFoundError("question", question_id)
    forecasts = store.forecasts(question_id=question_id)
    resolution = store.resolution(question_id)
    corrections = store.corrections(question_id)
    outcome = (
        corrections[-1].outcome if corrections else (resolution.outcome if resolution else None)
    )
    state = question_status(question, resolved=outcome, as_of=utc_now())
    if as_json:
        emit_json(
            {
                **question.model_dump(mode="json"),
                "status": state,
                "forecasts": [f.model_dump(mode="json") for f in forecasts],
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


# -- forecast -----------------------------------------------------------------------------


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
    store = open_cli_store(db)
    forecast = add_forecast(store, entry, as_of=utc_now())
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
    forecasts = open_cli_store(db).forecasts(question_id=question_id, forecaster=by)
    if as_json:
        emit_json([f.model_dump(mode="json") for f in forecasts])
        return
    for forecast in forecasts:
        typer.echo(f"{forecast.id}  {forecast.question_id:<10}" + format_forecast(forecast)[0])


def _group(name: str, help_text: str, commands: dict[str, Any]) -> typer.Typer:
    group = typer.Typer(name=name, help=help_text, no_args_is_help=True)
    for command_name, func in commands.items():
        group.command(command_name)(func)
    return group


def forecaster_app() -> typer.Typer:
    return _group(
        "forecaster", "Add and list forecasters.", {"add": forecaster_add, "list": forecaster_list}
    )


def question_app() -> typer.Typer:
    return _group(
        "question",
        "Add, list and show questions.",
        {"add": question_add, "list": question_list, "show": question_show},
    )


def forecast_app() -> typer.Typer:
    return _group(
        "forecast", "Record and list forecasts.", {"add": forecast_add, "list": forecast_list}
    )
