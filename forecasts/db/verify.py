"""``forecasts verify``: recompute the chain and check every row against its event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from forecasts.domain import Correction, Forecast, Forecaster, Question, Resolution
from forecasts.ledger import GENESIS_HASH, diff_payloads, find_chain_breaks

from . import convert
from .store import Store
from .tables import (
    CorrectionRow,
    EvidenceRow,
    ForecasterRow,
    ForecastRow,
    LedgerHeadRow,
    QuestionRow,
    ResolutionRow,
)

__all__ = ["VerifyReport", "verify_store"]


@dataclass
class VerifyReport:
    """What ``verify`` found: an empty ``problems`` list means the ledger holds."""

    events: int = 0
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


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


_Entity = tuple[
    str, type[Any], type[BaseModel], Callable[[Any], dict[str, Any]], Callable[[Any], str]
]

_ENTITIES: tuple[_Entity, ...] = (
    ("forecaster", ForecasterRow, Forecaster, convert.forecaster_fields, lambda r: r.handle),
    ("question", QuestionRow, Question, convert.question_fields, lambda r: r.id),
    ("forecast", ForecastRow, Forecast, convert.forecast_fields, lambda r: r.id),
    ("resolution", ResolutionRow, Resolution, convert.resolution_fields, lambda r: r.question_id),
    ("correction", CorrectionRow, Correction, convert.correction_fields, lambda r: str(r.id)),
)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _rows(session: Session, table: type[Any]) -> Iterable[Any]:
    return session.exec(select(table)).all()


def verify_store(store: Store) -> VerifyReport:
    """Check the chain, the head, and that every row matches the event that created it."""
    report = VerifyReport()
    recorded: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    with store.reading() as session:
        chain: list[tuple[int, str, str, str]] = []
        for event in store.events(session):
            chain.append((event.seq, event.prev_hash, event.payload, event.hash))
            try:
                data = json.loads(event.payload)["data"]
            except (ValueError, KeyError):
                report.problems.append(f"event {event.seq}: payload is not valid JSON")
                continue
            recorded[(event.entity_type, event.entity_id)] = (event.seq, data)
        report.events = len(chain)
        for brk in find_chain_breaks(chain):
            report.problems.append(f"event {brk.seq}: {brk.problem}")
        head = session.get(LedgerHeadRow, 1)
        last_seq, last_hash = (chain[-1][0], chain[-1][3]) if chain else (0, GENESIS_HASH)
        if head is None:
            report.problems.append("ledger head row is missing")
        else:
            report.head_seq, report.head_hash = head.seq, head.hash
            if (head.seq, head.hash) != (last_seq, last_hash):
                report.problems.append(
                    f"ledger head says event {head.seq} but the chain ends at event {last_seq}"
                )

        seen: set[tuple[str, str]] = set()
        for entity, table, model, fields_of, key_of in _ENTITIES:
            for row in _rows(session, table):
                report.rows += 1
                key = (entity, key_of(row))
                seen.add(key)
                current, invalid = _payload(model, fields_of(row))
                if key not in recorded:
                    report.problems.append(
                        f"{entity} {key[1]}: row has no ledger event (added outside the ledger)"
                    )
                    continue
                seq, data = recorded[key]
                changed = diff_payloads(data, current)
                if changed:
                    details = ", ".join(
                        f"{name} (ledger {_show(data.get(name))}, row {_show(current.get(name))})"
                        for name in changed
                    )
                    note = f"; {invalid}" if invalid else ""
                    report.problems.append(
                        f"{entity} {key[1]} (event {seq}): changed {details}{note}"
                    )
        for key, (seq, _) in recorded.items():
            if key not in seen:
                report.problems.append(f"{key[0]} {key[1]} (event {seq}): row was deleted")
        report.problems.extend(_evidence_problems(session, recorded))
    return report


def _evidence_problems(
    session: Session, recorded: dict[tuple[str, str], tuple[int, dict[str, Any]]]
) -> Iterable[str]:
    """Evidence bytes must still hash to their SHA-256, and that hash must be ledgered."""
    rows = session.exec(select(EvidenceRow).execution_options(yield_per=500))
    for row in rows:
        where = f"evidence {row.id} (question {row.question_id})"
        if row.body is not None and hashlib.sha256(row.body).hexdigest() != row.sha256:
            yield f"{where}: stored bytes no longer match their SHA-256"
        ledgered = recorded.get(("resolution", row.question_id), (0, {}))[1]
        if row.sha256 not in ledgered.get("evidence_sha256", []):
            yield f"{where}: hash {row.sha256[:16]}... is not in the ledgered resolution"
