"""Strict JSON decoding of response bodies, each body decoded once while it is recent.

In a sweep many questions read the same response (one URL, many thresholds or paths), and
decoding the body again for each was most of what parsing cost. Decoded documents are kept in a
small cache keyed by the body's bytes, so a hit is exactly what decoding those bytes would give;
the checks that depend on the evidence (content type, HTML) still run on every call. The
documents are shared, so they are read-only (``_readonly``): a source that changes one gets a
``TypeError`` (its own question fails) instead of changing what the next question reads.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from .._errors import PermanentSourceError
from .._evidence import Evidence
from .._readonly import ReadOnlyDict, ReadOnlyList

__all__ = [
    "CACHE_BODY_LIMIT",
    "CACHE_BYTES",
    "CACHE_ENTRIES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_NUMBER_LENGTH",
    "load_json",
    "query_json",
]

T = TypeVar("T")

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays/objects accepted in a JSON payload (real APIs stay under 15)."""
MAX_JSON_NUMBER_LENGTH = 64
"""Longest number literal accepted; a double needs at most 24 characters."""

CACHE_ENTRIES = 4096
"""Most decoded bodies kept at once (a sweep reads a body again after its other URLs)."""
CACHE_BYTES = 8_000_000
"""Most body bytes kept at once (the decoded objects take several times that)."""
CACHE_BODY_LIMIT = 1_000_000
"""Bodies larger than this are decoded on every call and never kept."""
_MEMO_KEYS = 64  # derived values kept per body (one per JSONPath read from it)

# Content types a JSON API may legitimately send; an absent header is left to the decoder.
_JSON_TYPES = frozenset({"application/json", "text/json", "text/plain", "text/javascript"})
_JSON_TYPES_LEGACY = frozenset({"application/javascript", "application/x-javascript"})


class _Refused(Exception):
    """Raised inside the decoder hooks; turned into a ``PermanentSourceError``."""


class _Decoded:
    """A decoded body and values derived from it (``memo`` is None when nothing is kept)."""

    __slots__ = ("document", "memo")

    def __init__(self, document: Any, memo: dict[Hashable, Any] | None) -> None:
        self.document = document
        self.memo = memo


class _BodyCache:
    """Decoded bodies by their bytes, least recently used evicted first; thread-safe."""

    def __init__(self, entries: int, total_bytes: int) -> None:
        self.entries = entries
        self.total_bytes = total_bytes
        self._items: OrderedDict[bytes, _Decoded] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, raw: bytes) -> _Decoded | None:
        with self._lock:
            found = self._items.get(raw)
            if found is not None:
                self._items.move_to_end(raw)
            return found

    def put(self, raw: bytes, decoded: _Decoded) -> None:
        with self._lock:
            if raw in self._items:
                return
            self._items[raw] = decoded
            self._bytes += len(raw)
            while len(self._items) > self.entries or self._bytes > self.total_bytes:
                old, _ = self._items.popitem(last=False)
                self._bytes -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


_CACHE = _BodyCache(CACHE_ENTRIES, CACHE_BYTES)


def _check_content_type(evidence: Evidence) -> None:
    media = evidence.content_type.split(";", 1)[0].strip().lower()
    if not media or media in _JSON_TYPES or media in _JSON_TYPES_LEGACY:
        return
    if media.endswith("+json"):
        return
    raise PermanentSourceError(f"expected JSON but got content type {media!r}", url=evidence.url)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = ReadOnlyDict(pairs)
    if len(document) != len(pairs):  # two readers of this payload could see two different values
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key {key[:80]!r} in a JSON object")
            seen.add(key)
    return document


def _number(text: str, convert: type[int] | type[float]) -> int | float:
    if len(text) > MAX_JSON_NUMBER_LENGTH:
        raise _Refused(f"a JSON number of {len(text)} characters exceeds {MAX_JSON_NUMBER_LENGTH}")
    return convert(text)


def _int(text: str) -> int | float:
    return _number(text, int)


def _float(text: str) -> int | float:
    return _number(text, float)


def _frozen(node: Any, depth: int) -> Any:
    """``node`` with every array made read-only (objects already are); checks the depth."""
    if depth > MAX_JSON_DEPTH:
        raise _Refused(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    below = depth + 1
    if isinstance(node, dict):
        for key, child in node.items():
            if isinstance(child, dict | list):
                # Same key, new value: the dict's size does not change while it is iterated.
                dict.__setitem__(node, key, _frozen(child, below))
        return node
    return ReadOnlyList([_frozen(c, below) if isinstance(c, dict | list) else c for c in node])


def _decode(raw: bytes, url: str) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PermanentSourceError(f"body is not UTF-8: {error}", url=url) from None
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_int=_int, parse_float=_float)
        if isinstance(document, dict | list):
            document = _frozen(document, 1)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()):
            reason = f"truncated JSON: {error.msg} at end of {len(raw)} bytes"
        else:
            reason = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise PermanentSourceError(reason, url=url) from None
    except _Refused as error:
        raise PermanentSourceError(str(error), url=url) from None
    except RecursionError:
        reason = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
        raise PermanentSourceError(reason, url=url) from None
    except ValueError as error:  # e.g. the interpreter's limit on int digits
        raise PermanentSourceError(f"unreadable JSON: {error}", url=url) from None
    return document


def _decoded(evidence: Evidence) -> _Decoded:
    raw = evidence.raw
    head = raw.lstrip()[:64].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise PermanentSourceError(
            f"expected JSON but got HTML/XML (content-type {evidence.content_type or 'unknown'!r})",
            url=evidence.url,
        )
    _check_content_type(evidence)
    if not head:
        raise PermanentSourceError("expected JSON but the body is empty", url=evidence.url)
    if len(raw) > CACHE_BODY_LIMIT:
        return _Decoded(_decode(raw, evidence.url), None)
    found = _CACHE.get(raw)
    if found is None:
        # Refusals are not kept: a bad body is rare and decoding it again says the same.
        found = _Decoded(_decode(raw, evidence.url), {})
        _CACHE.put(raw, found)
    return found


def load_json(evidence: Evidence) -> Any:
    """Decode a JSON body strictly; every refusal is a ``PermanentSourceError``.

    Refused: a non-JSON content type (HTML, images...), HTML/XML, an empty or truncated body,
    duplicate keys, nesting deeper than :data:`MAX_JSON_DEPTH`, number literals longer than
    :data:`MAX_JSON_NUMBER_LENGTH`. The document may be the one returned for an earlier
    response with the same bytes, so its objects and arrays are read-only ``dict`` and
    ``list`` subclasses: copy one (``dict(d)``, ``list(a)``) to change it.
    """
    return _decoded(evidence).document


def query_json(evidence: Evidence, key: Hashable, compute: Callable[[Any], T]) -> T:
    """``compute(load_json(evidence))``, kept with the decoded body under ``key``.

    For a value many readers of one body derive the same way (a JSONPath's matches): it is
    computed once per body. ``compute`` must be pure and its result must not be changed either.
    """
    decoded = _decoded(evidence)
    memo = decoded.memo
    if memo is None:
        return compute(decoded.document)
    if key in memo:
        value: T = memo[key]
        return value
    value = compute(decoded.document)
    if len(memo) < _MEMO_KEYS:
        memo[key] = value
    return value
