"""Track records and leaderboards assembled from kept score rows (no recomputation of the
per-question scores; the figures over them are computed as in :mod:`.track` and
:mod:`.board`, with the resampled ones through a ``memo``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forecasts.errors import NotFoundError

from .board import rank
from .filters import RecordFilter
from .loader import seconds
from .models import Leaderboard, QuestionScore, TrackRecord
from .pairs import BinaryPairs
from .track import DEFAULT_MIN_N, Band, Bootstrap, Memo, RecordParts, assemble_record

__all__ = [
    "KEPT_COLUMNS",
    "RowParts",
    "board_from_kept",
    "question_score",
    "record_from_kept",
    "row_parts",
]

KEPT_COLUMNS = (
    "question_id", "title", "label", "outcome", "forecaster", "kind", "forecast",
    "made_at", "n_forecasts", "n_backdated", "coverage", "p", "low", "high",
    "brier", "brier_time_weighted", "log_score", "brier_relative", "peer_score", "crps",
    "interval_score", "in_interval",
)  # fmt: skip
"""The order of the columns of each kept row handed in (``forecasts.db.scores.READ_COLUMNS``)."""

_AT = {name: i for i, name in enumerate(KEPT_COLUMNS)}


def _floats(column: Sequence[Any]) -> NDArray[np.float64]:
    return np.asarray([np.nan if v is None else v for v in column], dtype=np.float64)


def _times(column: Sequence[Any]) -> NDArray[np.float64]:
    return np.fromiter((seconds(v) for v in column), dtype=np.float64, count=len(column))


def _columns(rows: Sequence[tuple[Any, ...]]) -> dict[str, Sequence[Any]]:
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in KEPT_COLUMNS]
    return dict(zip(KEPT_COLUMNS, cols, strict=True))


def _pairs(rows: Sequence[tuple[Any, ...]], f: NDArray[np.intp]) -> BinaryPairs:
    c = _columns(rows)
    n = len(rows)
    made_at = _times(c["made_at"])
    return BinaryPairs(
        f=f,
        q=np.arange(n, dtype=np.intp),
        p=_floats(c["p"]),
        low=_floats(c["low"]),
        high=_floats(c["high"]),
        outcome=np.asarray([1.0 if o == "yes" else 0.0 for o in c["outcome"]], dtype=np.float64),
        made_at=made_at,
        first_at=made_at,  # not read back: no figure over kept rows uses it
        n_forecasts=np.asarray(c["n_forecasts"], dtype=np.intp),
        coverage=_floats(c["coverage"]),
        brier=_floats(c["brier"]),
        log_score=_floats(c["log_score"]),
        brier_time_weighted=_floats(c["brier_time_weighted"]),
    )


_NUMBERS = ("p", "low", "high", "outcome", "made_at", "n_forecasts", "coverage", "brier",
            "log_score", "brier_time_weighted")  # fmt: skip


def _numbers(row: tuple[Any, ...]) -> tuple[float, ...]:
    """A binary row's figures in :data:`_NUMBERS` order (as :func:`_pairs` reads them)."""
    at = _AT
    return (
        _num(row[at["p"]]),
        _num(row[at["low"]]),
        _num(row[at["high"]]),
        1.0 if row[at["outcome"]] == "yes" else 0.0,
        seconds(row[at["made_at"]]),
        float(row[at["n_forecasts"]]),
        _num(row[at["coverage"]]),
        _num(row[at["brier"]]),
        _num(row[at["log_score"]]),
        _num(row[at["brier_time_weighted"]]),
    )


def _pairs_of(numbers: Sequence[tuple[float, ...]]) -> BinaryPairs:
    """:func:`_pairs` (of one forecaster) from each row's :func:`_numbers`."""
    n = len(numbers)
    table = np.array(numbers, dtype=np.float64).reshape(n, len(_NUMBERS)).T.copy()
    col = dict(zip(_NUMBERS, table, strict=True))
    return BinaryPairs(
        f=np.zeros(n, dtype=np.intp),
        q=np.arange(n, dtype=np.intp),
        p=col["p"],
        low=col["low"],
        high=col["high"],
        outcome=col["outcome"],
        made_at=col["made_at"],
        first_at=col["made_at"],
        n_forecasts=col["n_forecasts"].astype(np.intp),
        coverage=col["coverage"],
        brier=col["brier"],
        log_score=col["log_score"],
        brier_time_weighted=col["brier_time_weighted"],
    )


RowParts = tuple[QuestionScore, tuple[float, ...] | None]
"""A kept row's line of the record and, for a binary question, its figures."""


