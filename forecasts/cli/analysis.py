"""``record``, ``leaderboard``, ``compare``, ``calibration``, ``serve`` and ``token``."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from forecasts.db.store import Store
from forecasts.errors import FieldError, OperationError
from forecasts.records import (
    COMPARE_METRICS,
    DEFAULT_MIN_N,
    METRICS,
    Comparison,
    Leaderboard,
    RecordFilter,
    TrackRecord,
    compare,
    leaderboard,
    load_record_data,
    track_record,
)
from forecasts.timeutils import utc_now

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store, parse_when

__all__ = [
    "calibration_command",
    "compare_command",
    "demo_summary",
    "find_chromium",
    "format_leaderboard",
    "format_record",
    "leaderboard_command",
    "record_command",
    "serve_command",
    "token_app",
]

TagOption = Annotated[str | None, typer.Option("--tag", help="Only questions with this tag.")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only questions that closed on or after DATE.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Only questions that closed on or before DATE.")
]
KindOption = Annotated[
    str | None, typer.Option("--kind", help="binary, multiple_choice or numeric.")
]
HorizonOption = Annotated[
    float | None,
    typer.Option("--min-horizon", help="Only forecasts made at least this many days ahead."),
]


def _filters(
    tag: str | None,
    since: str | None,
    until: str | None = None,
    kind: str | None = None,
    horizon: float | None = None,
) -> RecordFilter:
    if kind is not None and kind not in ("binary", "multiple_choice", "numeric"):
        raise FieldError("--kind", f"'{kind}' is not binary, multiple_choice or numeric")
    if horizon is not None and horizon < 0:
        raise FieldError("--min-horizon", "must not be negative")
    return RecordFilter.model_validate(
        {
            "tag": tag,
            "since": parse_when(since, "--since"),
            "until": parse_when(until, "--until"),
            "kind": kind,
            "min_horizon_days": horizon,
        }
    )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_record(record: TrackRecord) -> list[str]:
    """The human-readable track record."""
    lines = [
        f"{record.name} ({record.handle}): {record.n} resolved question(s) of "
        f"{record.questions_available} available; coverage {_fmt(record.coverage, 2)}"
    ]
    if record.warning:
        lines.append(f"  warning: {record.warning}")
    if record.n_binary:
        interval = record.brier_interval
        ci = f" (95% CI {_fmt(interval.low)}-{_fmt(interval.high)})" if interval else ""
        lines += [
            f"  binary questions: {record.n_binary}",
            f"    Brier at close      {_fmt(record.brier)}{ci}   (0..1, lower is better)",
            f"    Brier time-weighted {_fmt(record.brier_time_weighted)}",
            f"    log score           {_fmt(record.log_score)}",
            f"    skill vs 50%        {_fmt(record.brier_skill_vs_half)}   "
            f"vs base rate {_fmt(record.base_rate, 2)}: {_fmt(record.brier_skill_vs_base_rate)}",
            f"    sharpness           {_fmt(record.sharpness)}",
        ]
        if record.murphy:
            m = record.murphy
            lines.append(
                f"    Murphy: reliability {_fmt(m.reliability)}, resolution "
                f"{_fmt(m.resolution)}, uncertainty {_fmt(m.uncertainty)}"
            )
        if record.corp:
            c = record.corp
            lines.append(
                f"    CORP: miscalibration {_fmt(c.mcb)}, discrimination {_fmt(c.dsc)}, "
                f"uncertainty {_fmt(c.unc)}"
            )
        if record.verbal:
            v = record.verbal
            lines.append(
                f"    verbal ({v.n_verbal}): Brier {_fmt(v.brier_low)} to {_fmt(v.brier_high)} "
                "across the stated bands"
            )
        lines.append("    calibration: bin        n   forecast  observed  (95% Wilson)")
        for b in record.calibration:
            if b.count:
                lines.append(
                    f"      {b.lower:.1f}-{b.upper:.1f}  {b.count:>6}   {_fmt(b.mean_forecast, 2)}"
                    f"      {_fmt(b.observed_frequency, 2)}      "
                    f"({_fmt(b.wilson_low, 2)}-{_fmt(b.wilson_high, 2)})"
                )
    if record.n_multiple_choice:
        lines.append(
            f"  multiple choice: {record.n_multiple_choice}; Brier (0..2) "
            f"{_fmt(record.brier_multiple_choice)}, log {_fmt(record.log_score_multiple_choice)}"
        )
    if record.n_numeric:
        lines.append(
            f"  numeric: {record.n_numeric}; CRPS {_fmt(record.crps)}, interval score "
            f"{_fmt(record.interval_score)}, interval coverage {_fmt(record.interval_coverage, 2)}"
        )
    return lines


def format_leaderboard(board: Leaderboard) -> list[str]:
    """The human-readable leaderboard."""
    lines = [
        f"{board.metric} ({board.description}; {board.orientation}); "
        f"{board.n_questions} question(s)" + (", common to all" if board.common_questions else "")
    ]
    if board.warning:
        lines.append(f"warning: {board.warning}")
    if not board.entries:
        lines.append("no forecaster has enough resolved questions yet")
        return lines
    lines.append(f"{'#':>3}  {'forecaster':<24} {'n':>5} {'coverage':>8} {'score':>9}  95% CI")
    for e in board.entries:
        ci = f"{_fmt(e.interval.low)} to {_fmt(e.interval.high)}" if e.interval else "-"
        lines.append(
            f"{e.rank:>3}  {e.handle:<24} {e.n:>5} {_fmt(e.coverage, 2):>8} "
            f"{_fmt(e.score):>9}  {ci}"
        )
    return lines


def format_comparison(duel: Comparison) -> list[str]:
    lines = [f"{duel.a} vs {duel.b} on {duel.n} question(s) both answered ({duel.metric})"]
    if duel.warning:
        lines.append(f"  warning: {duel.warning}")
    if duel.n:
        ci = duel.interval
        lines += [
            f"  mean {duel.a}: {_fmt(duel.mean_a)}   mean {duel.b}: {_fmt(duel.mean_b)}",
            f"  mean difference (a - b): {_fmt(duel.mean_difference)}"
            + (f"  95% CI {_fmt(ci.low)} to {_fmt(ci.high)}" if ci else ""),
            f"  Diebold-Mariano p = {_fmt(duel.diebold_mariano_pvalue)}   "
            f"permutation p = {_fmt(duel.permutation_pvalue)}",
        ]
    return lines


def demo_summary(store: Store, *, as_of: datetime, db: str) -> list[str]:
    """Track records, the leaderboard and how to open the pages (the end of `forecasts demo`)."""
    data = load_record_data(store, as_of=as_of)
    lines = ["", "Track records (resolved, non-annulled questions):"]
    if not len(data.questions):
        lines.append("  no resolved questions yet")
    else:
        for handle in data.forecasters:
            record = track_record(data, handle)
            if record.n == 0:
                continue
            lines.append(
                f"  {record.name} ({handle}): {record.n} question(s); Brier at close "
                f"{_fmt(record.brier)}, time-weighted {_fmt(record.brier_time_weighted)}, "
                f"log {_fmt(record.log_score)}, coverage {_fmt(record.coverage, 2)}"
            )
            if record.warning:
                lines.append(f"    ({record.warning})")
        lines += ["", "Leaderboard:"]
        lines += [f"  {line}" for line in format_leaderboard(leaderboard(data))]
    lines += [
        "",
        f"Open the pages: forecasts serve --db {db}  then http://127.0.0.1:8000/ "
        "(forecasters at /forecasters/HANDLE, API docs at /docs)",
    ]
    return lines


@cli_errors
def record_command(
    handle: Annotated[str, typer.Argument(help="The forecaster's handle.")],
    tag: TagOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kind: KindOption = None,
    min_horizon: HorizonOption = None,
    min_n: Annotated[int, typer.Option("--min-n", help="Warn below this many.")] = DEFAULT_MIN_N,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a forecaster's track record over resolved, non-annulled questions."""
    filters = _filters(tag, since, until, kind, min_horizon)
    store = open_cli_store(db)
    data = load_record_data(store, as_of=utc_now(), filters=filters, forecaster=handle)
    record = track_record(data, handle, min_n=min_n)
    if as_json:
        emit_json(record.model_dump(mode="json"))
    else:
        for line in format_record(record):
            typer.echo(line)


