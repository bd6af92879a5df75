"""The hash chain: canonical JSON payloads and ``hash = sha256(prev_hash + payload)``.

Pure functions; the storage layer appends events in the same transaction as their rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "ChainBreak",
    "canonical_json",
    "chain_hash",
    "diff_payloads",
    "find_chain_breaks",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event."""


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Serialise ``payload`` deterministically: sorted keys, no spaces, UTF-8 kept.

    >>> canonical_json({"b": 1, "a": [1.5, None]})
    '{"a":[1.5,null],"b":1}'
    """
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


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
