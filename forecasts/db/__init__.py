"""Storage: SQLModel rows, engines, migrations and the repository (the outer ring)."""

from __future__ import annotations
