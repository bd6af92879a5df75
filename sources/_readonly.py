"""Values shared between questions: read-only JSON containers, and keys for equal values.

A decoded body shared by many questions cannot be changed by one of them: its objects and
arrays are ``dict`` and ``list`` subclasses, so every reader (``isinstance`` checks, JSONPath,
``json.dumps``, pydantic) takes them as it took plain ones. Changing one in place raises
``TypeError``; copies (``dict(d)``, ``d.copy()``, ``list(x)``, slices, ``copy.copy``,
``copy.deepcopy``, pickling) are plain, mutable containers the caller owns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from datetime import date, datetime, time
from enum import Enum
from typing import Any, NoReturn

__all__ = ["ReadOnlyDict", "ReadOnlyList", "Unkeyable", "value_key"]

_MESSAGE = "decoded JSON is shared read-only by every reader of the body: copy it to change it"


def _refuse(*_: Any, **__: Any) -> NoReturn:
    raise TypeError(_MESSAGE)


class ReadOnlyDict(dict[str, Any]):
    """A JSON object that refuses changes."""

    __slots__ = ()

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(item, memo) for key, item in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class ReadOnlyList(list[Any]):
    """A JSON array that refuses changes."""

    __slots__ = ()

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(item, memo) for item in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


class Unkeyable(Exception):
    """A value :func:`value_key` cannot stand for (a set, an arbitrary object)."""


def _key_of_date(value: Any) -> Hashable:
    # Equal offsets may be different zones (UTC, Europe/London in winter): keep the zone.
    return (type(value), value.isoformat(), repr(getattr(value, "tzinfo", None)))


def _key_of_number(value: Any) -> Hashable:
    return (type(value), value)


def _key_of_float(value: Any) -> Hashable:
    return (float, repr(value))  # -0.0 and 0.0 are equal but not the same value


def _key_of_mapping(value: Any) -> Hashable:
    # In order: two equal dicts iterated in different orders may not read the same.
    items = []
    for key, item in value.items():
        if type(key) is not str:
            key = value_key(key)
        if type(item) is not str and item is not None:
            item = value_key(item)
        items.append((key, item))
    return (dict, tuple(items))


def _key_of_sequence(value: Any) -> Hashable:
    return (tuple if type(value) is tuple else list, tuple(value_key(item) for item in value))


_KEYS: dict[type, Callable[[Any], Hashable]] = {
    bool: _key_of_number,
    int: _key_of_number,
    float: _key_of_float,
    datetime: _key_of_date,
    date: _key_of_date,
    time: _key_of_date,
    dict: _key_of_mapping,
    ReadOnlyDict: _key_of_mapping,
    list: _key_of_sequence,
    ReadOnlyList: _key_of_sequence,
    tuple: _key_of_sequence,
}


def value_key(value: Any) -> Hashable:
    """A hashable key equal for two values exactly when they are the same JSON-like value.

    ``1``, ``1.0`` and ``True`` get different keys, as do a list and a tuple (a model may
    treat them differently); dict order counts. Raises :class:`Unkeyable` for anything else.
    """
    if type(value) is str or value is None:
        return value
    keyer = _KEYS.get(type(value))
    if keyer is not None:
        return keyer(value)
    if isinstance(value, Enum):
        return (type(value), value.name)
    raise Unkeyable(type(value).__name__)
