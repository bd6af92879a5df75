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


@functools.cache
def _query(dialect: str) -> Select[Any]:
    columns = [
        type_coerce(c, NullType()).label(c.name) if isinstance(c.type, DateTime | JSON) else c
        for c in _TABLE.c
    ]
    return (
        select(*columns)
        .where(in_ids(_TABLE.c.id, dialect))
        .order_by(_TABLE.c.closes_at, _TABLE.c.id)
    )


def read_questions(conn: Connection, ids: Sequence[str]) -> list[Question]:
    """The questions of ``ids`` that exist, by closing time, as ``Store.question`` gives them."""
    rows = conn.execute(_query(conn.dialect.name), {"ids": list(ids)})
    return [
        Question.model_validate(
            {
                "id": row.id,
                "title": row.title,
                "kind": row.kind,
                "options": _json(row.options) or [],
                "scale": _json(row.scale),
                "opens_at": _time(row.opens_at),
                "closes_at": _time(row.closes_at),
                "resolve_on": _time(row.resolve_on),
                "deadline": _time(row.deadline),
                "check_every": (
                    None
                    if row.check_every_seconds is None
                    else timedelta(seconds=row.check_every_seconds)
                ),
                "criteria": row.criteria,
                "resolution": _json(row.resolution),
                "tags": _json(row.tags) or [],
                "operationalization": _json(row.operationalization),
                "notes": row.notes,
            }
        )
        for row in rows
    ]
