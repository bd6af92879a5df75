"""Claims from text: find forecastable statements, who made them, when, by when, how sure.

Pure domain logic (no web framework, no database): :func:`extract_rules` is the offline
engine; :mod:`forecasts.extract.llm` asks an OpenAI-compatible endpoint and checks its
answer against the text; :func:`build_draft` turns claims into an import file for review.
"""

from __future__ import annotations

from .document import StoreView, build_draft, render_yaml
from .models import Claim, ClaimQuantity, Extraction, SetAside
from .rules import extract_rules
from .text import InputText, read_input

__all__ = [
    "Claim",
    "ClaimQuantity",
    "Extraction",
    "InputText",
    "SetAside",
    "StoreView",
    "build_draft",
    "extract_rules",
    "read_input",
    "render_yaml",
]
