"""Which resolved questions and which forecasts a track record counts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from forecasts.domain import QuestionKind
from forecasts.domain.models import UTCDateTime

__all__ = ["RecordFilter"]


class RecordFilter(BaseModel):
    """A slice of the record: by tag, by when questions closed, by kind and by horizon.

    ``since``/``until`` bound the question's effective close (the earlier of ``closes_at``
    and the resolution time), inclusive. ``min_horizon_days`` keeps only forecasts made at
    least that many days before the effective close, so the record answers "how good were
    this forecaster's calls made N days ahead?".

    >>> RecordFilter(tag="ai", since="2026-01-01").since.isoformat()
    '2026-01-01T00:00:00+00:00'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tag: str | None = None
    since: UTCDateTime | None = None
    until: UTCDateTime | None = None
    kind: QuestionKind | None = None
    min_horizon_days: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    exclude_backdated: bool = False
    """Leave out forecasts recorded after the time they claim to have been made."""
    platform: str | None = Field(default=None, max_length=64)
    """Only questions the forecaster answered with forecasts imported from this platform
    (``forecasts`` for those recorded here or imported from our own files)."""
