"""Sentence splitting that keeps character offsets, so every quote is an exact substring.

Newlines end paragraphs (news text puts one paragraph per line); inside a paragraph a
sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets) followed by
space and a capital, digit or opening quote, unless the word before the stop is an
abbreviation or an initial. That is enough for edited prose; it is not a general parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_sentences"]


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text and where it sits in the input (``text[start:end]``)."""

    start: int
    end: int
    text: str
    paragraph: int


# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr inc ltd co corp plc vs etc e.g i.e u.s u.k u.n e.u
    no gov sen rep gen lt col sgt jan feb mar apr jun jul aug sep sept oct nov dec
    approx est fig dept univ mt ft""".split()
)
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)\.?$")


def _is_abbreviation(paragraph: str, stop: int) -> bool:
    if paragraph[stop] != ".":
        return False
    match = _WORD_BEFORE.search(paragraph[:stop])
    if match is None:
        return False
    word = match.group(1).lower().rstrip(".")
    # A lone capital is an initial ("J. Smith"); dotted acronyms ("U.S.") stay inside.
    return word in _ABBREVIATIONS or len(word) == 1 or ("." in word and len(word) <= 5)


def _split_paragraph(paragraph: str, offset: int, index: int) -> list[Sentence]:
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        if _is_abbreviation(paragraph, match.start()):
            continue
        end = match.end()
        sentences.append(_make(paragraph, start, end, offset, index))
        start = end
    if paragraph[start:].strip():
        sentences.append(_make(paragraph, start, len(paragraph), offset, index))
    return [s for s in sentences if s.text]


def _make(paragraph: str, start: int, end: int, offset: int, index: int) -> Sentence:
    chunk = paragraph[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk.rstrip())
    return Sentence(offset + start + lead, offset + start + trail, chunk.strip(), index)


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of ``text`` with its offsets.

    >>> [s.text for s in split_sentences('Mr. Li said it. "Prices will rise," he added.')]
    ['Mr. Li said it.', '"Prices will rise," he added.']
    """
    sentences: list[Sentence] = []
    position = 0
    for index, line in enumerate(text.split("\n")):
        sentences.extend(_split_paragraph(line, position, index))
        position += len(line) + 1
    return sentences
