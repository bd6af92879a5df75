"""``manual``: a person resolves the question; the source only says it is waiting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError
from .._evidence import Evidence

__all__ = ["ManualSource", "ManualSpec"]


class ManualSpec(SourceSpec):
    """``{source: manual, note?}``; ``note`` tells the resolver what to check."""

    source: Literal["manual"] = "manual"
    note: str | None = None


class ManualSource(Source[ManualSpec]):
    """Makes no request; parsing always raises ``NotYetError`` (awaiting manual resolution)."""

    name: ClassVar[str] = "manual"
    spec_model: ClassVar[type[SourceSpec]] = ManualSpec

    def requests(self, spec: ManualSpec, *, as_of: datetime) -> list[FetchRequest]:
        return []

    def parse(
        self, spec: ManualSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        reason = "awaiting manual resolution"
        raise NotYetError(f"{reason}: {spec.note}" if spec.note else reason)
