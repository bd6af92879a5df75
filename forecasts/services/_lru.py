"""A small thread-safe LRU map for the per-process caches of the services."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["Lru"]


class Lru:
    """Bounded to ``size`` entries, least recently used dropped first (routes run in a
    thread pool, hence the lock); with ``weigh``, also to ``budget`` in all (an entry
    heavier than the budget is not kept)."""

    def __init__(
        self, size: int, *, weigh: Callable[[Any], int] | None = None, budget: int = 0
    ) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.weigh = weigh
        self.budget = budget
        self.weight = 0

    def get(self, key: Hashable) -> Any:
        with self.lock:
            if key not in self.items:
                return None
            self.items.move_to_end(key)
            return self.items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            if self.weigh is not None and key in self.items:
                self.weight -= self.weigh(self.items[key])
            self.items[key] = value
            self.items.move_to_end(key)
            if self.weigh is not None:
                self.weight += self.weigh(value)
            while self.items and (
                len(self.items) > self.size
                or (self.weigh is not None and self.weight > self.budget)
            ):
                _, dropped = self.items.popitem(last=False)
                if self.weigh is not None:
                    self.weight -= self.weigh(dropped)
