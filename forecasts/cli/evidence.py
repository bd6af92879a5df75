"""``evidence list|show``: what resolved a question, re-hashed on demand."""

from __future__ import annotations

from typing import Annotated

import typer

from forecasts.errors import OperationError

from ._common import DbOption, JsonOption, cli_errors, emit_json, new_app, open_cli_store

__all__ = ["app"]


@cli_errors
def evidence_show(
    evidence_id: Annotated[int, typer.Argument(help="Evidence id (see `evidence list`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-hash stored evidence and show it; exit 1 if the bytes no longer match."""
    from forecasts.services.resolving import check_evidence

    from .render import format_when

    checked = check_evidence(open_cli_store(db), evidence_id)
    item = checked.evidence
    data = {
        "id": item.id,
        "question_id": item.question_id,
        "url": item.url,
        "fetched_at": format_when(item.fetched_at),
        "status": item.status,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "rehashed": checked.rehashed,
        "check": checked.state,
        "recorded": item.recorded,
    }
    if as_json:
        emit_json(data)
    else:
        for key, value in data.items():
            typer.echo(f"{key:>12}: {value}")
        content = item.body if item.body is not None else (item.excerpt or b"")
        typer.echo("-" * 40)
        typer.echo(content[:2000].decode("utf-8", errors="replace"))
    if not checked.ok:
        raise OperationError(
            f"evidence {evidence_id}: stored bytes hash to {checked.rehashed}, not {item.sha256}"
        )


@cli_errors
def evidence_list(
    question_id: Annotated[str, typer.Argument()],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the evidence, checks and attempts of a question."""
    from forecasts.services.resolving import evidence_report

    from .render import format_when

    report = evidence_report(open_cli_store(db), question_id)
    check = report.check
    if as_json:
        emit_json(
            {
                "state": check.state if check else None,
                "attempts": check.attempts if check else 0,
                "next_check_at": check.next_check_at.isoformat()
                if check and check.next_check_at
                else None,
                "last_error": check.last_error if check else None,
                "evidence": [
                    {
                        "id": e.id,
                        "url": e.url,
                        "sha256": e.sha256,
                        "status": e.status,
                        "size": e.size,
                        "recorded": e.recorded,
                    }
                    for e in report.evidence
                ],
                "history": [
                    {"at": a.at.isoformat(), "result": a.result, "detail": a.detail}
                    for a in report.attempts
                ],
            }
        )
        return
    if check is not None:
        typer.echo(
            f"state: {check.state}, attempts {check.attempts}, next check "
            f"{format_when(check.next_check_at)}"
        )
        if check.last_error:
            typer.echo(f"last error: {check.last_error}")
    for e in report.evidence:
        tag = " (recorded)" if e.recorded else ""
        typer.echo(f"evidence {e.id}: {e.status} {e.url} sha256 {e.sha256}{tag}")
    for a in report.attempts:
        typer.echo(f"  {format_when(a.at)} {a.result}: {a.detail[:160]}")


def app() -> typer.Typer:
    group = new_app("evidence", "Stored resolution evidence.")
    group.command("show")(evidence_show)
    group.command("list")(evidence_list)
    return group
