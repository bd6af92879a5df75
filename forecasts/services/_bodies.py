"""Cached results and their JSON bodies: serialised once per entry, with ``as_of`` (and
a record's lines, serialised once per line) spliced in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from forecasts.records import QuestionScore, TrackRecord

__all__ = ["Entry", "body", "stamped"]

M = TypeVar("M", bound=BaseModel)
_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)
_EPOCH_STAMP = datetime.fromisoformat("0001-01-01T00:00:00+00:00")
_NO_LINES = b'"questions":[]'


@dataclass(frozen=True)
class Entry:
    """A cached record or board, valid from ``as_of`` on, and its body once serialised."""

    model: BaseModel
    as_of: datetime
    body: bytes | None = None


def stamped(model: M, as_of: datetime) -> M:
    """``model`` with its ``as_of`` set (a copy only when it differs)."""
    got: Any = getattr(model, "as_of", None)
    return model if got == as_of else model.model_copy(update={"as_of": as_of})


def _serialised(
    model: BaseModel, update: dict[str, Any], line_json: Callable[[QuestionScore], bytes] | None
) -> bytes:
    if line_json is None or not isinstance(model, TrackRecord) or not model.questions:
        return model.model_copy(update=update).model_dump_json().encode()
    # A record's lines are most of its body and are shared between records: each is
    # serialised once (its JSON is what the whole record's would hold) and joined.
    text = model.model_copy(update={**update, "questions": []}).model_dump_json().encode()
    if text.count(_NO_LINES) != 1:
        return model.model_copy(update=update).model_dump_json().encode()
    lines = b",".join(line_json(line) for line in model.questions)
    return text.replace(_NO_LINES, b'"questions":[' + lines + b"]", 1)


def body(
    entry: Entry,
    as_of: datetime,
    blank: dict[str, Any] | None = None,
    line_json: Callable[[QuestionScore], bytes] | None = None,
) -> bytes:
    """The entry's JSON with ``as_of`` spliced in (serialised once per entry; ``blank``:
    fields set to placeholders the caller replaces; ``line_json``: a record line's JSON,
    which a caller may keep per line)."""
    if entry.body is None:
        update = {"as_of": _EPOCH_STAMP, **(blank or {})}
        object.__setattr__(entry, "body", _serialised(entry.model, update, line_json))
    assert entry.body is not None
    marker = b'"as_of":' + _DATETIME.dump_json(_EPOCH_STAMP)
    return entry.body.replace(marker, b'"as_of":' + _DATETIME.dump_json(as_of), 1)
