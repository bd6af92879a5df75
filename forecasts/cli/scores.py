"""``record``, ``leaderboard``, ``compare`` and ``calibration``: scores from the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forecasts.errors import FieldError
from forecasts.vocab import Metric, QuestionKind

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store, parse_when

if TYPE_CHECKING:
    from forecasts.records import RecordFilter

__all__ = ["app"]

TagOption = Annotated[str | None, typer.Option("--tag", help="Only questions with this tag.")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only questions that closed on or after DATE.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Only questions that closed on or before DATE.")
]
KindOption = Annotated[QuestionKind | None, typer.Option("--kind")]
HorizonOption = Annotated[
    float | None,
    typer.Option("--min-horizon", help="Only forecasts made at least this many days ahead."),
]
# Kept in step with forecasts.records.DEFAULT_MIN_N by a test; importing it here would load
# numpy and scipy for `--help`.
DEFAULT_MIN_N = 20


def _filters(
    tag: str | None,
    since: str | None,
    until: str | None = None,
    kind: QuestionKind | None = None,
    horizon: float | None = None,
    exclude_backdated: bool = False,
) -> RecordFilter:
    from pydantic import ValidationError

    from forecasts.inputs import first_problem
    from forecasts.records import RecordFilter

    if horizon is not None and horizon < 0:
        raise FieldError("--min-horizon", "must not be negative")
    try:
        return _record_filter(RecordFilter, tag, since, until, kind, horizon, exclude_backdated)
    except ValidationError as exc:
        problem = first_problem(exc)
        raise FieldError("--" + problem.field.replace("_", "-"), problem.problem) from None


def _record_filter(
    model: type[RecordFilter],
    tag: str | None,
    since: str | None,
    until: str | None,
    kind: QuestionKind | None,
    horizon: float | None,
    exclude_backdated: bool,
) -> RecordFilter:
    return model.model_validate(
        {
            "tag": tag,
            "since": parse_when(since, "--since"),
            "until": parse_when(until, "--until"),
            "kind": kind,
            "min_horizon_days": horizon,
            "exclude_backdated": exclude_backdated,
        }
    )


@cli_errors
def record_command(
    handle: Annotated[str, typer.Argument(help="The forecaster's handle.")],
    tag: TagOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kind: KindOption = None,
    min_horizon: HorizonOption = None,
    min_n: Annotated[int, typer.Option("--min-n", help="Warn below this many.")] = DEFAULT_MIN_N,
    exclude_backdated: Annotated[
        bool,
        typer.Option(
            "--exclude-backdated", help="Leave out forecasts recorded after they were made."
        ),
    ] = False,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform", help="Only forecasts imported from this platform (e.g. fatebook)."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a forecaster's track record over resolved, non-annulled questions."""
    from forecasts.services.scores import record_of
    from forecasts.timeutils import utc_now

    from .score_text import format_record

    filters = _filters(tag, since, until, kind, min_horizon, exclude_backdated)
    if platform is not None:
        filters = filters.model_copy(update={"platform": platform})
    record = record_of(open_cli_store(db), handle, as_of=utc_now(), filters=filters, min_n=min_n)
    if as_json:
        emit_json(record.model_dump(mode="json"))
    else:
        for line in format_record(record):
            typer.echo(line)


@cli_errors
def leaderboard_command(
    metric: Annotated[Metric, typer.Option("--metric")] = Metric.BRIER,
    min_n: Annotated[int, typer.Option("--min-n", help="Rank only with this many.")] = 1,
    common: Annotated[
        bool, typer.Option("--common", help="Only questions every ranked forecaster answered.")
    ] = False,
    tag: TagOption = None,
    since: SinceOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank forecasters by a metric, with n, coverage and bootstrap intervals."""
    from forecasts.services.scores import board
    from forecasts.timeutils import utc_now

    from .score_text import format_leaderboard

    ranked = board(
        open_cli_store(db),
        as_of=utc_now(),
        metric=metric,
        min_n=min_n,
        common=common,
        filters=_filters(tag, since),
    )
    if as_json:
        emit_json(ranked.model_dump(mode="json"))
    else:
        for line in format_leaderboard(ranked):
            typer.echo(line)


@cli_errors
def compare_command(
    a: Annotated[str, typer.Argument(help="First forecaster.")],
    b: Annotated[str, typer.Argument(help="Second forecaster.")],
    metric: Annotated[
        Metric, typer.Option("--metric", help="brier, brier_time_weighted or log_score.")
    ] = Metric.BRIER,
    tag: TagOption = None,
    since: SinceOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two forecasters on the questions both answered."""
    from forecasts.services.scores import duel
    from forecasts.timeutils import utc_now

    from .score_text import format_comparison

    result = duel(
        open_cli_store(db), a, b, as_of=utc_now(), metric=metric, filters=_filters(tag, since)
    )
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        for line in format_comparison(result):
            typer.echo(line)


@cli_errors
def calibration_command(
    handle: Annotated[str, typer.Argument(help="The forecaster's handle.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .svg or .png.")],
    tag: TagOption = None,
    since: SinceOption = None,
    db: DbOption = None,
) -> None:
    """Write the forecaster's reliability diagram (with its consistency band)."""
    import tempfile

    from forecasts.services.scores import record_of
    from forecasts.timeutils import utc_now
    from forecasts.web.charts import reliability_svg
    from forecasts.web.png import svg_to_png

    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise FieldError("--out", f"'{out.name}' must end in .svg or .png")
    record = record_of(open_cli_store(db), handle, as_of=utc_now(), filters=_filters(tag, since))
    svg = reliability_svg(
        record.reliability,
        record.calibration,
        title=f"Reliability diagram: {record.name} ({record.n_binary} binary questions)",
    )
    if suffix == ".svg":
        out.write_text(svg, encoding="utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "diagram.svg"
            source.write_text(svg, encoding="utf-8")
            svg_to_png(source, out, width=440, height=440)
    typer.echo(f"wrote {out} ({record.n_binary} binary questions)")


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("record")(record_command)
    commands.command("leaderboard")(leaderboard_command)
    commands.command("compare")(compare_command)
    commands.command("calibration")(calibration_command)
    return commands
