"""The REST API (FastAPI): :func:`create_app` builds it; nothing is built at import."""

from __future__ import annotations

from .app import create_app as create_app

__all__ = ["create_app"]
