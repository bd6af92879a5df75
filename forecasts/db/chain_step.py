"""One step along the hash chain, as a value: what the next event's columns are.

Kept free of SQLAlchemy so that :class:`forecasts.db.ledger_append.LedgerChain` and the
light SQLite path (:mod:`forecasts.db.lite`) write events by the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forecasts.ledger import chain_hash, event_payload
from forecasts.timeutils import as_utc

__all__ = ["ChainedEvent", "event_time", "next_event"]


def event_time(value: datetime) -> str:
    """How a time is written in a payload: ISO 8601 in UTC, microseconds kept."""
    return as_utc(value).isoformat()


@dataclass(frozen=True)
class ChainedEvent:
    """The columns of one ledger event row."""

    seq: int
    kind: str
    entity_type: str
    entity_id: str
    payload: str
    prev_hash: str
    hash: str
    recorded_at: datetime

    def columns(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "recorded_at": self.recorded_at,
        }


def next_event(
    *,
    seq: int,
    prev_hash: str,
    last_at: datetime | None,
    kind: str,
    entity: str,
    entity_id: str,
    data: Mapping[str, Any],
    as_of: datetime,
) -> ChainedEvent:
    """The event after (``seq``, ``prev_hash``), recorded at ``as_of``.

    The time is raised to the previous event's (``last_at``) when it is earlier, so times
    never go backwards along the chain (a sweep run with ``--as-of`` in the past, or two
    workers whose clocks differ) and ``verify`` can refuse an event whose time was moved.
    """
    recorded_at = as_utc(as_of)
    if last_at is not None and last_at > recorded_at:
        recorded_at = last_at
    payload = event_payload(kind, entity, entity_id, data, event_time(recorded_at))
    return ChainedEvent(
        seq=seq + 1,
        kind=kind,
        entity_type=entity,
        entity_id=entity_id,
        payload=payload,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, payload),
        recorded_at=recorded_at,
    )
