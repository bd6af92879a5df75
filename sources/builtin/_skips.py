"""Counting the rows a table query skips, and the share of the answer they could represent."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["OTHER", "Skips"]

OTHER = "OTHER"
"""The group that unmapped names fall into with ``unknown_groups: other``."""


@dataclass
class _Reason:
    rows: int = 0
    known: float = 0.0  # quantity of skipped rows whose value is known (blank group, undated)
    blank: dict[str | None, int] = field(default_factory=dict)  # group -> rows without a value


@dataclass
class Skips:
    """Skipped rows by reason. A row's value is None when its measured cell is blank."""

    aggregate: str
    reasons: dict[str, _Reason] = field(default_factory=dict)

    def add(self, reason: str, group: str | None, value: float | None) -> None:
        entry = self.reasons.setdefault(reason, _Reason())
        entry.rows += 1
        if value is None:
            entry.blank[group] = entry.blank.get(group, 0) + 1
        else:
            entry.known += value

    @property
    def rows(self) -> int:
        return sum(entry.rows for entry in self.reasons.values())

    def _estimate(self, grouped: dict[str, list[float]]) -> float:
        """Quantity the skipped rows could stand for; a blank value counts at its group's mean.

        The mean is an estimate, not a bound: it says how much the skipped rows would weigh if
        they were typical rows, which is what a reviewer needs to judge the answer.
        """
        everything = [v for values in grouped.values() for v in values]
        overall = math.fsum(everything) / len(everything) if everything else 0.0
        total = 0.0
        for entry in self.reasons.values():
            total += entry.known
            for group, count in entry.blank.items():
                values = grouped.get(group or "", [])
                mean = math.fsum(values) / len(values) if values else overall
                total += count * mean
        return total

    def share(self, grouped: dict[str, list[float]]) -> float:
        """Share of the measured quantity (``sum``/``count``) or of the rows (other aggregates)
        that the skipped rows could represent."""
        if not self.reasons:
            return 0.0
        if self.aggregate in ("sum", "count"):
            skipped = self._estimate(grouped)
            measured = math.fsum(v for values in grouped.values() for v in values)
        else:
            skipped = float(self.rows)
            measured = float(sum(len(values) for values in grouped.values()))
        whole = measured + skipped
        return skipped / whole if whole > 0 else 1.0

    def describe(self, grouped: dict[str, list[float]], unknown: set[str]) -> str:
        """``skipped 33 rows with blank 'H100 equivalents' (CN 14, US 3), ...``; '' if none."""
        parts = []
        for reason, entry in sorted(self.reasons.items()):
            text = f"{entry.rows} rows with {reason}"
            if entry.known:
                text += f" (known quantity {entry.known:,.6g})"
            by_group = sorted(
                ((g, n) for g, n in entry.blank.items() if g), key=lambda item: (-item[1], item[0])
            )
            if by_group:
                text += " (" + ", ".join(f"{g} {n}" for g, n in by_group) + ")"
            parts.append(text)
        out = ("skipped " + ", ".join(parts)) if parts else ""
        if unknown:
            out += ("; " if out else "") + "unmapped: " + ", ".join(sorted(unknown))
        return out
