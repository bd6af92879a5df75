"""``import`` and ``export``: the portable file formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forecasts.errors import FieldError

from ._common import DbOption, JsonOption, cli_errors, emit_json, open_cli_store

if TYPE_CHECKING:
    from forecasts.services.ledger import Store
    from forecasts.services.platform_import import PlatformImport

__all__ = ["app"]


@cli_errors
def import_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A .yaml, .json or .csv file, a platform's export, or (metaculus: user id, "
            "manifold: username) whose history to fetch from the platform's API.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    accept_pending: Annotated[
        bool, typer.Option("--accept-pending", help="Import items marked `review: pending`.")
    ] = False,
    platform: Annotated[
        str | None,
        typer.Option(
            "--from", help="The file is an export of fatebook (predictionbook, metaculus, ...)."
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--as", help="HANDLE for a one-person file, or NAME=HANDLE (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report; write nothing.")
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="Fatebook API key (or FORECASTS_FATEBOOK_API_KEY); Metaculus token "
            "(or FORECASTS_METACULUS_TOKEN).",
            show_default=False,
        ),
    ] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", help="The platform API's base URL.")
    ] = None,
    page_size: Annotated[
        int | None, typer.Option("--page-size", help="Records per API request.")
    ] = None,
) -> None:
    """Import forecasters, questions, forecasts and outcomes: all or nothing."""
    from forecasts.timeutils import utc_now

    store = open_cli_store(db)
    if platform is not None:
        api = (api_key, api_url, page_size)
        _import_platform(store, platform, file, mapping or [], api, dry_run, as_json)
        return
    if mapping:
        raise FieldError("--as", "only used with --from")
    if file is None:
        raise FieldError("FILE", "name the file to import")
    from forecasts.services.transfer import import_file

    show_bar = sys.stderr.isatty() and not as_json and not dry_run
    if show_bar:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("importing", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = import_file(
                store, file, as_of=utc_now(), progress=advance, accept_pending=accept_pending
            )
    else:
        summary = import_file(
            store, file, as_of=utc_now(), accept_pending=accept_pending, dry_run=dry_run
        )
    head = store.ledger_head()
    if as_json:
        emit_json(
            {
                "imported": summary.counts,
                "dry_run": dry_run,
                "ledger_head": {"seq": head.seq, "hash": head.hash},
            }
        )
        return
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.counts.items() if n)
    verb = "would import" if dry_run else "imported"
    typer.echo(f"{verb} {counts or 'nothing'} from {file}; ledger head {head.seq} {head.hash[:16]}")


def _import_platform(
    store: Store,
    platform: str,
    file: Path | None,
    mapping: list[str],
    api: tuple[str | None, str | None, int | None],
    dry_run: bool,
    as_json: bool,
) -> None:
    from forecasts.services.platform_import import import_platform
    from forecasts.timeutils import utc_now

    if platform in ("metaculus", "manifold") or (platform == "fatebook" and file is None):
        result = _import_api(store, platform, file, mapping, api, dry_run)
    elif file is None:
        raise FieldError("FILE", f"name the {platform} export to import")
    else:
        result = import_platform(
            store, platform, file, as_of=utc_now(), mapping=mapping, dry_run=dry_run
        )
    head = store.ledger_head()
    if as_json:
        emit_json(
            {
                "platform": result.platform,
                "source": result.source,
                "dry_run": result.dry_run,
                "imported": result.counts,
                "forecasters": result.handles,
                "skipped": [{"where": w, "reason": r} for w, r in result.skipped],
                "ledger_head": {"seq": head.seq, "hash": head.hash},
            }
        )
        return
    counts = ", ".join(f"{n} {kind}" for kind, n in result.counts.items() if n)
    verb = "would import" if dry_run else "imported"
    typer.echo(f"{verb} {counts or 'nothing'} from {platform} {result.source}")
    for name, handle in result.handles.items():
        typer.echo(f"  {name} -> {handle}")
    if result.skipped:
        typer.echo(f"skipped {len(result.skipped)}:")
        for where, reason in result.skipped:
            typer.echo(f"  {where}: {reason}")
    typer.echo(f"ledger head {head.seq} {head.hash[:16]}")


def _import_api(
    store: Store,
    platform: str,
    user: Path | None,
    mapping: list[str],
    api: tuple[str | None, str | None, int | None],
    dry_run: bool,
) -> PlatformImport:
    from forecasts.resolution.runtime import build_fetcher
    from forecasts.services.platform_api import ApiImport, import_from_api
    from forecasts.settings import load_settings
    from forecasts.timeutils import utc_now

    key, url, size = api
    settings = load_settings()
    saved = settings.fatebook_api_key if platform == "fatebook" else settings.metaculus_token
    source = ApiImport(
        platform=platform,
        user=None if user is None else str(user),
        base_url=url,
        token=key or (saved.get_secret_value() if saved else None),
        interval=settings.platform_interval,
        page_size=size,
    )
    return import_from_api(
        store,
        source,
        build_fetcher(settings),
        as_of=utc_now(),
        mapping=mapping,
        dry_run=dry_run,
    )


@cli_errors
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="json, yaml, csv or fatebook")] = "json",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default stdout).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Whose forecasts (--format fatebook).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export everything in the import format (with the ledger head), or one person's
    forecasts as a CSV for Fatebook's "Import from spreadsheet"."""
    if fmt not in ("json", "yaml", "csv", "fatebook"):
        raise FieldError("--format", f"'{fmt}' is not json, yaml, csv or fatebook")
    if fmt == "fatebook":
        if by is None:
            raise FieldError(
                "--by", "required with --format fatebook (Fatebook imports one person)"
            )
        from forecasts.services.platform_export import export_fatebook

        exported = export_fatebook(open_cli_store(db), by)
        text = exported.text
        if exported.left_out:
            typer.echo(
                f"left out {exported.left_out} numeric forecast(s): Fatebook has no numeric "
                "questions",
                err=True,
            )
    else:
        if by is not None:
            raise FieldError("--by", "only used with --format fatebook")
        from forecasts.services.transfer import dump_records, export_records

        text = dump_records(export_records(open_cli_store(db)), fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


def app() -> typer.Typer:
    commands = typer.Typer(rich_markup_mode=None)
    commands.command("import")(import_command)
    commands.command("export")(export_command)
    return commands
