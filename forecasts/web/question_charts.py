"""The question page's SVG charts: binary history with the crowd, numeric fans, option bars.

Strings built here, like :mod:`forecasts.web.charts`: data text is escaped, numbers are
formatted by us, no JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from statistics import NormalDist

from forecasts.domain import (
    Forecast,
    IntervalForecast,
    LognormalForecast,
    NormalForecast,
    QuantileForecast,
)

__all__ = ["FanRow", "Series", "fan_rows", "fan_svg", "options_svg", "timeline_svg"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
_FONT = 'font-family="sans-serif" font-size="12"'
_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def _n(value: float) -> str:
    text = f"{value:.1f}"  # one decimal, dropped when it is 0 (12.0 -> 12)
    return text[:-2] if text.endswith(".0") else text


def _svg(svg_id: str, width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(svg_id)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" {_FONT}>'
        f"<title>{escape(title)}</title>"
    )


@dataclass(frozen=True)
class Series:
    """One line on the history chart: (time, probability, marked) points, oldest first."""

    name: str
    points: Sequence[tuple[datetime, float, bool]]


def _date_ticks(t0: float, t1: float, count: int = 5) -> list[tuple[float, str]]:
    days = (t1 - t0) / 86400
    fmt = "%Y-%m-%d" if days < 400 else "%Y-%m"
    return [
        (t, datetime.fromtimestamp(t, UTC).strftime(fmt))
        for t in (t0 + (t1 - t0) * k / (count - 1) for k in range(count))
    ]


def timeline_svg(
    series: Sequence[Series],
    crowd: Sequence[tuple[datetime, float]],
    *,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    resolved_at: datetime | None = None,
    crowd_label: str = "crowd",
    svg_id: str = "forecast-history",
) -> str:
    """The axis spans ``start`` (open) to ``end`` (close); each forecaster's standing
    probability is drawn as steps up to today or the resolution (whichever is first), the
    crowd's line dashed over them, today and the resolution as rules.

    Marked points (backdated or imported forecasts) are drawn hollow."""
    width, height, left, right, top, bottom = 880, 340, 56, 200, 16, 42
    t0, t1 = start.timestamp(), max(end.timestamp(), start.timestamp() + 1)
    for s in series:
        for when, _, _ in s.points:
            t0, t1 = min(t0, when.timestamp()), max(t1, when.timestamp())
    plot_w, plot_h = width - left - right, height - top - bottom
    stop = min((m.timestamp() for m in (now, resolved_at) if m is not None), default=t1)
    stop = min(max(stop, t0), t1)
    for s in series:  # a forecast recorded after today's cut-off still shows
        for when, _, _ in s.points:
            stop = max(stop, when.timestamp())

    def x(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * plot_w

    def y(p: float) -> float:
        return top + (1 - p) * plot_h

    parts = [
        _svg(svg_id, width, height, "Forecast history"),
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#999"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{left}" y1="{_n(y(tick))}" x2="{left + plot_w}" y2="{_n(y(tick))}" '
            f'stroke="#eee"/><text x="{left - 6}" y="{_n(y(tick) + 4)}" '
            f'text-anchor="end">{tick:.0%}</text>'
        )
    for t, label in _date_ticks(t0, t1):
        parts.append(
            f'<text x="{_n(x(t))}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    rules = ((now, "today", "#888"), (resolved_at, "resolved", "#2a7"))
    for moment, label, colour in rules:
        if moment is not None and t0 <= moment.timestamp() <= t1:
            xv = _n(x(moment.timestamp()))
            parts.append(
                f'<line class="rule" x1="{xv}" y1="{top}" x2="{xv}" y2="{top + plot_h}" '
                f'stroke="{colour}" stroke-dasharray="2 3"/><text x="{xv}" '
                f'y="{height - 6}" text-anchor="middle" fill="{colour}">{label}</text>'
            )
    legend: list[tuple[str, str, str]] = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        ordered = sorted(s.points, key=lambda item: item[0])
        if not ordered:
            continue
        name = escape(s.name)
        parts.append(_steps(ordered, stop, x, y, colour, name, 'stroke-width="1.5"'))
        for when, p, marked in ordered:
            fill = "#fff" if marked else colour
            note = " (backdated or imported)" if marked else ""
            parts.append(
                f'<circle cx="{_n(x(when.timestamp()))}" cy="{_n(y(p))}" r="3.5" '
                f'fill="{fill}" stroke="{colour}" stroke-width="1.5"><title>'
                f"{name}: {p:.0%} on {when.date().isoformat()}{note}</title></circle>"
            )
        legend.append((colour, s.name, ""))
    if crowd:
        points = [(when, p, False) for when, p in crowd]
        dash = 'class="crowd" stroke-width="3" stroke-dasharray="7 4" stroke-opacity="0.8"'
        parts.append(_steps(points, stop, x, y, "#222", escape(crowd_label), dash))
        legend.append(("#222", crowd_label, "crowd"))
    for k, (colour, name, css) in enumerate(legend):
        ly = top + 14 + 18 * k
        style = 'stroke-dasharray="7 4" stroke-width="3"' if css else 'stroke-width="2"'
        parts.append(
            f'<line x1="{width - right + 12}" y1="{ly - 4}" x2="{width - right + 34}" '
            f'y2="{ly - 4}" stroke="{colour}" {style}/><text x="{width - right + 40}" y="{ly}">'
            f"{escape(_short(name, 24))}<title>{escape(name)}</title></text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _steps(ordered, t1, x, y, colour, name, style) -> str:  # type: ignore[no-untyped-def]
    steps: list[str] = []
    for k, (when, p, _) in enumerate(ordered):
        following = ordered[k + 1][0].timestamp() if k + 1 < len(ordered) else t1
        steps.append(f"{_n(x(when.timestamp()))},{_n(y(p))}")
        steps.append(f"{_n(x(following))},{_n(y(p))}")
    return (
        f'<polyline points="{" ".join(steps)}" fill="none" stroke="{colour}" {style}>'
        f"<title>{name}</title></polyline>"
    )


@dataclass(frozen=True)
class FanRow:
    """One numeric forecast as central intervals (widest first) and its median."""

    label: str
    bands: list[tuple[float, float, float]]
    """(coverage, low, high), widest first."""
    median: float | None


def _quantiles(forecast: Forecast) -> tuple[list[float], list[float]] | None:
    d = forecast.distribution
    if isinstance(d, IntervalForecast):
        d = d.as_parametric()
    if isinstance(d, QuantileForecast):
        return list(d.levels), list(d.values)
    if isinstance(d, NormalForecast):
        dist = NormalDist(d.mu, d.sigma)
        return list(_LEVELS), [dist.inv_cdf(level) for level in _LEVELS]
    if isinstance(d, LognormalForecast):
        dist = NormalDist(d.mulog, d.sigmalog)
        return list(_LEVELS), [math.exp(dist.inv_cdf(level)) for level in _LEVELS]
    return None


def fan_rows(forecasts: Sequence[tuple[str, Forecast]]) -> list[FanRow]:
    """The rows of a fan chart from (label, numeric forecast) pairs."""
    rows = []
    for label, forecast in forecasts:
        found = _quantiles(forecast)
        if found is None:
            continue
        levels, values = found
        bands = [
            (levels[-1 - i] - levels[i], values[i], values[-1 - i]) for i in range(len(levels) // 2)
        ]
        median = next((v for lv, v in zip(levels, values, strict=True) if lv == 0.5), None)
        rows.append(FanRow(label, bands, median))
    return rows


def _nice_ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        steps = (1, 2, 5) if last - first <= 3 else (1,)
        return [
            m * 10.0**e for e in range(first, last + 1) for m in steps if m * 10.0**e <= 10.0**last
        ]
    raw = (hi - lo) / 5 or 1.0
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if raw <= m * step)
    start = math.floor(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 2)]


def fan_svg(
    rows: Sequence[FanRow],
    *,
    log_scale: bool = False,
    resolved: float | None = None,
    unit: str | None = None,
    svg_id: str = "fan-chart",
) -> str:
    """Numeric forecasts as nested central intervals: the wider, the paler."""
    values = [v for row in rows for _, lo, hi in row.bands for v in (lo, hi)]
    values += [row.median for row in rows if row.median is not None]
    if resolved is not None:
        values.append(resolved)
    log = log_scale and bool(values) and min(values) > 0
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    ticks = _nice_ticks(lo, hi, log) if hi > lo else [lo - 1, lo, lo + 1]
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    width, left, right, top, row_h = 880, 220, 30, 12, 36
    height = top + row_h * max(len(rows), 1) + 46
    plot_w = width - left - right

    def x(v: float) -> float:
        if log:
            return (
                left + (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * plot_w
            )
        return left + (v - lo) / (hi - lo) * plot_w

    bottom = top + row_h * max(len(rows), 1)
    parts = [
        _svg(svg_id, width, height, "Numeric forecasts"),
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{bottom - top}" fill="#fff" '
        'stroke="#999"/>',
    ]
    for t in ticks:
        if lo <= t <= hi:
            parts.append(
                f'<line x1="{_n(x(t))}" y1="{top}" x2="{_n(x(t))}" y2="{bottom}" stroke="#eee"/>'
                f'<text x="{_n(x(t))}" y="{bottom + 15}" text-anchor="middle">{t:.4g}</text>'
            )
    axis = (unit or "value") + (" (log scale)" if log else "")
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle">'
        f"{escape(axis)}</text>"
    )
    for i, row in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        parts.append(
            f'<text x="{left - 8}" y="{_n(cy + 4)}" text-anchor="end">'
            f"{escape(_short(row.label, 30))}<title>{escape(row.label)}</title></text>"
        )
        for k, (coverage, b_lo, b_hi) in enumerate(row.bands):
            half = 13 - 4 * min(k, 2)
            opacity = 0.25 + 0.25 * min(k, 2)
            x0, x1 = x(b_lo), x(b_hi)
            parts.append(
                f'<rect class="band" x="{_n(x0)}" y="{_n(cy - half)}" '
                f'width="{_n(max(x1 - x0, 1))}" '
                f'height="{2 * half}" fill="#1f77b4" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(row.label)}: {coverage:.0%} interval {b_lo:.4g} to "
                f"{b_hi:.4g}</title></rect>"
            )
        if row.median is not None:
            xm = _n(x(row.median))
            parts.append(
                f'<line x1="{xm}" y1="{_n(cy - 14)}" x2="{xm}" y2="{_n(cy + 14)}" '
                f'stroke="#0b3d6b" stroke-width="2.5"><title>median {row.median:.4g}</title></line>'
            )
    if resolved is not None:
        xr = _n(x(resolved))
        parts.append(
            f'<line class="outcome" x1="{xr}" y1="{top}" x2="{xr}" y2="{bottom}" stroke="#2a7" '
            f'stroke-width="2"/><text x="{xr}" y="{top + 10}" dx="4" fill="#2a7">'
            f"outcome {resolved:.4g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def options_svg(
    options: Sequence[str],
    bars: Sequence[tuple[str, dict[str, float]]],
    *,
    outcome: str | None = None,
    svg_id: str = "option-bars",
) -> str:
    """Multiple choice: per option, one bar per forecaster's latest probabilities."""
    n = max(len(bars), 1)
    bar_h, gap = 14, 16
    group_h = bar_h * n + gap
    width, left, right, top = 880, 190, 200, 10
    height = top + group_h * len(options) + 30
    plot_w = width - left - right
    bottom = top + group_h * len(options)
    parts = [
        _svg(svg_id, width, height, "Option probabilities"),
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{bottom - top}" fill="#fff" '
        'stroke="#999"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        xt = _n(left + tick * plot_w)
        parts.append(
            f'<line x1="{xt}" y1="{top}" x2="{xt}" y2="{bottom}" stroke="#eee"/>'
            f'<text x="{xt}" y="{bottom + 15}" text-anchor="middle">{tick:.0%}</text>'
        )
    for i, option in enumerate(options):
        gy = top + group_h * i + gap / 2
        won = option == outcome
        label = escape(_short(option, 24)) + (" ✓" if won else "")
        weight = ' font-weight="bold" fill="#2a7"' if won else ""
        parts.append(
            f'<text x="{left - 8}" y="{_n(gy + bar_h * n / 2 + 4)}" text-anchor="end"{weight}>'
            f"{label}<title>{escape(option)}</title></text>"
        )
        for k, (name, probabilities) in enumerate(bars):
            p = probabilities.get(option, 0.0)
            parts.append(
                f'<rect class="bar" x="{left}" y="{_n(gy + bar_h * k)}" '
                f'width="{_n(p * plot_w)}" height="{bar_h - 2}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(name)}: {escape(option)} '
                f"{p:.0%}</title></rect>"
            )
    for k, (name, _) in enumerate(bars):
        ly = top + 12 + 18 * k
        parts.append(
            f'<rect x="{width - right + 12}" y="{ly - 9}" width="12" height="10" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{width - right + 30}" y="{ly}">'
            f"{escape(_short(name, 22))}<title>{escape(name)}</title></text>"
        )
    parts.append("</svg>")
    return "".join(parts)
