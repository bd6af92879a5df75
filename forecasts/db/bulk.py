"""Many rows into one table for little more than the driver's own work.

Core's ``execute(insert(table), rows)`` builds every row's parameters in Python (about 15 us a
row on SQLite), and on PostgreSQL psycopg then sends each row as its own pipelined statement
(about 35 us a row). :func:`insert_rows` applies each column's bind processor, the one Core
itself would use, so values are stored exactly as Core stores them, in one loop; then SQLite
gets one driver ``executemany`` and PostgreSQL one ``INSERT ... SELECT FROM unnest(...)`` with
an array per column, whose text psycopg parses and prepares once, sent in binary (text arrays
escape every element with a regular expression).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Float, Table
from sqlalchemy.engine import Dialect

__all__ = ["insert_rows", "reserve_ids"]

_Process = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    processors: tuple[_Process, ...]
    per_column: bool  # PostgreSQL: parameters are one array per column


_PLANS: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], _Plan]] = (
    weakref.WeakKeyDictionary()
)


def _json_text(value: Any) -> str:
    # As psycopg's Json(value) dumps it, None included (Core stores JSON null, not SQL NULL).
    return json.dumps(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _plan(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Plan:
    plans = _PLANS.setdefault(dialect, {})
    key = (table.name, names)
    plan = plans.get(key)
    if plan is not None:
        return plan
    quote = dialect.identifier_preparer.quote
    columns = [table.c[name] for name in names]
    target = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
    if dialect.name == "postgresql":
        arrays: list[str] = []
        processors: list[_Process] = []
        for column in columns:
            if isinstance(column.type, JSON):
                arrays.append("%b::text[]::json[]")
                processors.append(_json_text)
            elif isinstance(column.type, Float):
                # One array has one element type: an int among floats would be refused.
                arrays.append(f"%b::{column.type.compile(dialect=dialect)}[]")
                processors.append(_float)
            else:
                arrays.append(f"%b::{column.type.compile(dialect=dialect)}[]")
                processors.append(column.type.dialect_impl(dialect).bind_processor(dialect))
        sql = f"INSERT INTO {target} SELECT * FROM unnest({', '.join(arrays)})"
        plan = _Plan(sql, tuple(processors), per_column=True)
    else:
        marks = ", ".join("?" for _ in names)
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]

        plan = _Plan(f"INSERT INTO {target} VALUES ({marks})", tuple(processors), False)
    plans[key] = plan
    return plan


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns, as the first row names them) into
    ``table`` inside ``conn``'s transaction, stored as ``conn.execute(insert(table), rows)``
    would store them."""
    if not rows:
        return
    names = tuple(rows[0])
    plan = _plan(conn.dialect, table, names)
    columns = [
        [row[name] for row in rows] if process is None else [process(row[name]) for row in rows]
        for name, process in zip(names, plan.processors, strict=True)
    ]
    if plan.per_column:
        conn.exec_driver_sql(plan.sql, tuple(columns))
    else:
        conn.exec_driver_sql(plan.sql, list(zip(*columns, strict=True)))


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` new values of ``table``'s integer ``id``, in increasing order, for rows the
    caller inserts with :func:`insert_rows` (which returns nothing).

    PostgreSQL draws them from the column's sequence. On SQLite they follow the largest id:
    the caller must hold the database's write lock (any write in its transaction takes it),
    so no other writer can take them meanwhile.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return sorted(int(row[0]) for row in rows)
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").scalar()
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + count))
