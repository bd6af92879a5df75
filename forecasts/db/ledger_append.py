"""Appending one event to the hash chain, on a connection inside the caller's transaction.

Shared by :class:`forecasts.db.store.Store` (every ledgered write) and the migration that
ledgers the rows written before evidence and tokens were ledgered, so both write the same
payload format.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, select, update

from forecasts.errors import OperationError
from forecasts.timeutils import as_utc

from .bulk import insert_rows
from .chain_step import event_time, next_event
from .tables import LedgerEventRow, LedgerHeadRow

__all__ = ["CHAIN_KEY", "LedgerChain", "append_event", "event_time"]

#: Where a session keeps the batch's open :class:`LedgerChain` (``Store.chained``).
CHAIN_KEY = "forecasts.ledger_chain"


def _table(model: type[Any]) -> Table:
    table: Table = getattr(model, "__table__")  # noqa: B009  (SQLModel sets it at runtime)
    return table


def append_event(
    connection: Connection,
    *,
    kind: str,
    entity: str,
    entity_id: str,
    data: Mapping[str, Any],
    as_of: datetime,
) -> int:
    """Append one version 2 event after the current head; returns its sequence number.

    ``recorded_at`` is ``as_of``, never earlier than the previous event's (see
    :func:`forecasts.db.chain_step.next_event`).
    """
    chain = LedgerChain.open(connection)
    seq = chain.append(kind=kind, entity=entity, entity_id=entity_id, data=data, as_of=as_of)
    chain.close(connection)
    return seq


@functools.cache
def _open_statements() -> tuple[Executable, Executable, Executable]:
    head = _table(LedgerHeadRow)
    events = _table(LedgerEventRow)
    return (
        update(head).where(head.c.id == 1).values(id=1),
        select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update(),
        select(events.c.recorded_at).where(events.c.seq == bindparam("seq")),
    )


_Spec = tuple[str, str, str, Mapping[str, Any], datetime]
_Mark = tuple[int, str, datetime | None, int, int, int]


@dataclass
class LedgerChain:
    """Many appends in one transaction: the head is locked and read once, events are kept
    here and inserted together by :meth:`flush`, and the head is written once by :meth:`close`.

    A chain made by :meth:`later` locks and reads the head only when it closes: its events
    are kept as given and chained then, so concurrent writers (sweep workers) hold the head,
    the one point they all pass, for the end of their transactions alone. Whatever must carry
    the sequence number its events end at registers ``on_close``.

    A caller that wraps part of its work in a savepoint takes a :meth:`mark` before it and
    calls :meth:`restore` when the savepoint rolls back, so the chain forgets those events too.
    """

    seq: int
    hash: str
    last_at: datetime | None
    start_seq: int
    pending: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[_Spec] | None = None
    on_close: list[Callable[[Connection, int], None]] = field(default_factory=list)

    @classmethod
    def open(cls, connection: Connection) -> LedgerChain:
        """Lock the head and read where the chain stands."""
        # Touch the head row first: that takes a row lock on PostgreSQL and the write lock on
        # SQLite, so appends are serialised and the time read below is the latest one.
        touch, read, last_time = _open_statements()
        connection.execute(touch)
        current = connection.execute(read).first()
        if current is None:
            raise OperationError("ledger head row is missing; run `forecasts init`")
        seq = int(current[0])
        last = connection.execute(last_time, {"seq": seq}).scalar()
        return cls(seq, str(current[1]), None if last is None else as_utc(last), seq)

    @classmethod
    def later(cls) -> LedgerChain:
        """A chain that takes the head when it closes (see the class)."""
        return cls(-1, "", None, -1, deferred=[])

    def append(
        self,
        *,
        kind: str,
        entity: str,
        entity_id: str,
        data: Mapping[str, Any],
        as_of: datetime,
    ) -> int:
        """The next event (inserted by :meth:`flush`); its sequence number (-1 on a chain
        made by :meth:`later`: not known before it closes)."""
        if self.deferred is not None:
            self.deferred.append((kind, entity, entity_id, data, as_of))
            return -1
        event = next_event(
            seq=self.seq,
            prev_hash=self.hash,
            last_at=self.last_at,
            kind=kind,
            entity=entity,
            entity_id=entity_id,
            data=data,
            as_of=as_of,
        )
        self.pending.append(event.columns())
        self.seq, self.hash, self.last_at = event.seq, event.hash, event.recorded_at
        return self.seq

    def flush(self, connection: Connection) -> None:
        """Insert the events appended since the last flush, in one statement (a chain made
        by :meth:`later` inserts them when it closes)."""
        if self.pending:
            insert_rows(connection, _table(LedgerEventRow), self.pending)
            self.pending = []

    def mark(self) -> _Mark:
        deferred = -1 if self.deferred is None else len(self.deferred)
        return self.seq, self.hash, self.last_at, len(self.pending), deferred, len(self.on_close)

    def restore(self, mark: _Mark) -> None:
        self.seq, self.hash, self.last_at, kept, deferred, hooks = mark
        del self.pending[kept:]
        if self.deferred is not None:
            del self.deferred[deferred:]
        del self.on_close[hooks:]

    def close(self, connection: Connection) -> None:
        """Flush, and move the head to the last event (when anything was appended)."""
        if self.deferred is not None:
            if not self.deferred:
                return
            chain = LedgerChain.open(connection)
            for kind, entity, entity_id, data, as_of in self.deferred:
                chain.append(kind=kind, entity=entity, entity_id=entity_id, data=data, as_of=as_of)
            chain.close(connection)
            self.seq, self.hash, self.last_at = chain.seq, chain.hash, chain.last_at
            self.deferred = []
            for hook in self.on_close:
                hook(connection, self.seq)
            self.on_close = []
            return
        self.flush(connection)
        if self.seq != self.start_seq:
            head = _table(LedgerHeadRow)
            connection.execute(
                update(head).where(head.c.id == 1).values(seq=self.seq, hash=self.hash)
            )
