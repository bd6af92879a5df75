"""Python's cyclic garbage collector, set for long batch work (a sweep of many questions).

A sweep allocates millions of short-lived containers (rows, models, dicts) and keeps tens of
thousands (plans, results) until it ends. With the default thresholds the collector runs a
full collection every few thousand questions, and each one walks every object alive in the
process, the libraries' own included: at 10,000 questions that was a sixth of the sweep's
CPU time. Inside :func:`batch_collector` the objects alive before the work began are frozen
out of collection (``gc.freeze``) and the youngest generation is collected less often.
Nothing is left uncollected: cycles made during the work are still found, and the settings
are restored (and the frozen objects thawed) when the last batch running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["batch_collector"]

_YOUNG_THRESHOLD = 20_000
"""Allocations between collections of the youngest generation (Python's default is 700)."""

_lock = threading.Lock()
_open = 0
_saved: tuple[int, int, int] | None = None
_froze = False


@contextmanager
def batch_collector() -> Iterator[None]:
    """Run the block with the collector set for batch work; nests and may run on threads."""
    global _open, _saved, _froze
    with _lock:
        if _open == 0:
            _saved = gc.get_threshold()
            # A process that froze its heap itself (a pre-forking server) keeps it as it is.
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            gc.set_threshold(max(_saved[0], _YOUNG_THRESHOLD), _saved[1], _saved[2])
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()
