"""What the events alone must satisfy: read the chain once and index what it says.

Beyond the hashes (:func:`forecasts.ledger.find_chain_breaks`), every event must be one the
application writes: its columns agree with its payload, its kind is a change the ledger
allows for its entity, it happens at most once per entity, it refers only to entities
created before it, and its time is under the hash (version 2) and never goes backwards.
That is what catches a *validly chained* appended event: a second ``forecast.created`` with
a new probability, a second ``resolution.created`` with the outcome flipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forecasts.ledger import PAYLOAD_VERSION
from forecasts.timeutils import as_utc

from .tables import LedgerEventRow

__all__ = ["ALLOWED_CHANGES", "Event", "Ledgered", "read_ledger"]

ALLOWED_CHANGES: dict[str, frozenset[str]] = {
    "forecaster": frozenset({"created"}),
    "question": frozenset({"created"}),
    "forecast": frozenset({"created"}),
    "resolution": frozenset({"created"}),
    "correction": frozenset({"created"}),
    "evidence": frozenset({"created"}),
    "token": frozenset({"created", "revoked"}),
    "check": frozenset({"needs_review"}),
}
"""Entity -> the verbs of the events that may create or change it (kind ``entity.verb``).

Everything else is immutable once created: a resolution changes only through a correction,
which is an entity of its own that refers to its question.
"""

# The data field that repeats the entity's id, for entities that carry their own key.
_KEY_FIELD = {
    "forecaster": "handle",
    "question": "id",
    "forecast": "id",
    "resolution": "question_id",
    "token": "id",
}

# (data field, entity it names): each must have been created by an earlier event.
_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "forecast": (("question_id", "question"), ("forecaster", "forecaster")),
    "resolution": (("question_id", "question"),),
    "correction": (("question_id", "resolution"),),
    "evidence": (("question_id", "resolution"),),
    "token": (("forecaster", "forecaster"),),
    "check": (("question_id", "question"),),
}


@dataclass(frozen=True)
class Event:
    """One event as its payload (not its columns) tells it."""

    seq: int
    entity: str
    entity_id: str
    verb: str
    version: int
    data: dict[str, Any]


@dataclass
class Ledgered:
    """The chain read once: the hash inputs, what each entity's events say, the problems."""

    chain: list[tuple[int, str, str, str]] = field(default_factory=list)
    first: dict[tuple[str, str, str], Event] = field(default_factory=dict)
    """(entity, id, verb) -> the first such event; rows are checked against these."""
    problems: list[str] = field(default_factory=list)

    def created(self, entity: str, entity_id: str) -> Event | None:
        return self.first.get((entity, entity_id, "created"))

    def changed(self, entity: str, entity_id: str, verb: str) -> Event | None:
        return self.first.get((entity, entity_id, verb))

    def created_keys(self, entity: str) -> Iterable[tuple[str, Event]]:
        return (
            (key[1], event)
            for key, event in self.first.items()
            if key[0] == entity and key[2] == "created"
        )


def _parse(row: LedgerEventRow) -> tuple[dict[str, Any] | None, str | None]:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return None, "payload is not valid JSON"
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return None, "payload is not a ledger event"
    if not all(isinstance(payload.get(k), str) for k in ("kind", "entity", "id")):
        return None, "payload is not a ledger event"
    return payload, None


