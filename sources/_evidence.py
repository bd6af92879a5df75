"""Evidence: what was fetched, when, and a hash of exactly the bytes received."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel, Field, PrivateAttr, field_validator

from ._errors import PermanentSourceError

__all__ = ["DEFAULT_EXCERPT_LIMIT", "Evidence"]

DEFAULT_EXCERPT_LIMIT = 2 * 1024 * 1024
"""Bodies up to this many bytes are kept whole; larger ones keep only an excerpt."""


class Evidence(BaseModel):
    """One HTTP response as stored evidence.

    ``body`` holds the raw bytes when ``size <= excerpt_limit``; otherwise ``body`` is None and
    ``excerpt`` holds the first ``excerpt_limit`` bytes. ``sha256`` is always the hash of the full
    body. During a sweep the full bytes stay available through :attr:`raw` (not serialized).
    """

    url: str = Field(description="Final URL after redirects, without secret parameters.")
    fetched_at: datetime = Field(description="When the response was received (aware, UTC).")
    status: int
    content_type: str = ""
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    body: bytes | None = None
    excerpt: bytes | None = None
    recorded: bool = False

    _raw: bytes | None = PrivateAttr(default=None)

    @field_validator("fetched_at")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("fetched_at must be timezone-aware")
        return value.astimezone(UTC)

    @classmethod
    def from_response(
        cls,
        *,
        url: str,
        status: int,
        content_type: str,
        body: bytes,
        fetched_at: datetime,
        excerpt_limit: int = DEFAULT_EXCERPT_LIMIT,
        recorded: bool = False,
    ) -> Evidence:
        """Build evidence from a complete response body."""
        size = len(body)
        whole = size <= excerpt_limit
        evidence = cls(
            url=url,
            fetched_at=fetched_at,
            status=status,
            content_type=content_type,
            sha256=hashlib.sha256(body).hexdigest(),
            size=size,
            body=body if whole else None,
            excerpt=None if whole else body[:excerpt_limit],
            recorded=recorded,
        )
        evidence._raw = body
        return evidence

    @property
    def raw(self) -> bytes:
        """The full body: kept in memory after a fetch, or ``body`` when loaded from storage."""
        # Read the private slot directly: pydantic's attribute hook costs microseconds, and
        # a sweep reads ``raw`` once per question.
        private = self.__pydantic_private__
        raw = private.get("_raw") if private else None
        if raw is not None:
            return raw  # type: ignore[no-any-return]
        if self.body is not None:
            return self.body
        raise PermanentSourceError(
            f"only a {len(self.excerpt or b'')}-byte excerpt of the {self.size}-byte body is kept",
            url=self.url,
        )

    @property
    def media_type(self) -> str:
        """The content type without parameters, lower-cased (``application/json``)."""
        return self.content_type.split(";", 1)[0].strip().lower()

    def verify(self) -> bool:
        """Re-hash the stored body; True when it matches ``sha256`` and ``size``.

        Evidence that keeps only an excerpt cannot be re-hashed; it verifies when the excerpt
        is no longer than the recorded size.
        """
        if self.body is None:
            return self.excerpt is None or len(self.excerpt) <= self.size
        return len(self.body) == self.size and (
            hashlib.sha256(self.body).hexdigest() == self.sha256
        )
