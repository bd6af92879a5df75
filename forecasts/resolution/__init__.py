"""Resolution: specs, rules, the sweep and its scheduler."""

from __future__ import annotations
