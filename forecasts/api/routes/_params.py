"""Shared path and query parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

__all__ = ["HandlePath", "Limit", "Offset", "QuestionPath"]

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

HandlePath = Annotated[str, Path(pattern=_ID, description="A forecaster's handle.")]
QuestionPath = Annotated[str, Path(pattern=_ID, description="A question's id.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
