"""Each forecaster's kept rows held per process, so the record after a resolution reads
the rows that resolution wrote, not all of them again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forecasts.db.record_rows import read_origins
from forecasts.db.scores import read_kept_since
from forecasts.db.store import Store

__all__ = ["Held", "HeldRows"]

Origins = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class _Held:
    seq: int
    """The newest ledger sequence that wrote one of ``rows``."""
    rows: dict[str, tuple[Any, ...]]
    forecasts: int
    origins: Origins


@dataclass(frozen=True)
class Held:
    """A forecaster's name (None: no such forecaster), kept rows ordered by question id
    and imported forecasts' origins (``read_origins``)."""

    name: str | None
    rows: list[tuple[Any, ...]]
    origins: Origins


class HeldRows:
    """A forecaster's kept rows (no question filter) by question id, kept by (database,
    handle), at most ``size`` rows in all (least recently used forecasters dropped first).

    A kept row is only ever written at a ledger sequence later than every row before it,
    or deleted (an annulment). So the rows written after the newest one held, laid over
    the held ones, are all of them exactly when their count is the forecaster's row count
    read in the same transaction; otherwise (a row was deleted) every row is read again.
    The origins of their imported forecasts are read again only when their number of
    forecasts changed (forecasts are never changed or deleted).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.held: OrderedDict[tuple[str, str], _Held] = OrderedDict()
        self.total = 0
        self.lock = threading.Lock()

    def read(self, store: Store, handle: str, as_of: datetime) -> Held | None:
        """What is held for ``handle``, brought up to date (None: the kept rows cannot
        stand for ``as_of``)."""
        key = (str(store.engine.url), handle)
        with self.lock:
            held = self.held.get(key)
        since = -1 if held is None else held.seq
        got = read_kept_since(store, as_of=as_of, forecaster=handle, since=since)
        if got is None:
            return None
        rows = {} if held is None else dict(held.rows)
        seq = -1 if held is None else held.seq
        for row in got.rows:
            rows[row[0]] = row[:-1]
            seq = max(seq, row[-1])
        if len(rows) != got.count and held is not None:
            got = read_kept_since(store, as_of=as_of, forecaster=handle, since=-1)
            if got is None:
                return None
            rows = {row[0]: row[:-1] for row in got.rows}
            seq = max((row[-1] for row in got.rows), default=-1)
        if held is not None and held.forecasts == got.forecasts:
            origins = held.origins
        else:
            origins = read_origins(store, handle) if got.forecasts else []
        self._put(key, _Held(seq, rows, got.forecasts, origins))
        return Held(got.name, [rows[qid] for qid in sorted(rows)], origins)

    def _put(self, key: tuple[str, str], held: _Held) -> None:
        with self.lock:
            old = self.held.pop(key, None)
            self.total -= 0 if old is None else len(old.rows)
            if len(held.rows) > self.size:
                return
            self.held[key] = held
            self.total += len(held.rows)
            while self.total > self.size:
                _, dropped = self.held.popitem(last=False)
                self.total -= len(dropped.rows)
