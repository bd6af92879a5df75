"""Scores averaged over a question's life: the time-weighted score of one forecaster and
the Metaculus time-averaged peer score of several."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ._aggregate import baseline_score, peer_score
from ._deprecation import reorder, time_weighted_args
from ._rules import brier_score, log_score, prepare, spherical_score
from ._validation import ScoringInputError, as_float, fail

__all__ = ["time_averaged_peer_score", "time_weighted_score"]

TimeLike = float | int | np.datetime64 | dt.datetime
Granularity = Literal["continuous", "day"]
_RULES = {
    "brier": brier_score,
    "log": log_score,
    "spherical": spherical_score,
    "baseline": baseline_score,
}
_DAY = 86400.0


def _seconds(value: Any, argument: str, rule: str) -> float:
    """A time as seconds: floats as they are, datetime64 and aware datetimes since the epoch."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ScoringInputError(rule, argument, f"must be timezone-aware, got {value!r}")
        return value.timestamp()
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ScoringInputError(rule, argument, "must not be NaT")
        return float(value.astype("datetime64[ns]").astype(np.int64)) / 1e9
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if not math.isfinite(float(value)):
            raise ScoringInputError(rule, argument, f"must be finite, got {value!r}")
        return float(value)
    raise ScoringInputError(
        rule, argument, f"must be a number, numpy datetime64 or datetime, got {value!r}"
    )


def _times(times: Sequence[TimeLike] | npt.NDArray[Any], rule: str) -> tuple[NDArray[Any], bool]:
    """Times as float seconds (or plain numbers), and whether they were dates."""
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            raise fail(rule, "times", "must not be NaT", arr, np.isnat(arr))
        return arr.astype("datetime64[ns]").astype(np.int64) / 1e9, True
    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64)
        if not np.isfinite(out).all():
            raise fail(rule, "times", "must be finite", out, ~np.isfinite(out))
        return out, False
    values = [_seconds(t, f"times[{i}]", rule) for i, t in enumerate(arr.ravel())]
    dated = any(isinstance(t, dt.datetime | np.datetime64) for t in arr.ravel())
    return np.array(values, dtype=np.float64).reshape(arr.shape), dated