def row_parts(row: tuple[Any, ...]) -> RowParts:
    """What a record takes from one kept row (a caller may keep them per row)."""
    return question_score(row), _numbers(row) if row[_AT["kind"]] == "binary" else None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _figure(value: Any) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def question_score(row: tuple[Any, ...]) -> QuestionScore:
    """A kept row as the record's line for its question."""
    # Built without validation (hundreds per record): the kept row holds validated values,
    # and the one conversion validation would do (non-finite -> None) is done here.
    low, high = row[_AT["low"]], row[_AT["high"]]
    return QuestionScore.model_construct(
        question_id=row[_AT["question_id"]],
        title=row[_AT["title"]],
        kind=row[_AT["kind"]],
        outcome=row[_AT["label"]],
        forecast=row[_AT["forecast"]],
        made_at=_aware(row[_AT["made_at"]]),
        n_forecasts=int(row[_AT["n_forecasts"]]),
        coverage=_figure(row[_AT["coverage"]]),
        brier=_figure(row[_AT["brier"]]),
        brier_time_weighted=_figure(row[_AT["brier_time_weighted"]]),
        log_score=_figure(row[_AT["log_score"]]),
        crps=_figure(row[_AT["crps"]]),
        interval_score=_figure(row[_AT["interval_score"]]),
        in_interval=None if row[_AT["in_interval"]] is None else bool(row[_AT["in_interval"]]),
        band=None if low is None or high is None else (float(low), float(high)),
    )


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def record_from_kept(
    rows: Sequence[tuple[Any, ...]],
    *,
    handle: str,
    people: Sequence[tuple[str, str]],
    questions_available: int,
    as_of: datetime,
    filters: RecordFilter,
    min_n: int = DEFAULT_MIN_N,
    memo: Memo | None = None,
    bootstrap: Bootstrap | None = None,
    band: Band | None = None,
    parts_of: Callable[[tuple[Any, ...]], RowParts] = row_parts,
) -> TrackRecord:
    """``handle``'s track record from their kept rows (ordered by question id).

    ``parts_of`` builds a row's :func:`row_parts` (a caller may keep them per row: a
    resolution then builds one new, not hundreds)."""
    names = dict(people)
    if handle not in names:
        raise NotFoundError("forecaster", handle)
    kind = _AT["kind"]
    made = [parts_of(r) for r in rows]
    binary = [r for r in rows if r[kind] == "binary"]
    pairs = _pairs_of([numbers for _, numbers in made if numbers is not None])
    parts = RecordParts(
        pairs=pairs,
        keys=[r[_AT["question_id"]] for r in binary],
        time_weighted=float(pairs.brier_time_weighted.mean()) if len(pairs) else None,
        rows=[line for line, _ in made],
        coverages=[r[_AT["coverage"]] for r in rows],
        backdated=sum(r[_AT["n_backdated"]] for r in rows),
        questions_available=questions_available,
    )
    for r in rows:
        if r[kind] == "multiple_choice":
            parts.mc_brier.append(_num(r[_AT["brier"]]))
            parts.mc_log.append(_num(r[_AT["log_score"]]))
        elif r[kind] == "numeric":
            parts.crps.append(_num(r[_AT["crps"]]))
            if r[_AT["interval_score"]] is not None:
                parts.interval_scores.append(float(r[_AT["interval_score"]]))
                parts.inside.append(1.0 if r[_AT["in_interval"]] else 0.0)
    extra: dict[str, Any] = {} if memo is None else {"memo": memo}
    if bootstrap is not None:
        extra["bootstrap"] = bootstrap
    if band is not None:
        extra["band"] = band
    return assemble_record(
        parts,
        handle=handle,
        name=names[handle],
        as_of=as_of,
        filters=filters,
        min_n=min_n,
        **extra,
    )


def board_from_kept(
    rows: Sequence[tuple[Any, ...]],
    *,
    people: Sequence[tuple[str, str]],
    as_of: datetime,
    filters: RecordFilter,
    metric: str = "brier",
    min_n: int = 1,
    common: bool = False,
    intervals: bool = True,
    memo: Memo | None = None,
) -> Leaderboard:
    """The leaderboard from every forecaster's kept rows (ordered by forecaster, question)."""
    kind = _AT["kind"]
    binary = [r for r in rows if r[kind] == "binary"]
    who = {h: i for i, (h, _) in enumerate(people)}
    f = np.fromiter((who[r[_AT["forecaster"]]] for r in binary), dtype=np.intp, count=len(binary))
    qids: dict[str, int] = {}
    q = np.fromiter(
        (qids.setdefault(r[_AT["question_id"]], len(qids)) for r in binary),
        dtype=np.intp,
        count=len(binary),
    )
    pairs = _pairs(binary, f)
    pairs = BinaryPairs(**{**pairs.__dict__, "q": q})
    if metric in ("brier", "brier_time_weighted", "log_score"):
        values = getattr(pairs, metric)
    elif metric in ("brier_relative", "peer_score"):
        values = _floats([r[_AT[metric]] for r in binary])
    else:
        values = np.full(len(binary), np.nan)  # rank() refuses the metric by name
    extra: dict[str, Any] = {} if memo is None else {"memo": memo}
    return rank(
        pairs,
        values,
        forecasters=[h for h, _ in people],
        names=[n for _, n in people],
        n_questions=max(len(qids), 1),
        as_of=as_of,
        filters=filters,
        metric=metric,
        min_n=min_n,
        common=common,
        intervals=intervals,
        **extra,
    )
