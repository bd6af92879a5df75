"""Turn store data into arrays: a few bulk queries, no model validation per forecast.

Only what a track record needs is read: resolved, non-annulled questions (outcome after
corrections, as of ``as_of``) that match the filter, and the forecasts on them made at or
before each question's effective close. Binary forecasts land in numpy arrays; the rare
multiple-choice and numeric forecasts are parsed one by one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from forecasts.db.record_rows import RecordRows, read_record_rows
from forecasts.db.store import Store
from forecasts.domain import CLOCK_SKEW, QuestionKind
from forecasts.domain.models import Distribution
from forecasts.errors import NotFoundError

from .filters import RecordFilter

__all__ = [
    "OtherForecast",
    "QuestionArrays",
    "RecordData",
    "load_record_data",
    "record_data_from_rows",
    "seconds",
    "to_datetime",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SKEW = CLOCK_SKEW.total_seconds()
_DISTRIBUTION: TypeAdapter[Any] = TypeAdapter(Distribution)


def seconds(value: datetime) -> float:
    """Seconds since the epoch; a naive value (SQLite returns them) is read as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH).total_seconds()


def to_datetime(value: float) -> datetime:
    """The inverse of :func:`seconds`."""
    return _EPOCH + timedelta(seconds=float(value))


@dataclass(frozen=True, eq=False)
class QuestionArrays:
    """The questions a record counts, one index each (aligned arrays).

    ``closes`` is the effective close: the earlier of ``closes_at`` and the resolution time,
    so a question resolved early (an event seen before its deadline) is not scored on
    forecasts made after its outcome was known. ``outcome`` holds 0/1 for binary questions,
    the option index for multiple choice and the value for numeric ones.
    """

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    kinds: tuple[QuestionKind, ...]
    options: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]
    opens: NDArray[np.float64]
    closes: NDArray[np.float64]
    outcome: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class OtherForecast:
    """A multiple-choice or numeric forecast (rare: parsed one by one)."""

    forecaster: int
    question: int
    t: float
    backdated: bool
    probabilities: dict[str, float] | None
    distribution: Any


@dataclass(frozen=True, eq=False)
class RecordData:
    """Everything a track record, a leaderboard or a comparison is computed from.

    Binary forecast rows are aligned arrays in the order they were made (then recorded):
    ``f`` forecaster index, ``q`` question index, ``t`` made_at in epoch seconds, ``p`` the
    probability of YES, ``backdated`` whether it was made (by its own account) before it was
    recorded, ``low``/``high`` the stated band of a verbal forecast (NaN otherwise).
    """

    as_of: datetime
    filters: RecordFilter
    forecasters: tuple[str, ...]
    names: tuple[str, ...]
    questions: QuestionArrays
    f: NDArray[np.intp]
    q: NDArray[np.intp]
    t: NDArray[np.float64]
    p: NDArray[np.float64]
    backdated: NDArray[np.bool_]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    others: tuple[OtherForecast, ...]

    def forecaster_index(self, handle: str) -> int:
        """The index of ``handle``; NotFoundError when there is no such forecaster."""
        try:
            return self.forecasters.index(handle)
        except ValueError:
            raise NotFoundError("forecaster", handle) from None


def _questions(
    rows: RecordRows, filters: RecordFilter, only: frozenset[str] | None
) -> QuestionArrays:
    outcomes = rows.outcomes
    ids: list[str] = []
    titles: list[str] = []
    kinds: list[QuestionKind] = []
    options: list[tuple[str, ...]] = []
    labels: list[str] = []
    opens: list[float] = []
    closes: list[float] = []
    values: list[float] = []
    for qid, title, kind_text, opts, opens_at, closes_at, tags in rows.questions:
        resolved = outcomes.get(qid)
        if resolved is None or resolved[0] == "annulled" or (only is not None and qid not in only):
            continue
        kind = QuestionKind(kind_text)
        if filters.kind is not None and kind is not filters.kind:
            continue
        if filters.tag is not None and filters.tag not in (tags or []):
            continue
        close = min(seconds(closes_at), seconds(resolved[2]))
        if filters.since is not None and close < seconds(filters.since):
            continue
        if filters.until is not None and close > seconds(filters.until):
            continue
        outcome, value, _ = resolved
        opts_t = tuple(opts or ())
        if kind is QuestionKind.BINARY:
            number = 1.0 if outcome == "yes" else 0.0
        elif kind is QuestionKind.MULTIPLE_CHOICE:
            number = float(opts_t.index(outcome))
        else:
            number = float(value) if value is not None else float("nan")
        ids.append(qid)
        titles.append(title)
        kinds.append(kind)
        options.append(opts_t)
        labels.append(outcome if value is None else f"{value:g}")
        opens.append(seconds(opens_at))
        closes.append(close)
        values.append(number)
    return QuestionArrays(
        ids=tuple(ids),
        titles=tuple(titles),
        kinds=tuple(kinds),
        options=tuple(options),
        labels=tuple(labels),
        opens=np.asarray(opens, dtype=np.float64),
        closes=np.asarray(closes, dtype=np.float64),
        outcome=np.asarray(values, dtype=np.float64),
    )


