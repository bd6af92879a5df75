"""``forecasts extract``: propose the forecastable claims of an article, for review and import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forecasts.errors import FieldError

from ._common import DbOption, JsonOption, cli_errors, emit_json

if TYPE_CHECKING:
    from forecasts.extract import Extraction

__all__ = ["app", "extract_command"]


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError("--date", f"'{value}' is not a date (expected YYYY-MM-DD)") from None


@cli_errors
def extract_command(
    source: Annotated[
        str, typer.Argument(help="A text or HTML file, - for stdin, or an http(s) URL.")
    ],
    when: Annotated[
        str | None,
        typer.Option(
            "--date", help="Publication date YYYY-MM-DD (default: the page's or dateline's)."
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="The source URL to record (default: SOURCE if a URL)."),
    ] = None,
    speaker_hint: Annotated[
        str | None,
        typer.Option("--speaker-hint", help="Speaker for claims the text does not attribute."),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="rules (offline) or llm.")] = "rules",
    as_json: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write a draft import file (YAML) for review.")
    ] = None,
    match: Annotated[
        bool, typer.Option("--match", help="Reuse matching questions already in the store (--db).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Propose the forecastable claims of an article: who, the words, when, by when, how sure."""
    from forecasts.extract import build_draft, render_yaml
    from forecasts.extract.text import find_dateline
    from forecasts.services.extraction import (
        ENGINES,
        is_url,
        read_source,
        run_engine,
        store_view,
    )
    from forecasts.settings import load_settings

    if engine not in ENGINES:
        raise FieldError("--engine", f"'{engine}' is not one of {', '.join(ENGINES)}")
    made_at = _parse_date(when) if when is not None else None
    if url is not None and not is_url(url):
        raise FieldError("--url", f"'{url}' is not an http(s) URL")
    if out is not None and out.exists() and out.is_dir():
        raise FieldError("--out", f"{out} is a directory")
    settings = load_settings(database_url=db)
    document_in = read_source(source, settings)
    made_at = made_at or document_in.published or find_dateline(document_in.text)
    if made_at is None:
        raise FieldError("--date", "the text carries no publication date; give --date YYYY-MM-DD")
    source_url = url or (source if is_url(source) else None)
    extraction = run_engine(engine, document_in.text, made_at, source_url or source, settings)
    if speaker_hint:
        for claim in extraction.claims:
            if claim.speaker is None:
                claim.speaker, claim.speaker_kind = speaker_hint, "person"
    view = None
    if match:
        from ._common import open_cli_store

        store = open_cli_store(db)
        view = store_view(store)
    document = build_draft(extraction, source_url=source_url, published=made_at, store=view)
    for warning in extraction.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
    if out is not None:
        try:
            out.write_text(
                render_yaml(document, extraction, source_url or source), encoding="utf-8"
            )
        except OSError as exc:
            raise FieldError("--out", f"cannot write {out} ({exc.strerror})") from None
    if as_json:
        emit_json(
            {
                "engine": extraction.engine,
                "source": source_url or source,
                "made_at": made_at.isoformat(),
                "claims": [c.model_dump(mode="json") for c in extraction.claims],
                "not_predictions": [s.model_dump(mode="json") for s in extraction.not_predictions],
            }
        )
    else:
        _print_claims(extraction)
    if out is not None:
        typer.echo(f"wrote {out} (review every item, then: forecasts import {out})", err=True)


def _print_claims(extraction: Extraction) -> None:
    forecastable = sum(c.forecastable for c in extraction.claims)
    typer.echo(
        f"{len(extraction.claims)} claim(s), {forecastable} forecastable "
        f"({extraction.engine} engine, published {extraction.made_at})"
    )
    for n, claim in enumerate(extraction.claims, start=1):
        flag = "" if claim.forecastable else f"  [not forecastable: {claim.reason}]"
        typer.echo(f"\n{n}. {claim.speaker or 'unattributed'}: {claim.claim}{flag}")
        typer.echo(f"   quote: {claim.quote}")
        if claim.resolve_by:
            window = f"{claim.window_start}..{claim.resolve_by}" if claim.window_start else ""
            typer.echo(f"   by: {claim.resolve_by} ({claim.horizon_text}) {window}".rstrip())
        if claim.probability is not None:
            typer.echo(f"   probability: {claim.probability:g} ({claim.probability_text})")
        if claim.quantity is not None:
            q = claim.quantity
            value = (
                f"{q.low:g}..{q.high:g}"
                if q.low is not None and q.high is not None
                else (f"{q.point:g}" if q.point is not None else f"{q.low or q.high:g}")
            )
            typer.echo(f"   quantity: {value} {q.unit or ''} ({q.scale})".rstrip())
        if claim.matches:
            typer.echo(f"   matches: {', '.join(claim.matches)}")
    for item in extraction.not_predictions:
        typer.echo(f"\nnot a prediction ({item.kind}): {item.quote}")


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("extract")(extract_command)
    return commands