class _Clock:
    """Converts a question's times to one axis: seconds, plain numbers, or whole days."""

    def __init__(self, rule: str, granularity: str, dated: bool) -> None:
        if granularity not in ("continuous", "day"):
            raise ScoringInputError(
                rule, "granularity", f"must be 'continuous' or 'day', not {granularity!r}"
            )
        self.rule = rule
        self.days = granularity == "day"
        self.unit = _DAY if dated else 1.0

    def array(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.floor(t / self.unit) if self.days else t

    def scalar(self, value: Any, argument: str) -> float:
        t = _seconds(value, argument, self.rule)
        return math.floor(t / self.unit) if self.days else t


def _denominator(
    clock: _Clock, start: float, close: float, scheduled_close: TimeLike | None
) -> float:
    end = close
    if scheduled_close is not None:
        end = clock.scalar(scheduled_close, "scheduled_close")
        if end < close:
            raise ScoringInputError(clock.rule, "scheduled_close", "must not be before 'close'")
    if end - start <= 0:
        raise ScoringInputError(clock.rule, "close", "must be after the first forecast (or 'open')")
    return end - start


@reorder(time_weighted_args)
def time_weighted_score(
    outcome: npt.ArrayLike,
    times: Sequence[TimeLike] | npt.NDArray[Any],
    forecasts: npt.ArrayLike,
    *,
    close: TimeLike,
    open: TimeLike | None = None,  # noqa: A002 - the issue's name for the opening time
    prior: npt.ArrayLike | None = None,
    scheduled_close: TimeLike | None = None,
    granularity: Granularity = "continuous",
    rule: Literal["brier", "log", "spherical", "baseline"] = "brier",
) -> float:
    r"""Time average of a question's standing forecast score over its life.

    Forecast :math:`i`, made at :math:`t_i`, stands until the next forecast (or
    ``close``), so with :math:`t_{n+1} = ` ``close`` and :math:`T` the end of
    the averaging window (``scheduled_close`` if given, else ``close``):

    .. math::
        \bar S = \frac{\sum_i S(f_i, y)\,(t_{i+1} - t_i)}{T - t_1}.

    The time before the first forecast is not scored, unless ``open`` and
    ``prior`` are both given: then ``prior`` stands from ``open`` to
    :math:`t_1` and the average starts at ``open``. Forecasts made at the same
    time: the last one listed stands. Annulled questions are not scored: do not
    call this for them.

    Parameters
    ----------
    outcome : int
        0/1, or the index of the category that happened.
    times : sequence
        Forecast times, non-decreasing: numbers (any unit; days for
        ``granularity="day"``), numpy ``datetime64`` or timezone-aware
        ``datetime`` (converted to seconds).
    forecasts : array_like
        One binary probability per time, or one row of category probabilities
        per time.
    close : time
        When the question actually closed (or resolved); not before the last
        forecast.
    open : time, optional
        Question opening time (with ``prior``); not after the first forecast.
    prior : float or array_like, optional
        Forecast standing from ``open`` to the first forecast (e.g. 0.5).
    scheduled_close : time, optional
        The close the question was scheduled for. When it closed early, the
        time from ``close`` to ``scheduled_close`` scores 0 and still counts in
        the average (Metaculus' "score truncation"), which keeps time-averaged
        scores proper for questions that can resolve early.
    granularity : {"continuous", "day"}
        ``"day"`` scores whole days as Good Judgment Open does: every time is
        floored to its (UTC) day, so the forecast standing at the end of a day
        scores that whole day, and only full days before ``close`` count.
    rule : {"brier", "log", "spherical", "baseline"}
        Per-instant score: the Brier, log and spherical scores of
        :mod:`scoring` or the Metaculus :func:`baseline_score` (spherical and
        baseline are positively oriented; the others are losses).

    Returns
    -------
    float

    References
    ----------
    Metaculus scores FAQ, "Do all my predictions on a question count toward my
    score?" and "Why did I get a small score when I was right?"
    (https://www.metaculus.com/help/scores-faq/). Good Judgment Open scores the
    forecast standing at the end of each day the question is open.

    Examples
    --------
    >>> time_weighted_score(1, [0, 3, 8], [0.6, 0.8, 0.9], close=10)
    0.07
    >>> time_weighted_score(1, [0, 3, 8], [0.6, 0.8, 0.9], close=10, open=-2, prior=0.5)
    0.1

    Metaculus' 5-day example (baseline scores 0, -32, +49, +49, +68; average +27):

    >>> s = time_weighted_score(
    ...     1, [1, 2, 4], [0.4, 0.7, 0.8], close=5, open=0, prior=0.5, rule="baseline")
    >>> round(s, 1)
    26.5

    Changed in 0.2: ``outcome`` comes first (it was third); the 0.1 order
    still works, with a DeprecationWarning, until 0.3.
    """
    name = "time_weighted_score"
    if rule not in _RULES:
        raise ScoringInputError(name, "rule", f"must be one of {sorted(_RULES)}, not {rule!r}")
    if (open is None) != (prior is None):
        raise ScoringInputError(name, "prior", "must be given together with 'open'")
    raw, dated = _times(times, name)
    clock = _Clock(name, granularity, dated)
    t = clock.array(raw)
    f = as_float(forecasts, "forecasts", name)
    if t.ndim != 1 or t.size == 0 or f.ndim == 0 or f.shape[0] != t.size:
        raise ScoringInputError(
            name, "forecasts", f"has shape {f.shape}, expected one per time ({t.size})"
        )
    if t.size > 1 and np.any(np.diff(raw) < 0):
        raise fail(name, "times", "must be non-decreasing", raw[1:], np.diff(raw) < 0)
    t_close = clock.scalar(close, "close")
    if t_close < t[-1]:
        raise ScoringInputError(name, "close", "must not be before the last forecast")
    if open is not None and prior is not None:
        t_open = clock.scalar(open, "open")
        if t_open > t[0]:
            raise ScoringInputError(name, "open", "must not be after the first forecast")
        p0 = as_float(prior, "prior", name)
        if p0.shape != f.shape[1:]:
            raise ScoringInputError(name, "prior", f"has shape {p0.shape}, expected {f.shape[1:]}")
        t = np.concatenate(([t_open], t))
        f = np.concatenate((p0[np.newaxis], f))
    durations = np.diff(np.append(t, t_close))
    total = _denominator(clock, float(t[0]), t_close, scheduled_close)
    y = np.full(t.size, outcome) if np.ndim(outcome) == 0 else outcome
    yv, fv, _, _ = prepare(y, f, name, "raise")
    scores = _RULES[rule](yv, fv)
    return float(scores @ durations / total)


def time_averaged_peer_score(
    outcome: npt.ArrayLike,
    times: Sequence[TimeLike] | npt.NDArray[Any],
    forecasters: Sequence[Hashable] | npt.NDArray[Any],
    forecasts: npt.ArrayLike,
    *,
    close: TimeLike,
    open: TimeLike | None = None,  # noqa: A002 - as in time_weighted_score
    scheduled_close: TimeLike | None = None,
    granularity: Granularity = "continuous",
) -> dict[Any, float]:
    r"""Metaculus time-averaged peer score of every forecaster on one question.

    The forecasts are events ``(times[e], forecasters[e], forecasts[e])``; each
    stands until the same forecaster's next one. Between consecutive event
    times the set of standing forecasts is fixed, and on each such interval
    every forecaster with a standing forecast gets the instantaneous
    :func:`peer_score` among those standing (a forecaster alone scores 0, and
    one with no standing forecast scores 0, as Metaculus counts time before a
    first forecast). The question score is the time average

    .. math::
        \bar S_i = \frac{1}{T - t_0} \sum_j S_{P,i}(\text{interval } j)\,
        (t_{j+1} - t_j),

    from ``open`` (:math:`t_0`; default: the first forecast) to ``close``,
    divided by the scheduled duration :math:`T - t_0` when
    ``scheduled_close`` is given (the rest of the scheduled time scores 0).
    Forecasts made before ``open`` stand from ``open``; forecasts at or after
    ``close`` are ignored. On a question the scores sum to 0.

    Parameters
    ----------
    outcome : int
        0/1, or the index of the category that happened.
    times : sequence
        Event times, in any order: numbers, numpy ``datetime64`` or aware
        ``datetime``.
    forecasters : sequence
        Who made each forecast (any hashable, sortable labels).
    forecasts : array_like
        One binary probability per event, or one row of category
        probabilities per event.
    close, open, scheduled_close, granularity
        As for :func:`time_weighted_score`.

    Returns
    -------
    dict
        Forecaster label -> time-averaged peer score (higher is better).

    References
    ----------
    Metaculus scores FAQ, "What is the Peer score?" and "Do all my
    predictions on a question count toward my score?"
    (https://www.metaculus.com/help/scores-faq/).

    Examples
    --------
    Alice says 80 % from day 0, Bob 50 % from day 5, the question closes on
    day 10 and resolves Yes: Alice scores 0 while alone, then
    :math:`100 \ln(0.8/0.5) = 47.0` for half of the time.

    >>> s = time_averaged_peer_score(1, [0, 5], ["alice", "bob"], [0.8, 0.5], close=10)
    >>> {k: round(v, 2) for k, v in s.items()}
    {'alice': 23.5, 'bob': -23.5}
    """
    name = "time_averaged_peer_score"
    raw, dated = _times(times, name)
    clock = _Clock(name, granularity, dated)
    t = clock.array(raw)
    ids = np.asarray(forecasters)
    f = as_float(forecasts, "forecasts", name)
    if t.ndim != 1 or t.size == 0:
        raise ScoringInputError(name, "times", f"must be a non-empty 1-d sequence, got {t.shape}")
    for argument, arr in (("forecasters", ids), ("forecasts", f)):
        if arr.ndim == 0 or arr.shape[0] != t.size:
            raise ScoringInputError(
                name, argument, f"has shape {arr.shape}, expected one per time ({t.size})"
            )
    if ids.ndim != 1:
        raise ScoringInputError(name, "forecasters", "must be 1-d (one label per forecast)")
    prepare(np.full(t.size, outcome) if np.ndim(outcome) == 0 else outcome, f, name, "raise")
    t_close = clock.scalar(close, "close")
    t_open = clock.scalar(open, "open") if open is not None else float(t.min())
    if t_open > t_close:
        raise ScoringInputError(name, "open", "must not be after 'close'")
    total = _denominator(clock, t_open, t_close, scheduled_close)
    labels, who = np.unique(ids, return_inverse=True)
    keep = t < t_close
    t, who, f = np.maximum(t[keep], t_open), who[keep], f[keep]
    order = np.argsort(t, kind="stable")  # the last listed of equal times stands
    t, who, f = t[order], who[order], f[order]
    starts = np.unique(t)
    standing = np.full((starts.size, labels.size) + f.shape[1:], np.nan)
    made = np.zeros((starts.size, labels.size), dtype=bool)
    row = np.searchsorted(starts, t)
    standing[row, who] = f  # fancy assignment: the last of duplicate pairs wins
    made[row, who] = True
    # carry each forecaster's latest forecast forward to the following intervals
    latest = np.maximum.accumulate(np.where(made, np.arange(starts.size)[:, np.newaxis], -1), 0)
    standing = standing[np.maximum(latest, 0), np.arange(labels.size)]
    standing[latest < 0] = np.nan
    durations = np.diff(np.append(starts, t_close))
    scores = peer_score(np.full(starts.size, outcome), standing, nan_policy="omit")
    totals = np.where(np.isnan(scores), 0.0, scores).T @ durations / total
    return {label.item() if hasattr(label, "item") else label: float(v) for label, v in
            zip(labels, totals, strict=True)}  # fmt: skip
