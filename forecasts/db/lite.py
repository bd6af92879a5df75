"""The embedded SQLite file through the standard library: the reads and the forecast append
that the CLI's everyday commands need, without loading SQLAlchemy.

Loading SQLAlchemy, SQLModel and the table classes costs more than the rest of a command, so
``forecasts question list`` and ``forecasts forecast add`` on the default SQLite file come
here. Rows are read and written by the same rules as :class:`forecasts.db.store.Store`
(:mod:`forecasts.db.columns`, :mod:`forecasts.db.chain_step`); the tests compare the rows
both paths write, column by column. Whatever this path does not cover goes to the store: a
database that is missing or needs migrating (:func:`open_lite` answers None), and a forecast
on a resolved question, whose kept scores must be rewritten (:meth:`LiteStore.record` hands it
over).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from forecasts.domain import Forecast, Forecaster, Question
from forecasts.errors import ConflictError, DatabaseError, OperationError
from forecasts.timeutils import as_utc

from .chain_step import next_event
from .columns import forecast_values, forecaster_fields, question_fields
from .revisions import head_revision

__all__ = ["SQLITE_PRAGMAS", "LiteStore", "open_lite", "sqlite_file"]

SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    # WAL lets readers (the API, the CLI) work while a sweep writes; NORMAL sync is durable
    # in WAL mode against application crashes and makes each per-question commit cheap.
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
)
"""Set on every connection to the embedded file, by this path and by the engine."""

# SQLAlchemy's SQLite DATETIME storage format (it stores the fields as given; ours are UTC).
_DATETIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def sqlite_file(url: str) -> Path | None:
    """The file a plain SQLite URL or bare path names (None for anything else).

    >>> sqlite_file("demo.db"), sqlite_file("sqlite:////tmp/x.db"), sqlite_file("postgresql://h/db")
    (PosixPath('demo.db'), PosixPath('/tmp/x.db'), None)
    """
    if "://" not in url:
        path = url
    elif url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    else:
        return None
    if not path or path == ":memory:" or "?" in path:
        return None
    return Path(path)


def _encode(declared: str, value: Any) -> Any:
    if declared == "DATETIME" and isinstance(value, datetime):
        v = as_utc(value)
        return _DATETIME % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
    if declared == "JSON":
        return json.dumps(value)
    return value


def _decode(declared: str, value: Any) -> Any:
    if value is None:
        return None
    if declared == "DATETIME":
        return datetime.fromisoformat(value)
    if declared == "JSON":
        return json.loads(value)
    if declared == "BOOLEAN":
        return bool(value)
    return value


def _database_error(exc: sqlite3.Error) -> DatabaseError:
    lines = str(exc).splitlines()
    return DatabaseError(f"database: {lines[0] if lines else type(exc).__name__}")


class LiteStore:
    """Reads, and appends of forecasts on open questions, over one SQLite connection."""

    def __init__(self, url: str, connection: sqlite3.Connection) -> None:
        self.url = url
        self._conn = connection
        self._types: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self._conn.close()

    # -- rows -------------------------------------------------------------------------------

    def _declared(self, table: str) -> dict[str, str]:
        """Column name -> declared type, as the migrations created them."""
        if table not in self._types:
            info = self._conn.execute(f"PRAGMA table_info({table})").fetchall()
            self._types[table] = {row[1]: str(row[2]).upper() for row in info}
        return self._types[table]

    def _rows(self, table: str, where: str = "", params: tuple[Any, ...] = ()) -> list[Any]:
        declared = self._declared(table)
        try:
            cursor = self._conn.execute(f"SELECT * FROM {table} {where}", params)
            names = [d[0] for d in cursor.description]
            return [
                SimpleNamespace(
                    **{n: _decode(declared.get(n, ""), v) for n, v in zip(names, row, strict=True)}
                )
                for row in cursor.fetchall()
            ]
        except sqlite3.Error as exc:
            raise _database_error(exc) from exc

    def _insert(self, table: str, values: dict[str, Any]) -> None:
        declared = self._declared(table)
        names = list(values)
        columns = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in names)
        self._conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            [_encode(declared.get(n, ""), values[n]) for n in names],
        )

    def _exists(self, query: str, params: tuple[Any, ...]) -> bool:
        return self._conn.execute(query, params).fetchone() is not None

    # -- reads (as the store answers them) ----------------------------------------------------

    def question(self, question_id: str) -> Question | None:
        rows = self._rows("question", "WHERE id = ?", (question_id,))
        return Question.model_validate(question_fields(rows[0])) if rows else None

    def questions(self) -> list[Question]:
        """All questions, by closing time."""
        rows = self._rows("question", "ORDER BY closes_at, id")
        return [Question.model_validate(question_fields(r)) for r in rows]

    def forecaster(self, handle: str) -> Forecaster | None:
        rows = self._rows("forecaster", "WHERE handle = ?", (handle,))
        return Forecaster.model_validate(forecaster_fields(rows[0])) if rows else None

    def current_outcomes(self) -> dict[str, str]:
        """Question id -> outcome after corrections (``annulled`` included)."""
        outcomes = {r.question_id: r.outcome for r in self._rows("resolution", "ORDER BY id")}
        for c in self._rows("correction", "ORDER BY id"):
            outcomes[c.question_id] = c.outcome
        return outcomes

    # -- the one write ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from the start (as the store's
        first touch of the ledger head does), so appends are serialised."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            if conn.in_transaction:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _database_error(exc) from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def record(self, session: sqlite3.Connection, obj: Forecast, *, as_of: datetime) -> str:
        """Insert the forecast's row and append its ledger event; returns its id.

        On a resolved question the store takes over (its kept scores change, which only the
        store computes): this transaction is given up first, so the store can take the lock.
        """
        if not isinstance(obj, Forecast):
            raise TypeError(f"the light SQLite path records forecasts, not {type(obj).__name__}")
        if self._exists("SELECT 1 FROM forecast WHERE id = ?", (obj.id,)):
            raise ConflictError("forecast", obj.id)
        if self._exists("SELECT 1 FROM resolution WHERE question_id = ?", (obj.question_id,)):
            session.execute("ROLLBACK")
            return self._record_in_store(obj, as_of=as_of)
        self._insert("forecast", forecast_values(obj))
        head = session.execute("SELECT seq, hash FROM ledger_head WHERE id = 1").fetchone()
        if head is None:
            raise OperationError("ledger head row is missing; run `forecasts init`")
        last = session.execute(
            "SELECT recorded_at FROM ledger_event WHERE seq = ?", (head[0],)
        ).fetchone()
        event = next_event(
            seq=int(head[0]),
            prev_hash=str(head[1]),
            last_at=None if last is None else as_utc(datetime.fromisoformat(last[0])),
            kind="forecast.created",
            entity="forecast",
            entity_id=obj.id,
            data=obj.model_dump(mode="json"),
            as_of=as_of,
        )
        self._insert("ledger_event", event.columns())
        session.execute(
            "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", (event.seq, event.hash)
        )
        return obj.id

    def _record_in_store(self, obj: Forecast, *, as_of: datetime) -> str:
        from .store import open_store

        store = open_store(self.url)
        try:
            with store.transaction() as session:
                return store.record(session, obj, as_of=as_of)
        finally:
            store.close()


def open_lite(url: str) -> LiteStore | None:
    """The light path to ``url``, or None when the store must open it.

    None for anything but an existing SQLite file at the newest schema revision with its
    kept scores complete: creating, migrating and rebuilding are the store's.
    """
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        complete = conn.execute("SELECT complete FROM kept_state WHERE id = 1").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    if version is None or version[0] != head_revision() or not (complete and complete[0]):
        conn.close()
        return None
    return LiteStore(url, conn)