class _Reader:
    """Applies the per-event rules in sequence order."""

    def __init__(self) -> None:
        self.out = Ledgered()
        self.first_v2: int | None = None
        self.previous_at: datetime | None = None

    def add(self, row: LedgerEventRow) -> None:
        self.out.chain.append((row.seq, row.prev_hash, row.payload, row.hash))
        where = f"event {row.seq}"
        payload, bad = _parse(row)
        recorded_at = as_utc(row.recorded_at)
        if payload is None:
            self.out.problems.append(f"{where}: {bad}")
            self.previous_at = recorded_at
            return
        kind, entity, entity_id = payload["kind"], payload["entity"], payload["id"]
        version = self._version(row.seq, payload, recorded_at)
        self.previous_at = recorded_at
        if (row.kind, row.entity_type, row.entity_id) != (kind, entity, entity_id):
            self.out.problems.append(
                f"{where}: columns say {row.kind} {row.entity_type} {row.entity_id} "
                f"but its payload says {kind} {entity} {entity_id} (columns edited)"
            )
        prefix, _, verb = kind.partition(".")
        if prefix != entity or verb not in ALLOWED_CHANGES.get(entity, frozenset()):
            self.out.problems.append(
                f"{where}: {kind} is not an event the ledger allows for a {entity}"
            )
            return
        event = Event(row.seq, entity, entity_id, verb, version, payload["data"])
        self._once(event)

    def _version(self, seq: int, payload: dict[str, Any], recorded_at: datetime) -> int:
        where = f"event {seq}"
        version = payload.get("v", 1)
        if version == 1:
            if self.first_v2 is not None:
                self.out.problems.append(
                    f"{where}: old-format payload (no recorded_at) after event "
                    f"{self.first_v2}, which is version {PAYLOAD_VERSION}"
                )
            return 1
        if version != PAYLOAD_VERSION:
            self.out.problems.append(f"{where}: unknown payload version {version!r}")
            return 1
        if self.first_v2 is None:
            self.first_v2 = seq
        stated = payload.get("recorded_at")
        try:
            hashed = as_utc(datetime.fromisoformat(str(stated)))
        except ValueError:
            self.out.problems.append(f"{where}: payload recorded_at {stated!r} is not a time")
            return PAYLOAD_VERSION
        if hashed != recorded_at:
            self.out.problems.append(
                f"{where}: recorded_at is {recorded_at.isoformat()} but its payload says "
                f"{hashed.isoformat()} (edited)"
            )
        # Appends never go backwards (see ledger_append); version 1 writers did not promise it.
        if self.previous_at is not None and recorded_at < self.previous_at:
            self.out.problems.append(
                f"{where}: recorded_at {recorded_at.isoformat()} is before the previous "
                f"event's {self.previous_at.isoformat()}"
            )
        return PAYLOAD_VERSION

    def _once(self, event: Event) -> None:
        name = f"{event.entity} {event.entity_id}"
        key = (event.entity, event.entity_id, event.verb)
        earlier = self.out.first.get(key)
        if earlier is not None:
            self.out.problems.append(
                f"{name}: {event.verb} twice (events {earlier.seq} and {event.seq})"
            )
            return
        self._refers(event, name)
        self.out.first[key] = event

    def _refers(self, event: Event, name: str) -> None:
        where = f"event {event.seq}"
        key_field = _KEY_FIELD.get(event.entity)
        if key_field is not None and str(event.data.get(key_field)) != event.entity_id:
            self.out.problems.append(
                f"{where}: {name}'s data names {event.data.get(key_field)!r} as its {key_field}"
            )
        if event.verb != "created" and event.entity != "check":
            if self.out.created(event.entity, event.entity_id) is None:
                self.out.problems.append(
                    f"{name}: {event.verb} (event {event.seq}) but no earlier event created it"
                )
        if event.entity == "check":
            resolved = self.out.created("resolution", event.entity_id)
            if resolved is not None:
                self.out.problems.append(
                    f"{name}: {event.verb} (event {event.seq}) after its resolution "
                    f"(event {resolved.seq})"
                )
        for data_field, target in _REFERENCES.get(event.entity, ()):
            value = event.data.get(data_field)
            if value is None and target == "forecaster" and event.entity == "token":
                continue  # an admin token speaks for no forecaster
            if self.out.created(target, str(value)) is None:
                self.out.problems.append(
                    f"{where}: {name} refers to {target} {value}, which no earlier event created"
                )


def read_ledger(events: Iterable[LedgerEventRow]) -> Ledgered:
    """Read every event in sequence order and apply the per-event rules."""
    reader = _Reader()
    for row in events:
        reader.add(row)
    return reader.out
