"""Turn input bytes (plain text or HTML) into the text claims are quoted from.

HTML is reduced to its main text by trafilatura (boilerplate, navigation and comments
removed), which also reads the page's publication date from its metadata. Quotes are exact
substrings of the text returned here, not of the raw HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from forecasts.errors import InputError

__all__ = ["InputText", "find_dateline", "read_input"]

_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<article|<p[\s>])", re.I)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_DATELINE = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})\b"
)


@dataclass(frozen=True)
class InputText:
    """The text to extract from, and the publication date its markup gives, if any."""

    text: str
    published: date | None = None
    was_html: bool = False


def _decode(data: bytes, name: str, charset: str | None) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: binary file, not text or HTML")
    for encoding in filter(None, [charset, "utf-8"]):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
        if controls > 0.01 * min(len(text), 8192):
            raise InputError(f"{name}: binary file, not text or HTML")
        return text
    raise InputError(f"{name}: not UTF-8 text (binary file or unknown encoding)")


def _html_to_text(html: str, name: str) -> InputText:
    import trafilatura  # heavy (lxml); imported only when a page is read

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_recall=True, deduplicate=True
    )
    if not text or not text.strip():
        raise InputError(f"{name}: no main text found in the HTML")
    from htmldate import find_date  # trafilatura's own date reader

    # Only dates the page states in its markup: the extensive search guesses (from the URL,
    # the text, or today), and a guessed publication date would backdate claims wrongly.
    found = find_date(html, extensive_search=False, original_date=True)
    published = date.fromisoformat(found[:10]) if found else None
    return InputText(text=text, published=published, was_html=True)


def read_input(data: bytes, *, name: str, content_type: str | None = None) -> InputText:
    """Decode ``data`` and, if it is HTML, keep only the page's main text.

    Raises :class:`~forecasts.errors.InputError` (one line, naming ``name``) for empty or
    binary input and for HTML without any main text.
    """
    if not data.strip():
        raise InputError(f"{name}: empty input, nothing to extract")
    charset = None
    if content_type and "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"')
    text = _decode(data, name, charset).replace("\r\n", "\n").replace("\r", "\n")
    html = (
        (content_type is not None and "html" in content_type.lower())
        or name.lower().endswith((".html", ".htm"))
        or bool(_HTML_START.match(data[:512]))
    )
    if html:
        return _html_to_text(text, name)
    if not text.strip():
        raise InputError(f"{name}: empty input, nothing to extract")
    return InputText(text=text)


def find_dateline(text: str, head: int = 600) -> date | None:
    """The first full calendar date near the top of ``text`` (a dateline), if any.

    >>> find_dateline("BEIJING, January 10, 2026 - Experts said ...")
    datetime.date(2026, 1, 10)
    """
    match = _DATELINE.search(text[:head])
    if match is None:
        return None
    import dateparser

    parsed = dateparser.parse(match.group(1), languages=["en"], settings={"STRICT_PARSING": True})
    return parsed.date() if parsed is not None else None
