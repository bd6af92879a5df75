"""The registry of sources, loaded from entry points or built explicitly."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from ._base import Source, SourceSpec
from ._errors import SourceError, SpecError, UnknownSourceError

__all__ = ["SourceRegistry", "load_sources", "spec_error"]


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


class SourceRegistry:
    """Sources by name."""

    def __init__(self, sources: Iterable[Source[Any]]) -> None:
        self._sources: dict[str, Source[Any]] = {}
        for source in sources:
            if source.name in self._sources:
                raise SourceError(f"two sources are registered as {source.name!r}")
            self._sources[source.name] = source

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
        """Validate a spec mapping with the model of the source named by its ``source`` key."""
        if isinstance(data, SourceSpec):
            return data
        if not isinstance(data, Mapping):
            raise SpecError(None, [("", f"expected a mapping, got {type(data).__name__}")])
        name = data.get("source")
        if not isinstance(name, str) or not name:
            raise SpecError(None, [("source", "missing: name the source, e.g. source: http_json")])
        source = self.get(name)
        try:
            return source.spec_model.model_validate(dict(data))
        except ValidationError as error:
            raise spec_error(name, error) from None

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
