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

__all__ = ["insert_rows", "reserve_ids", "update_rows"]

_Process = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    processors: tuple[_Process, ...]
    per_column: bool  # PostgreSQL: parameters are one array per column


_PLANS: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...], str | None], _Plan]] = (
    weakref.WeakKeyDictionary()
)


def _json_text(value: Any) -> str:
    # As psycopg's Json(value) dumps it, None included (Core stores JSON null, not SQL NULL).
    return json.dumps(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _arrays(dialect: Dialect, table: Table, names: Sequence[str]) -> tuple[str, list[_Process]]:
    """PostgreSQL: ``unnest(...)`` over one binary array parameter per column, and the value
    processors; JSON goes as text (psycopg's Json wrapper does not go into arrays)."""
    arrays: list[str] = []
    processors: list[_Process] = []
    for column in (table.c[name] for name in names):
        cast = f"%b::{column.type.compile(dialect=dialect)}[]"
        process: _Process
        if isinstance(column.type, JSON):
            cast, process = "%b::text[]::json[]", _json_text
        elif isinstance(column.type, Float):
            process = _float  # one array, one element type: an int among floats is refused
        else:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
        arrays.append(cast)
        processors.append(process)
    return f"unnest({', '.join(arrays)})", processors


def _processors(dialect: Dialect, table: Table, names: Sequence[str]) -> list[_Process]:
    return [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]


def _plan(dialect: Dialect, table: Table, names: tuple[str, ...], also: str | None) -> _Plan:
    """The statement for rows with columns ``names``: an insert, or with ``also`` an update
    keyed by the first name (``also``: assignments written the same for every row)."""
    plans = _PLANS.setdefault(dialect, {})
    key = (table.name, names, also)
    plan = plans.get(key)
    if plan is not None:
        return plan
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    postgres = dialect.name == "postgresql"
    if postgres:
        source, processors = _arrays(dialect, table, names)
    else:
        processors = _processors(dialect, table, names)
    if also is None:
        target = f"{name} ({', '.join(quote(n) for n in names)})"
        if postgres:
            sql = f"INSERT INTO {target} SELECT * FROM {source}"
        else:
            sql = f"INSERT INTO {target} VALUES ({', '.join('?' for _ in names)})"
    else:
        match, *rest = (quote(n) for n in names)
        if postgres:
            sets = ", ".join([*(f"{c} = v.{c}" for c in rest), also])
            columns = ", ".join([match, *rest])
            sql = f"UPDATE {name} SET {sets} FROM {source} AS v({columns}) "
            sql += f"WHERE {name}.{match} = v.{match}"
        else:
            sets = ", ".join([*(f"{c} = ?" for c in rest), also])
            sql = f"UPDATE {name} SET {sets} WHERE {match} = ?"
    plan = _Plan(sql, tuple(processors), per_column=postgres)
    plans[key] = plan
    return plan


def _execute(
    conn: Connection,
    plan: _Plan,
    rows: Sequence[Mapping[str, Any]],
    names: tuple[str, ...],
    *,
    key_last: bool = False,
) -> None:
    columns = [
        [row[name] for row in rows] if process is None else [process(row[name]) for row in rows]
        for name, process in zip(names, plan.processors, strict=True)
    ]
    if plan.per_column:
        conn.exec_driver_sql(plan.sql, tuple(columns))
    else:
        if key_last:  # SQLite's update names the key in its WHERE, after the SET values
            columns = [*columns[1:], columns[0]]
        conn.exec_driver_sql(plan.sql, list(zip(*columns, strict=True)))


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns, as the first row names them) into
    ``table`` inside ``conn``'s transaction, stored as ``conn.execute(insert(table), rows)``
    would store them."""
    if rows:
        names = tuple(rows[0])
        _execute(conn, _plan(conn.dialect, table, names, None), rows, names)


def update_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, also: str
) -> None:
    """Update one row of ``table`` per item of ``rows``: the first column each item names
    picks the row (its key), the others are set, and so is ``also`` (fixed SQL assignments,
    the same for every row, such as ``"attempts = attempts + 1"``; never user input)."""
    if rows:
        names = tuple(rows[0])
        _execute(conn, _plan(conn.dialect, table, names, also), rows, names, key_last=True)


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
