"""The hash chain: canonical JSON payloads and ``hash = sha256(prev_hash + payload)``.

Pure functions; the storage layer appends events in the same transaction as their rows.

Payload formats. Version 1 (every event written before the ledger covered evidence and
tokens) is ``{"kind", "entity", "id", "data"}``. Version 2 adds ``"v": 2`` and
``"recorded_at"``, so the time an event was recorded is under the hash: editing the
``recorded_at`` column no longer goes unnoticed. Old events keep their payload (rewriting it
would change every hash after it), so ``verify`` accepts version 1 until the first version 2
event and refuses it after.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "PAYLOAD_VERSION",
    "ChainBreak",
    "canonical_json",
    "chain_hash",
    "diff_payloads",
    "event_payload",
    "find_chain_breaks",
    "parse_published_head",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event."""

PAYLOAD_VERSION = 2
"""The payload format new events are written in (see the module docstring)."""

_HASH = re.compile(r"^[0-9a-f]{64}$")

# One encoder: json.dumps with options builds a new one per call, a fifth of a payload's cost.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Serialise ``payload`` deterministically: sorted keys, no spaces, UTF-8 kept.

    >>> canonical_json({"b": 1, "a": [1.5, None]})
    '{"a":[1.5,null],"b":1}'
    """
    return _CANONICAL.encode(payload)


def chain_hash(prev_hash: str, payload: str) -> str:
    """The hash of an event: SHA-256 of the previous hash followed by the payload.

    >>> chain_hash(GENESIS_HASH, "{}")[:16]
    '5508d2b710e64bc4'
    """
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """An event whose stored links do not match the recomputed chain."""

    seq: int
    problem: str


def find_chain_breaks(events: Iterable[tuple[int, str, str, str]]) -> list[ChainBreak]:
    """Recompute the chain over ``(seq, prev_hash, payload, hash)`` rows in sequence order."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for seq, prev_hash, payload, stored in events:
        if seq != expected_seq:
            breaks.append(ChainBreak(seq, f"sequence jumps from {expected_seq - 1} to {seq}"))
        if prev_hash != expected_prev:
            breaks.append(ChainBreak(seq, "prev_hash does not match the previous event's hash"))
        recomputed = chain_hash(prev_hash, payload)
        if recomputed != stored:
            breaks.append(ChainBreak(seq, "hash does not match its payload (payload edited)"))
        expected_prev = stored
        expected_seq = seq + 1
    return breaks


def diff_payloads(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Names of the top-level fields whose values differ, in sorted order."""
    keys = sorted(set(recorded) | set(current))
    return [k for k in keys if recorded.get(k) != current.get(k)]


def event_payload(
    kind: str, entity: str, entity_id: str, data: Mapping[str, Any], recorded_at: str
) -> str:
    """The canonical payload of a new (version 2) event.

    >>> event_payload("token.revoked", "token", "3", {"id": 3}, "2026-01-01")
    '{"data":{"id":3},"entity":"token","id":"3","kind":"token.revoked","recorded_at":"2026-01-01","v":2}'
    """
    return canonical_json(
        {
            "v": PAYLOAD_VERSION,
            "kind": kind,
            "entity": entity,
            "id": entity_id,
            "recorded_at": recorded_at,
            "data": dict(data),
        }
    )


def parse_published_head(text: str) -> tuple[int, str]:
    """Read a published head: ``SEQ:HASH`` or the JSON ``forecasts ledger head --json`` prints.

    >>> parse_published_head("12:" + "ab" * 32)[0]
    12
    >>> parse_published_head('{"seq": 0, "hash": "%s"}' % GENESIS_HASH)[0]
    0
    """
    raw = text.strip()
    if raw.startswith("{"):
        try:
            document = json.loads(raw)
        except ValueError:
            raise ValueError("is not valid JSON") from None
        if not isinstance(document, dict) or "seq" not in document or "hash" not in document:
            raise ValueError('JSON must be an object with "seq" and "hash"')
        seq_value, digest = document["seq"], document["hash"]
        # bool is an int in Python; a published head never says ``true``.
        if not isinstance(seq_value, int) or isinstance(seq_value, bool):
            raise ValueError('"seq" must be an integer')
        seq = seq_value
    else:
        seq_text, sep, digest = raw.partition(":")
        if not sep or not seq_text.strip().isdigit():
            raise ValueError(f"'{raw}' is not SEQ:HASH (e.g. 12:3f9a...)")
        seq = int(seq_text)
    if not isinstance(digest, str) or not _HASH.match(digest.strip().lower()):
        raise ValueError("the hash must be 64 hexadecimal characters")
    if seq < 0:
        raise ValueError("the sequence number must not be negative")
    return seq, digest.strip().lower()
