"""Pure parsers for other forecasting platforms' exports (bytes or JSON in, neutral records out).

No I/O, no clock, no database: `forecasts.services.platform_import` reads the file or the API,
hands the content to a parser here and writes the result through the ordinary import path.
"""

from __future__ import annotations

from .common import PLATFORMS, Item, Parsed, handle_for, stable_id

__all__ = ["PLATFORMS", "Item", "Parsed", "handle_for", "stable_id"]
