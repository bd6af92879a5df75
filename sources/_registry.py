"""The registry of sources, loaded from entry points or built explicitly."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from ._base import Source, SourceSpec
from ._errors import SourceError, SpecError, UnknownSourceError
from ._readonly import Unkeyable, sealed, value_key

__all__ = ["SPEC_CACHE_ENTRIES", "SourceRegistry", "load_sources", "spec_error"]

SPEC_CACHE_ENTRIES = 4096
"""Most parsed specs a registry keeps (a sweep's questions share far fewer)."""


def spec_error(source: str | None, error: ValidationError) -> SpecError:
    """Turn a pydantic ``ValidationError`` into a :class:`SpecError` naming each field."""
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append((field, message))
    return SpecError(source, problems)


def _seal(spec: SourceSpec) -> bool:
    """Make ``spec``'s containers read-only; True when nothing in it can change (keepable)."""
    values = spec.__dict__
    for name, value in values.items():
        if isinstance(value, dict | list | tuple):
            values[name] = sealed(value)
    if spec.__pydantic_extra__ or spec.__pydantic_private__:
        return False  # arbitrary values; validated afresh for every question
    try:
        value_key(values)
    except Unkeyable:
        return False
    return True


class SourceRegistry:
    """Sources by name."""

    def __init__(self, sources: Iterable[Source[Any]]) -> None:
        self._sources: dict[str, Source[Any]] = {}
        for source in sources:
            if source.name in self._sources:
                raise SourceError(f"two sources are registered as {source.name!r}")
            self._sources[source.name] = source
        self._specs: OrderedDict[Hashable, SourceSpec] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Source[Any]:
        """The source registered as ``name``; ``UnknownSourceError`` lists the known names."""
        try:
            return self._sources[name]
        except KeyError:
            raise UnknownSourceError(name, self._sources) from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._sources)

    def parse_spec(self, data: Mapping[str, Any] | SourceSpec) -> SourceSpec:
        """Validate a spec mapping with the model of the source named by its ``source`` key.

        The spec's dicts and lists are read-only, and a spec made only of JSON-like values is
        kept (bounded, least recently used out first): an equal mapping gets the same spec
        object back, as many questions in a sweep carry the same spec.
        """
        if isinstance(data, SourceSpec):
            return data
        if not isinstance(data, Mapping):
            raise SpecError(None, [("", f"expected a mapping, got {type(data).__name__}")])
        name = data.get("source")
        if not isinstance(name, str) or not name:
            raise SpecError(None, [("source", "missing: name the source, e.g. source: http_json")])
        source = self.get(name)
        try:
            key: Hashable = (name, value_key(data))
        except Unkeyable:
            key = None
        if key is not None:
            with self._lock:
                found = self._specs.get(key)
                if found is not None:
                    self._specs.move_to_end(key)
                    return found
        try:
            spec = source.spec_model.model_validate(dict(data))
        except ValidationError as error:
            raise spec_error(name, error) from None
        if _seal(spec) and key is not None:
            with self._lock:
                self._specs[key] = spec
                if len(self._specs) > SPEC_CACHE_ENTRIES:
                    self._specs.popitem(last=False)
        return spec

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __iter__(self) -> Iterator[Source[Any]]:
        return iter(self._sources[name] for name in self.names())

    def __len__(self) -> int:
        return len(self._sources)


def load_sources(
    entry_point_group: str, *, credentials: Mapping[str, str] | None = None
) -> SourceRegistry:
    """Instantiate every source declared in ``entry_point_group``.

    An entry point must load a :class:`Source` subclass whose ``name`` equals the entry point's
    name. ``credentials`` maps a source name to the secret it sends (API key, token); each
    source receives only its own.
    """
    secrets = dict(credentials or {})
    sources: list[Source[Any]] = []
    for entry in entry_points(group=entry_point_group):
        cls = entry.load()
        if not (isinstance(cls, type) and issubclass(cls, Source)):
            raise SourceError(f"entry point {entry.name!r} ({entry.value}) is not a Source class")
        if cls.name != entry.name:
            raise SourceError(
                f"entry point {entry.name!r} loads {cls.__qualname__} named {cls.name!r}"
            )
        sources.append(cls(credential=secrets.get(cls.name)))
    return SourceRegistry(sources)