def _codes(values: Sequence[str], index: dict[str, int]) -> NDArray[np.intp]:
    return np.fromiter((index.get(v, -1) for v in values), dtype=np.intp, count=len(values))


def _band(text: str | None) -> tuple[float, float]:
    if text is None or text == "null":
        return (np.nan, np.nan)
    band = json.loads(text)
    return (float(band["low"]), float(band["high"]))


def load_record_data(
    store: Store,
    *,
    as_of: datetime,
    filters: RecordFilter | None = None,
    forecaster: str | None = None,
    only_questions: frozenset[str] | None = None,
) -> RecordData:
    """Read what track records need from ``store`` (optionally one forecaster's forecasts).

    Forecasts made after a question's effective close, or (with ``min_horizon_days``) less
    than that long before it, are left out.
    """
    rows = read_record_rows(store, as_of=as_of, forecaster=forecaster)
    if forecaster is not None and forecaster not in {h for h, _ in rows.people}:
        raise NotFoundError("forecaster", forecaster)
    return record_data_from_rows(rows, as_of=as_of, filters=filters, only_questions=only_questions)


def record_data_from_rows(
    rows: RecordRows,
    *,
    as_of: datetime,
    filters: RecordFilter | None = None,
    only_questions: frozenset[str] | None = None,
) -> RecordData:
    """:class:`RecordData` from rows already read (the whole store, or one question's);
    ``only_questions`` narrows it to those ids (the platform filter)."""
    filters = filters or RecordFilter()
    horizon = (filters.min_horizon_days or 0.0) * 86400.0
    people = rows.people
    questions = _questions(rows, filters, only_questions)
    binary_rows, other_rows = rows.binary, rows.others
    handles = tuple(h for h, _ in people)
    who = {h: i for i, h in enumerate(handles)}
    which = {qid: i for i, qid in enumerate(questions.ids)}

    if binary_rows:
        qids, fids, made, probs, verbal, recorded = zip(*binary_rows, strict=True)
    else:
        qids, fids, made, probs, verbal, recorded = (), (), (), (), (), ()
    q = _codes(qids, which)
    f = _codes(fids, who)
    t = np.fromiter((seconds(m) for m in made), dtype=np.float64, count=len(made))
    r = np.fromiter((seconds(m) for m in recorded), dtype=np.float64, count=len(recorded))
    backdated = t < r - _SKEW
    keep = (q >= 0) & (f >= 0)
    keep[keep] &= t[keep] <= questions.closes[q[keep]] - horizon
    if filters.exclude_backdated:
        keep &= ~backdated
    idx = np.flatnonzero(keep)
    bands = [_band(verbal[i]) for i in idx]
    band = np.asarray(bands, dtype=np.float64).reshape(len(idx), 2)

    others: list[OtherForecast] = []
    for qid, fid, made_at, probabilities, distribution, recorded_at in other_rows:
        qi, fi, ti = which.get(qid, -1), who.get(fid, -1), seconds(made_at)
        if qi < 0 or fi < 0 or ti > questions.closes[qi] - horizon:
            continue
        late = ti < seconds(recorded_at) - _SKEW
        if late and filters.exclude_backdated:
            continue
        others.append(
            OtherForecast(
                forecaster=fi,
                question=qi,
                t=ti,
                backdated=late,
                probabilities=_load(probabilities),
                distribution=(
                    None
                    if _load(distribution) is None
                    else _DISTRIBUTION.validate_python(_load(distribution))
                ),
            )
        )
    return RecordData(
        as_of=as_of,
        filters=filters,
        forecasters=handles,
        names=tuple(n for _, n in people),
        questions=questions,
        f=f[idx],
        q=q[idx],
        t=t[idx],
        p=np.asarray(probs, dtype=np.float64).reshape(-1)[idx],
        backdated=backdated[idx],
        low=band[:, 0].copy(),
        high=band[:, 1].copy(),
        others=tuple(others),
    )


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)
