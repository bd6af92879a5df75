"""The neutral records every platform parser returns, and the helpers they share."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PLATFORMS", "Item", "Parsed", "handle_for", "stable_id"]

PLATFORMS = ("fatebook", "predictionbook", "metaculus", "manifold", "gjopen")


@dataclass(frozen=True)
class Item:
    """One record in the import format (``section`` as in `forecasts import` files).

    Forecasts and forecasters name people by their platform name (``by`` / ``name``); the
    service turns names into handles, because only it knows the database and ``--as``.
    """

    section: str
    where: str
    data: dict[str, Any]


@dataclass
class Parsed:
    """What a parser found: records to import, rows skipped (with why) and bad rows."""

    platform: str
    items: list[Item] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    platform_scores: dict[str, float] = field(default_factory=dict)
    """The platform's own score per question id for the exporting user, where the export has it
    (Fatebook's Brier columns are the exporter's, repeated on every row of the question)."""


def handle_for(name: str) -> str | None:
    """A stable handle for a display name: lowercased, hyphenated ("Ada Lovelace" -> ada-lovelace).

    None when the name has no letters or digits (the caller reports the row).
    """
    # Accents fold to their base letter so "José" and "Jose" share a handle.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.casefold()).strip("-")
    return slug[:64].rstrip("-") or None


def stable_id(prefix: str, *parts: str) -> str:
    """A deterministic id from content, so a re-import finds what it wrote before."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    return f"{prefix}-{digest}"
