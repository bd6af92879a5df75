"""``python -m forecasts``."""

from __future__ import annotations

from forecasts.cli import main

main()
