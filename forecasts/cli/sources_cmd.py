"""``forecasts sources``: look after the data files the built-in sources rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import JsonOption, cli_errors, emit_json, fail, new_app

__all__ = ["app", "orgs_command"]


@cli_errors
def orgs_command(
    missing: Annotated[
        Path,
        typer.Option(
            "--missing",
            help="A leaderboard publication: a datasets-server /rows or /filter JSON page, a "
            "JSON list or JSON lines of rows, or a CSV export with an 'organization' column.",
            exists=True,
            dir_okay=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """List the organizations in a publication that sources/data/org_country.csv lacks."""
    from sources.builtin.lmarena import missing_organizations, read_publication

    try:
        rows = read_publication(missing.read_bytes())
    except (ValueError, KeyError, TypeError) as error:
        raise fail(f"{missing}: not a leaderboard publication: {error}", 2) from None
    report = missing_organizations(rows)
    if as_json:
        emit_json(
            {
                "organizations": report.organizations,
                "blank_rows": report.blank_rows,
                "missing": [
                    {"organization": m.name, "models": m.models, "best_rating": m.best_rating}
                    for m in report.missing
                ],
            }
        )
        return
    typer.echo(
        f"{len(report.missing)} of {report.organizations} organizations in {missing.name} have "
        f"no row in sources/data/org_country.csv; {report.blank_rows} rows have a blank "
        "organization."
    )
    for entry in report.missing:
        best = "-" if entry.best_rating is None else f"{entry.best_rating:g}"
        typer.echo(f"  {entry.name}\t{entry.models} models\tbest rating {best}")


def app() -> typer.Typer:
    group = new_app("sources", "The resolution sources and their data files.")
    group.command("orgs")(orgs_command)
    return group
