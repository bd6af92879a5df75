"""Verbal probability scales: a stated phrase mapped to a band, the point being its midpoint.

ICD 203 (US Office of the Director of National Intelligence, Analytic Standards, 2015) is the
default; the IPCC calibrated language (AR5/AR6 guidance note) is selectable. A phrase that
belongs to neither scale can be recorded verbatim and *read as* a term of the chosen scale,
so the mapping an analyst chose stays visible next to the words the speaker used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["SCALES", "VerbalBand", "known_phrases", "lookup_phrase"]


@dataclass(frozen=True)
class VerbalBand:
    """One term of a scale: its canonical name and its probability band."""

    term: str
    low: float
    high: float

    @property
    def midpoint(self) -> float:
        return round((self.low + self.high) / 2, 10)


def _scale(rows: list[tuple[tuple[str, ...], float, float]]) -> Mapping[str, VerbalBand]:
    table: dict[str, VerbalBand] = {}
    for names, low, high in rows:
        band = VerbalBand(names[0], low, high)
        for name in names:
            table[name] = band
    return MappingProxyType(table)


SCALES: Mapping[str, Mapping[str, VerbalBand]] = MappingProxyType(
    {
        "icd203": _scale(
            [
                (("almost no chance", "remote"), 0.01, 0.05),
                (("very unlikely", "highly improbable"), 0.05, 0.20),
                (("unlikely", "improbable"), 0.20, 0.45),
                (("roughly even chance", "roughly even odds"), 0.45, 0.55),
                (("likely", "probable"), 0.55, 0.80),
                (("very likely", "highly probable"), 0.80, 0.95),
                (("almost certain", "nearly certain"), 0.95, 0.99),
            ]
        ),
        "ipcc": _scale(
            [
                (("virtually certain",), 0.99, 1.00),
                (("extremely likely",), 0.95, 1.00),
                (("very likely",), 0.90, 1.00),
                (("likely",), 0.66, 1.00),
                (("more likely than not",), 0.50, 1.00),
                (("about as likely as not",), 0.33, 0.66),
                (("unlikely",), 0.00, 0.33),
                (("very unlikely",), 0.00, 0.10),
                (("extremely unlikely",), 0.00, 0.05),
                (("exceptionally unlikely",), 0.00, 0.01),
            ]
        ),
    }
)


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().replace("-", " ").split())


def known_phrases(scale: str) -> list[str]:
    """Every phrase the scale knows, in scale order."""
    return list(SCALES[scale])


def lookup_phrase(phrase: str, scale: str = "icd203") -> VerbalBand:
    """The band of ``phrase`` on ``scale``.

    >>> lookup_phrase("Highly probable").midpoint
    0.875
    >>> lookup_phrase("likely", "ipcc")
    VerbalBand(term='likely', low=0.66, high=1.0)
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale '{scale}'; known scales: {', '.join(SCALES)}")
    band = SCALES[scale].get(_normalise(phrase))
    if band is None:
        raise ValueError(
            f"unknown phrase '{phrase}' on scale {scale}; known phrases: "
            + ", ".join(known_phrases(scale))
            + " (to record another phrase, give the scale term it is read as)"
        )
    return band
