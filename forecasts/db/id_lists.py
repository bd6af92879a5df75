"""``column IN (a list of ids)`` written the way each database runs it cheapest.

PostgreSQL gets one array parameter (``column = ANY(:ids)``): the statement text is the same
whatever the list's length, so it is parsed and planned like any short statement, where a
500-id ``IN`` list costs several milliseconds in the driver and the server. SQLite expands
the list into ``IN (?, ?, ...)``, which it handles cheaply.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

__all__ = ["in_ids"]


def in_ids(column: Any, dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """``column`` is one of the strings bound as ``name`` (a list), on ``dialect``."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String())))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]
