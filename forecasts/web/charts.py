"""SVG charts built as strings: readable without JavaScript, usable inline or as files.

Every text that comes from data is escaped; numbers are formatted by us.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from forecasts.records.models import CalibrationBinOut, ReliabilityOut

__all__ = ["history_svg", "reliability_svg"]

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
_MARGIN = 48


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Frame:
    """Maps data in [x0, x1] x [0, 1] onto the plotting area."""

    def __init__(self, width: int, height: int, x0: float = 0.0, x1: float = 1.0) -> None:
        self.width, self.height = width, height
        self.x0, self.x1 = x0, x1 if x1 > x0 else x0 + 1.0

    def x(self, value: float) -> float:
        span = self.width - 2 * _MARGIN
        return _MARGIN + (value - self.x0) / (self.x1 - self.x0) * span

    def y(self, value: float) -> float:
        return self.height - _MARGIN - value * (self.height - 2 * _MARGIN)

    def point(self, x: float, y: float) -> str:
        return f"{_num(self.x(x))},{_num(self.y(y))}"


def _axes(frame: _Frame, x_label: str, y_label: str, x_ticks: Sequence[tuple[float, str]]) -> str:
    parts = [
        f'<rect x="{_MARGIN}" y="{_MARGIN}" width="{frame.width - 2 * _MARGIN}" '
        f'height="{frame.height - 2 * _MARGIN}" fill="#fff" stroke="#999"/>'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _num(frame.y(tick))
        parts.append(
            f'<line x1="{_MARGIN}" y1="{y}" x2="{frame.width - _MARGIN}" y2="{y}" '
            f'stroke="#eee"/><text x="{_MARGIN - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11">{_num(tick)}</text>'
        )
    for value, label in x_ticks:
        x = _num(frame.x(value))
        parts.append(
            f'<text x="{x}" y="{frame.height - _MARGIN + 16}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{frame.width / 2:.0f}" y="{frame.height - 8}" text-anchor="middle" '
        f'font-size="12">{escape(x_label)}</text>'
        f'<text x="14" y="{frame.height / 2:.0f}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {frame.height / 2:.0f})">{escape(y_label)}</text>'
    )
    return "".join(parts)


def reliability_svg(
    reliability: ReliabilityOut | None,
    calibration: Sequence[CalibrationBinOut],
    *,
    svg_id: str = "reliability-diagram",
    title: str = "Reliability diagram",
    size: int = 440,
) -> str:
    """The CORP reliability diagram with its consistency band, and the binned frequencies.

    The shaded band is where a calibrated forecaster's curve would fall (at the band's
    level); dots are the calibration table's bins (area ~ count) with Wilson intervals.
    """
    frame = _Frame(size, size)
    ticks = [(v, _num(v)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(svg_id)}" width="{size}" '
        f'height="{size}" viewBox="0 0 {size} {size}" role="img" '
        f'font-family="sans-serif"><title>{escape(title)}</title>',
        _axes(frame, "forecast probability", "observed frequency", ticks),
        f'<line x1="{_num(frame.x(0))}" y1="{_num(frame.y(0))}" x2="{_num(frame.x(1))}" '
        f'y2="{_num(frame.y(1))}" stroke="#888" stroke-dasharray="4 3"/>',
    ]
    if reliability is not None and reliability.x:
        xs, cep = list(reliability.x), list(reliability.cep)
        high, low = list(reliability.band_high), list(reliability.band_low)
        if len(xs) == 1:  # one distinct forecast value: draw it as a short segment
            xs = [max(xs[0] - 0.015, 0.0), min(xs[0] + 0.015, 1.0)]
            cep, high, low = cep * 2, high * 2, low * 2
        upper = [frame.point(x, y) for x, y in zip(xs, high, strict=True)]
        lower = [frame.point(x, y) for x, y in zip(xs, low, strict=True)]
        band = " ".join(upper + lower[::-1])
        level = f"{reliability.level:.0%}"
        parts.append(
            f'<polygon class="band" points="{band}" fill="#1f77b4" fill-opacity="0.18" '
            f'stroke="none"><title>{level} consistency band</title></polygon>'
        )
        curve = " ".join(frame.point(x, y) for x, y in zip(xs, cep, strict=True))
        parts.append(
            f'<polyline class="cep" points="{curve}" fill="none" stroke="#1f77b4" '
            f'stroke-width="2"><title>CORP recalibrated curve</title></polyline>'
        )
    biggest = max((b.count for b in calibration), default=0)
    for b in calibration:
        if not b.count or b.mean_forecast is None or b.observed_frequency is None:
            continue
        radius = 3 + 7 * (b.count / biggest) ** 0.5
        cx, cy = _num(frame.x(b.mean_forecast)), _num(frame.y(b.observed_frequency))
        lo, hi = b.wilson_low or 0.0, b.wilson_high or 1.0
        parts.append(
            f'<line x1="{cx}" y1="{_num(frame.y(lo))}" x2="{cx}" y2="{_num(frame.y(hi))}" '
            f'stroke="#d62728" stroke-width="1"/>'
            f'<circle cx="{cx}" cy="{cy}" r="{radius:.1f}" fill="#d62728" fill-opacity="0.7">'
            f"<title>{_num(b.lower)}-{_num(b.upper)}: {b.count} forecasts, mean "
            f"{b.mean_forecast:.2f}, observed {b.observed_frequency:.2f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def history_svg(
    series: Sequence[tuple[str, Sequence[tuple[datetime, float]]]],
    *,
    start: datetime,
    end: datetime,
    svg_id: str = "forecast-history",
    width: int = 640,
    height: int = 300,
) -> str:
    """Each forecaster's standing probability over time, as steps from ``start`` to ``end``."""
    t0, t1 = start.timestamp(), end.timestamp()
    for _, points in series:
        for when, _ in points:
            t0, t1 = min(t0, when.timestamp()), max(t1, when.timestamp())
    frame = _Frame(width, height, t0, t1)
    ticks = [
        (t0, datetime.fromtimestamp(t0, start.tzinfo).date().isoformat()),
        (t1, datetime.fromtimestamp(t1, start.tzinfo).date().isoformat()),
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(svg_id)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="sans-serif"><title>Forecast history</title>',
        _axes(frame, "time", "probability", ticks),
    ]
    for i, (name, points) in enumerate(series):
        if not points:
            continue
        colour = _PALETTE[i % len(_PALETTE)]
        steps: list[str] = []
        ordered = sorted(points, key=lambda item: item[0])
        for k, (when, p) in enumerate(ordered):
            steps.append(frame.point(when.timestamp(), p))
            following = ordered[k + 1][0].timestamp() if k + 1 < len(ordered) else t1
            steps.append(frame.point(following, p))
        parts.append(
            f'<polyline points="{" ".join(steps)}" fill="none" stroke="{colour}" '
            f'stroke-width="2"><title>{escape(name)}</title></polyline>'
        )
        for when, p in ordered:
            parts.append(
                f'<circle cx="{_num(frame.x(when.timestamp()))}" cy="{_num(frame.y(p))}" '
                f'r="3" fill="{colour}"><title>{escape(name)}: {p:g} on '
                f"{when.date().isoformat()}</title></circle>"
            )
        parts.append(
            f'<text x="{_MARGIN + 6}" y="{_MARGIN + 14 * (i + 1)}" font-size="11" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
