"""The newest schema revision, read from the migration files without Alembic or SQLAlchemy.

Every command opens the store, and only a store that needs migrating should pay for loading
Alembic; the light SQLite path (:mod:`forecasts.db.lite`) checks the revision without
SQLAlchemy at all. A test checks this against Alembic's answer.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = ["head_revision"]

_VERSIONS = Path(__file__).with_name("migrations") / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]+)\"|None)\s*$", re.M)


@cache
def head_revision() -> str:
    """The newest revision, read from the version files' headers."""
    revisions: dict[str, str | None] = {}
    for path in _VERSIONS.glob("*.py"):
        found = {k: v or None for k, v in _REVISION.findall(path.read_text("utf-8"))}
        if found.get("revision"):
            revisions[str(found["revision"])] = found.get("down_revision")
    parents = set(revisions.values())
    heads = [rev for rev in revisions if rev not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads[0]