@cli_errors
def leaderboard_command(
    metric: Annotated[
        str, typer.Option("--metric", help=f"One of: {', '.join(METRICS)}.")
    ] = "brier",
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
    filters = _filters(tag, since)
    data = load_record_data(open_cli_store(db), as_of=utc_now(), filters=filters)
    board = leaderboard(data, metric=metric, min_n=min_n, common=common)
    if as_json:
        emit_json(board.model_dump(mode="json"))
    else:
        for line in format_leaderboard(board):
            typer.echo(line)


@cli_errors
def compare_command(
    a: Annotated[str, typer.Argument(help="First forecaster.")],
    b: Annotated[str, typer.Argument(help="Second forecaster.")],
    metric: Annotated[
        str, typer.Option("--metric", help=f"One of: {', '.join(COMPARE_METRICS)}.")
    ] = "brier",
    tag: TagOption = None,
    since: SinceOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two forecasters on the questions both answered."""
    data = load_record_data(open_cli_store(db), as_of=utc_now(), filters=_filters(tag, since))
    duel = compare(data, a, b, metric=metric)
    if as_json:
        emit_json(duel.model_dump(mode="json"))
    else:
        for line in format_comparison(duel):
            typer.echo(line)


def find_chromium() -> str | None:
    """Debian's chromium (or another chromium/chrome on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def svg_to_png(svg: Path, png: Path, *, width: int, height: int) -> None:
    """Render ``svg`` to ``png`` with headless chromium; OperationError without it."""
    browser = find_chromium()
    if browser is None:
        raise OperationError("PNG output needs chromium (apt-get install chromium); use .svg")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png.resolve()}",
                f"--window-size={width},{height}",
                svg.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0 or not png.exists():
        raise OperationError(f"chromium could not render the PNG: {result.stderr.strip()[:200]}")


@cli_errors
def calibration_command(
    handle: Annotated[str, typer.Argument(help="The forecaster's handle.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .svg or .png.")],
    tag: TagOption = None,
    since: SinceOption = None,
    db: DbOption = None,
) -> None:
    """Write the forecaster's reliability diagram (with its consistency band)."""
    from forecasts.web.charts import reliability_svg

    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise FieldError("--out", f"'{out.name}' must end in .svg or .png")
    store = open_cli_store(db)
    data = load_record_data(store, as_of=utc_now(), filters=_filters(tag, since), forecaster=handle)
    record = track_record(data, handle)
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


@cli_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the REST API (/api, /openapi.json) and the web pages."""
    import uvicorn

    from forecasts.api import create_app
    from forecasts.settings import load_settings

    app = create_app(load_settings(database_url=db))
    typer.echo(f"serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli_errors
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'alice laptop'.")],
    admin: Annotated[bool, typer.Option("--admin", help="Manage questions, resolutions.")] = False,
    forecaster: Annotated[
        str | None, typer.Option("--forecaster", help="Post forecasts only as HANDLE.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API token; it is printed once and stored only as its SHA-256."""
    from forecasts.services.tokens import create_token

    secret, info = create_token(
        open_cli_store(db), name, admin=admin, forecaster=forecaster, as_of=utc_now()
    )
    if as_json:
        emit_json({"id": info.id, "name": info.name, "role": info.role,
                   "forecaster": info.forecaster, "token": secret})  # fmt: skip
    else:
        typer.echo(secret)
        typer.echo(
            f"token {info.id} ({info.role}{' ' + info.forecaster if info.forecaster else ''}); "
            "keep it now: it is not stored and cannot be shown again",
            err=True,
        )


@cli_errors
def token_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List API tokens (never their secrets)."""
    from forecasts.services.tokens import list_tokens

    tokens = list_tokens(open_cli_store(db))
    if as_json:
        emit_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "role": t.role,
                    "forecaster": t.forecaster,
                    "created_at": t.created_at.isoformat(),
                    "revoked": t.revoked,
                }
                for t in tokens
            ]
        )
        return
    for t in tokens:
        state = "revoked" if t.revoked else "active"
        typer.echo(f"{t.id:>4}  {t.role:<10} {t.forecaster or '-':<20} {state:<8} {t.name}")


@cli_errors
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `token list`).")],
    db: DbOption = None,
) -> None:
    """Revoke an API token."""
    from forecasts.services.tokens import revoke_token

    revoke_token(open_cli_store(db), token_id)
    typer.echo(f"revoked token {token_id}")


def token_app() -> typer.Typer:
    app = typer.Typer(name="token", help="API bearer tokens.", no_args_is_help=True)
    app.command("create")(token_create)
    app.command("list")(token_list)
    app.command("revoke")(token_revoke)
    return app
