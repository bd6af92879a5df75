"""Questions read in bulk with the driver's own values, decoded here.

A sweep loads every question it claims. Through Core's column types each row costs a regular
expression per time and a ``json.loads`` per JSON column, ``null`` and ``[]`` included;
here SQLite's stored text is parsed by ``datetime.fromisoformat`` and JSON text is decoded
only when it holds something (PostgreSQL's driver hands over times and JSON already
decoded), then the domain model validates the fields as it always does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, Select, Table, select, type_coerce
from sqlalchemy.types import NullType

from forecasts.domain import Question
from forecasts.timeutils import as_utc

from .id_lists import in_ids
from .tables import QuestionRow

__all__ = ["read_questions"]

_TABLE: Table = getattr(QuestionRow, "__table__")  # noqa: B009


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite: the UTC fields as SQLAlchemy wrote them
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return as_utc(value)


def _json(value: Any) -> Any:
    if not isinstance(value, str):  # PostgreSQL's driver decodes JSON itself
        return value
    return None if value == "null" else json.loads(value)


_FIELDS = (
    "id",
    "title",
    "kind",
    "options",
    "scale",
    "opens_at",
    "closes_at",
    "resolve_on",
    "deadline",
    "check_every_seconds",
    "criteria",
    "resolution",
    "tags",
    "operationalization",
    "notes",
)


@functools.cache
def _query(dialect: str) -> Select[Any]:
    columns = [
        type_coerce(c, NullType()).label(c.name) if isinstance(c.type, DateTime | JSON) else c
        for c in (_TABLE.c[name] for name in _FIELDS)
    ]
    return (
        select(*columns)
        .where(in_ids(_TABLE.c.id, dialect))
        .order_by(_TABLE.c.closes_at, _TABLE.c.id)
    )


def _list(value: Any) -> Any:
    # Most questions have no options and no tags: "[]" needs no decoder.
    return [] if value is None or value == "[]" else _json(value) or []


def read_questions(conn: Connection, ids: Sequence[str]) -> list[Question]:
    """The questions of ``ids`` that exist, by closing time, as ``Store.question`` gives them."""
    rows = conn.execute(_query(conn.dialect.name), {"ids": list(ids)})
    return [
        Question.model_validate(
            {
                "id": qid,
                "title": title,
                "kind": kind,
                "options": _list(options),
                "scale": _json(scale),
                "opens_at": _time(opens_at),
                "closes_at": _time(closes_at),
                "resolve_on": _time(resolve_on),
                "deadline": _time(deadline),
                "check_every": None if every is None else timedelta(seconds=every),
                "criteria": criteria,
                "resolution": _json(resolution),
                "tags": _list(tags),
                "operationalization": _json(operationalization),
                "notes": notes,
            }
        )
        for (
            qid,
            title,
            kind,
            options,
            scale,
            opens_at,
            closes_at,
            resolve_on,
            deadline,
            every,
            criteria,
            resolution,
            tags,
            operationalization,
            notes,
        ) in rows
    ]
