"""Web pages (Jinja2, inline SVG, no JavaScript) and the SVG chart builders."""

from __future__ import annotations

from .charts import history_svg as history_svg
from .charts import reliability_svg as reliability_svg
from .pages import build_router as build_router

__all__ = ["build_router", "history_svg", "reliability_svg"]
