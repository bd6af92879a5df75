"""What the rows must satisfy: each matches the first event that created it.

Records (forecasters, questions, forecasts, resolutions, corrections), evidence metadata and
API tokens are compared field by field with their ``*.created`` event; an event without its
row is a deletion, a row without its event was added outside the ledger. A token's
``revoked`` flag must agree with its ``token.revoked`` event, and a check row's state with
what the ledger says about its question.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from forecasts.domain import CheckState, Correction, Forecast, Forecaster, Question, Resolution
from forecasts.ledger import diff_payloads

from . import convert
from .evidence import evidence_data
from .tables import (
    ApiTokenRow,
    CorrectionRow,
    EvidenceRow,
    ForecasterRow,
    ForecastRow,
    QuestionRow,
    ResolutionCheckRow,
    ResolutionRow,
)
from .tokens import token_data
from .verify_chain import Event, Ledgered

__all__ = ["RowCheck", "check_rows"]

RowCheck = Callable[[Session, Ledgered], Iterator[str]]


def _loose(value: Any) -> Any:
    def default(obj: Any) -> Any:
        if isinstance(obj, datetime):
            return obj.isoformat().replace("+00:00", "Z")
        if isinstance(obj, date | timedelta):
            return str(obj)
        return repr(obj)

    return json.loads(json.dumps(value, default=default))


def _payload(model: type[BaseModel], fields: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    try:
        return model.model_validate(fields).model_dump(mode="json"), None
    except ValidationError as exc:
        return _loose(fields), f"row no longer valid ({exc.error_count()} error(s))"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _changed(name: str, event: Event, current: dict[str, Any], note: str | None) -> str | None:
    changed = diff_payloads(event.data, current)
    if not changed:
        return None
    details = ", ".join(
        f"{field} (ledger {_show(event.data.get(field))}, row {_show(current.get(field))})"
        for field in changed
    )
    return f"{name} (event {event.seq}): changed {details}" + (f"; {note}" if note else "")


_Entity = tuple[
    str, type[Any], type[BaseModel], Callable[[Any], dict[str, Any]], Callable[[Any], str]
]

_RECORDS: tuple[_Entity, ...] = (
    ("forecaster", ForecasterRow, Forecaster, convert.forecaster_fields, lambda r: r.handle),
    ("question", QuestionRow, Question, convert.question_fields, lambda r: r.id),
    ("forecast", ForecastRow, Forecast, convert.forecast_fields, lambda r: r.id),
    ("resolution", ResolutionRow, Resolution, convert.resolution_fields, lambda r: r.question_id),
    ("correction", CorrectionRow, Correction, convert.correction_fields, lambda r: str(r.id)),
)


def _deleted(ledger: Ledgered, entity: str, seen: set[str]) -> Iterator[str]:
    for entity_id, event in ledger.created_keys(entity):
        if entity_id not in seen:
            yield f"{entity} {entity_id} (event {event.seq}): row was deleted"


def _records(session: Session, ledger: Ledgered) -> Iterator[str]:
    for entity, table, model, fields_of, key_of in _RECORDS:
        seen: set[str] = set()
        for row in session.exec(select(table)).all():
            entity_id = key_of(row)
            seen.add(entity_id)
            event = ledger.created(entity, entity_id)
            if event is None:
                yield f"{entity} {entity_id}: row has no ledger event (added outside the ledger)"
                continue
            current, invalid = _payload(model, fields_of(row))
            problem = _changed(f"{entity} {entity_id}", event, current, invalid)
            if problem:
                yield problem
        yield from _deleted(ledger, entity, seen)


def _evidence(session: Session, ledger: Ledgered) -> Iterator[str]:
    """Metadata against its event; bytes against their SHA-256, which the resolution holds."""
    seen: set[str] = set()
    rows = session.exec(select(EvidenceRow).execution_options(yield_per=500))
    for row in rows:
        entity_id = str(row.id)
        seen.add(entity_id)
        name = f"evidence {row.id} (question {row.question_id})"
        if row.body is not None and hashlib.sha256(row.body).hexdigest() != row.sha256:
            yield f"{name}: stored bytes no longer match their SHA-256"
        resolution = ledger.created("resolution", row.question_id)
        ledgered = [] if resolution is None else resolution.data.get("evidence_sha256") or []
        if row.sha256 not in ledgered:
            yield f"{name}: hash {row.sha256[:16]}... is not in the ledgered resolution"
        event = ledger.created("evidence", entity_id)
        if event is None:
            yield f"{name}: row has no ledger event (added outside the ledger)"
            continue
        problem = _changed(f"evidence {row.id}", event, evidence_data(row), None)
        if problem:
            yield problem
    yield from _deleted(ledger, "evidence", seen)


def _tokens(session: Session, ledger: Ledgered) -> Iterator[str]:
    seen: set[str] = set()
    for row in session.exec(select(ApiTokenRow).order_by(col(ApiTokenRow.id))).all():
        entity_id = str(row.id)
        seen.add(entity_id)
        name = f"token {row.id} ({row.role}, {row.name!r})"
        event = ledger.created("token", entity_id)
        if event is None:
            yield f"{name}: row has no ledger event (planted outside the ledger)"
            continue
        problem = _changed(f"token {row.id}", event, token_data(row), None)
        if problem:
            yield problem
        revoked = ledger.changed("token", entity_id, "revoked")
        if revoked is not None and not row.revoked:
            yield f"token {row.id}: revoked by event {revoked.seq} but the row is active"
        if revoked is None and row.revoked:
            yield f"token {row.id}: row is revoked but no token.revoked event says so"
    yield from _deleted(ledger, "token", seen)


def _expected_state(ledger: Ledgered, question_id: str) -> tuple[CheckState, str]:
    resolution = ledger.created("resolution", question_id)
    if resolution is not None:
        return CheckState.RESOLVED, f"resolved by event {resolution.seq}"
    parked = ledger.changed("check", question_id, "needs_review")
    if parked is not None:
        return CheckState.NEEDS_REVIEW, f"sent to review by event {parked.seq}"
    question = ledger.created("question", question_id)
    if question is not None and question.data.get("resolution"):
        return CheckState.PENDING, "unresolved, with a resolution spec"
    return CheckState.MANUAL, "unresolved, without a resolution spec"


def _checks(session: Session, ledger: Ledgered) -> Iterator[str]:
    """The state of each check row; its other columns are operational (see checks.py)."""
    for row in session.exec(select(ResolutionCheckRow)).all():
        expected, why = _expected_state(ledger, row.question_id)
        if row.state != expected.value:
            yield (
                f"check {row.question_id}: state is {row.state} but the ledger says "
                f"{expected.value} ({why})"
            )


_ROW_CHECKS: tuple[RowCheck, ...] = (_records, _evidence, _tokens, _checks)
_TABLES: tuple[type[Any], ...] = (
    *(e[1] for e in _RECORDS),
    EvidenceRow,
    ApiTokenRow,
    ResolutionCheckRow,
)


def check_rows(session: Session, ledger: Ledgered) -> tuple[int, list[str]]:
    """Every row against the ledger: how many rows were checked, and the problems."""
    counted = 0
    for table in _TABLES:
        counted += int(session.exec(select(func.count()).select_from(table)).one())
    problems = [problem for check in _ROW_CHECKS for problem in check(session, ledger)]
    return counted, problems
