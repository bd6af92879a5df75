"""A forecaster's track record: every figure computed by :mod:`scoring` on the standing forecasts.

The conventions (standing forecast at close, time weighting, coverage) are those of
:mod:`forecasts.records.pairs`; the result states them in ``conventions``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

import scoring
from forecasts.domain import QuestionKind

from .filters import RecordFilter
from .loader import RecordData, to_datetime
from .models import (
    CONVENTIONS,
    CalibrationBinOut,
    CorpOut,
    Interval,
    MurphyOut,
    QuestionScore,
    ReliabilityOut,
    TrackRecord,
    VerbalRange,
)
from .others import describe_distribution, multiple_choice_scores, numeric_score, standing_others
from .pairs import BinaryPairs, binary_pairs

__all__ = [
    "DEFAULT_MIN_N",
    "Band",
    "Bootstrap",
    "Memo",
    "RecordParts",
    "assemble_record",
    "track_record",
]

DEFAULT_MIN_N = 20
"""Below this many resolved questions a record carries a warning."""

T = TypeVar("T")

Memo = Callable[[tuple[Any, ...], Callable[[], Any]], Any]
"""``memo(key, compute)``: the resampled figures (bootstrap, reliability band) go through it,
keyed by everything they depend on (the scores' bytes included), so a cache can keep them."""


Bootstrap = Callable[[Sequence[str], NDArray[np.float64], int, int], scoring.BootstrapInterval]
"""``bootstrap(question_ids, scores, n_resamples, seed)``: the interval of the mean score
by each question's own Poisson weights (``scoring.weighted_bootstrap`` with
``scoring.keyed_poisson_weights``); a caller may keep each resample's sums and update them
by the questions that changed (``scoring.resample_sums``)."""


Band = Callable[[Sequence[str], NDArray[np.float64], int, int, float], scoring.ConsistencyBand]
"""``band(question_ids, forecasts, n_resamples, seed, level)``: the reliability diagram's
keyed consistency band (``scoring.band_from_counts`` of ``scoring.band_counts`` with
``scoring.keyed_uniforms``); a caller may keep each record's band and refit it from the
questions that changed (``previous=``)."""

_BAND_RESAMPLES = 100
_BAND_LEVEL = 0.9


def _direct(_key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return compute()


def _bootstrapped(
    keys: Sequence[str], scores: NDArray[np.float64], n_resamples: int, seed: int
) -> scoring.BootstrapInterval:
    weights = scoring.keyed_poisson_weights(keys, n_resamples=n_resamples, seed=seed)
    return scoring.weighted_bootstrap(scores, weights)


def _band_drawn(
    keys: Sequence[str], p: NDArray[np.float64], n_resamples: int, seed: int, level: float
) -> scoring.ConsistencyBand:
    uniforms = scoring.keyed_uniforms(keys, n_resamples=n_resamples, seed=seed)
    return scoring.band_from_counts(*scoring.band_counts(p, uniforms), level=level)


def _maybe(compute: Callable[[], T]) -> T | None:
    """The figure, or None when scoring refuses the data (too few items, one outcome only)."""
    try:
        return compute()
    except ValueError:
        return None


def _mean(values: NDArray[np.float64] | list[float]) -> float | None:
    arr = np.asarray(values, dtype=np.float64)
    return float(arr.mean()) if arr.size else None


def time_weighted_brier(data: RecordData, pairs: BinaryPairs) -> NDArray[np.float64]:
    """``scoring.time_weighted_score`` of each pair, one question at a time."""
    rows: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in np.flatnonzero(np.isin(data.f, np.unique(pairs.f))):
        rows[(int(data.f[i]), int(data.q[i]))].append(int(i))
    out = np.empty(len(pairs))
    for k, (f, q) in enumerate(zip(pairs.f, pairs.q, strict=True)):
        idx = np.asarray(rows[(int(f), int(q))])
        opens, close = data.questions.opens[q], data.questions.closes[q]
        times = np.maximum(data.t[idx], opens)
        try:
            out[k] = scoring.time_weighted_score(
                int(pairs.outcome[k]), times, data.p[idx], close=float(close), rule="brier"
            )
        except scoring.ScoringInputError:
            out[k] = pairs.brier[k]  # zero-length window: the standing forecast's score
    return out


def _binary_figures(
    pairs: BinaryPairs,
    keys: Sequence[str],
    time_weighted: float,
    n_resamples: int,
    seed: int,
    memo: Memo,
    bootstrap: Bootstrap,
    band: Band,
) -> dict[str, object]:
    o, p = pairs.outcome.astype(np.int64), pairs.p
    if o.size == 0:
        return {}
    brier = scoring.brier_score(o, p)
    log = scoring.log_score(o, p)
    # Resampling weights belong to questions, not positions: a new resolution adds one
    # question's term to each resample instead of redrawing them all.
    boot = memo(
        ("brier_interval", brier.tobytes(), "\n".join(keys), n_resamples, seed),
        lambda: _maybe(lambda: bootstrap(keys, brier, n_resamples, seed)),
    )
    murphy = _maybe(lambda: scoring.murphy_decomposition(o, p, bins=10))
    corp = _maybe(lambda: scoring.corp_decomposition(o, p, score="brier"))
    # The band's draws are keyed by question too (scoring.keyed_uniforms).
    diagram = memo(
        ("reliability", o.tobytes(), p.tobytes(), "\n".join(keys), _BAND_RESAMPLES, seed),
        lambda: _maybe(lambda: scoring.reliability_diagram(
            o, p, level=_BAND_LEVEL, band=band(keys, p, _BAND_RESAMPLES, seed, _BAND_LEVEL))),
    )  # fmt: skip
    bins = scoring.calibration_table(o, p, bins=10)
    return {
        "brier": float(brier.mean()),
        "brier_interval": None
        if boot is None
        else Interval(low=boot.low, high=boot.high, level=boot.level),
        "brier_time_weighted": time_weighted,
        "log_score": float(log.mean()),
        "brier_skill_vs_half": _maybe(lambda: scoring.brier_skill_score(o, p, reference=0.5)),
        "brier_skill_vs_base_rate": _maybe(lambda: scoring.brier_skill_score(o, p)),
        "base_rate": float(o.mean()),
        "sharpness": float(np.abs(2 * p - 1).mean()),
        "murphy": None
        if murphy is None
        else MurphyOut(
            score=murphy.score,
            reliability=murphy.reliability,
            resolution=murphy.resolution,
            uncertainty=murphy.uncertainty,
            residual=murphy.residual,
            bins=murphy.bins,
        ),
        "corp": None
        if corp is None
        else CorpOut(score=corp.score, mcb=corp.mcb, dsc=corp.dsc, unc=corp.unc, rule=corp.rule),
        "calibration": [
            CalibrationBinOut(
                lower=b.lower,
                upper=b.upper,
                count=b.count,
                mean_forecast=b.mean_forecast,
                observed_frequency=b.observed_frequency,
                wilson_low=b.wilson_low,
                wilson_high=b.wilson_high,
            )
            for b in bins
        ],
        "reliability": None
        if diagram is None
        else ReliabilityOut(
            x=diagram.x.tolist(),
            cep=diagram.cep.tolist(),
            band_low=diagram.band_low.tolist(),
            band_high=diagram.band_high.tolist(),
            level=diagram.level,
        ),
        "verbal": _verbal_range(pairs, brier, log),
    }


def _verbal_range(
    pairs: BinaryPairs, brier: NDArray[np.float64], log: NDArray[np.float64]
) -> VerbalRange | None:
    verbal = ~np.isnan(pairs.low)
    if not verbal.any():
        return None
    o = pairs.outcome[verbal].astype(np.int64)
    ranges = {}
    for name, rule, base in (
        ("brier", scoring.brier_score, brier),
        ("log_score", scoring.log_score, log),
    ):
        at_low, at_high = rule(o, pairs.low[verbal]), rule(o, pairs.high[verbal])
        best, worst = base.copy(), base.copy()
        best[verbal] = np.minimum(at_low, at_high)
        worst[verbal] = np.maximum(at_low, at_high)
        ranges[name] = (float(best.mean()), float(worst.mean()))
    return VerbalRange(
        n_verbal=int(verbal.sum()),
        brier_low=ranges["brier"][0],
        brier_high=ranges["brier"][1],
        log_score_low=ranges["log_score"][0],
        log_score_high=ranges["log_score"][1],
    )


def _coverage(data: RecordData, q: int, first: float) -> float:
    opens, close = data.questions.opens[q], data.questions.closes[q]
    if close <= opens:
        return 1.0
    return float(np.clip((close - max(first, opens)) / (close - opens), 0.0, 1.0))


@dataclass
class RecordParts:
    """What a track record is assembled from: the binary standing forecasts as pairs, the
    rows of every scored question, and the other kinds' scores (from raw rows or kept ones)."""

    pairs: BinaryPairs
    keys: list[str]
    """The question id of each binary pair (their bootstrap weights are keyed by it)."""
    time_weighted: float | None
    rows: list[QuestionScore]
    coverages: list[float]
    backdated: int
    questions_available: int
    mc_brier: list[float] = field(default_factory=list)
    mc_log: list[float] = field(default_factory=list)
    crps: list[float] = field(default_factory=list)
    interval_scores: list[float] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)


def track_record(
    data: RecordData,
    handle: str,
    *,
    min_n: int = DEFAULT_MIN_N,
    n_resamples: int = 2000,
    seed: int = 0,
) -> TrackRecord:
    """The track record of ``handle`` over the questions in ``data``.

    ``n_resamples`` and ``seed`` drive the bootstrap interval of the mean Brier (``seed``
    also the reliability diagram's band, of 100 resamples), both keyed by question id, so
    the same data always gives the same record.
    """
    who = data.forecaster_index(handle)
    qs = data.questions
    pairs = binary_pairs(data, forecaster=who)
    parts = RecordParts(
        pairs=pairs,
        keys=[qs.ids[int(q)] for q in pairs.q],
        time_weighted=float(time_weighted_brier(data, pairs).mean()) if len(pairs) else None,
        rows=[],
        coverages=pairs.coverage.tolist(),
        backdated=int(np.count_nonzero(data.backdated[data.f == who]))
        + sum(1 for o in data.others if o.forecaster == who and o.backdated),
        questions_available=len(qs),
    )
    rows = parts.rows
    for k in range(len(pairs)):
        q = int(pairs.q[k])
        band = None if np.isnan(pairs.low[k]) else (float(pairs.low[k]), float(pairs.high[k]))
        said = f" (said: band {band[0]:g}-{band[1]:g})" if band else ""
        rows.append(
            QuestionScore(
                question_id=qs.ids[q],
                title=qs.titles[q],
                kind=qs.kinds[q].value,
                outcome=qs.labels[q],
                forecast=f"p={pairs.p[k]:g}{said}",
                made_at=to_datetime(pairs.made_at[k]),
                n_forecasts=int(pairs.n_forecasts[k]),
                coverage=float(pairs.coverage[k]),
                brier=float(pairs.brier[k]),
                brier_time_weighted=float(pairs.brier_time_weighted[k]),
                log_score=float(pairs.log_score[k]),
                band=band,
            )
        )
    for q, (other, count, first) in sorted(standing_others(data, who).items()):
        coverage = _coverage(data, q, first)
        parts.coverages.append(coverage)
        common = {
            "question_id": qs.ids[q],
            "title": qs.titles[q],
            "kind": qs.kinds[q].value,
            "outcome": qs.labels[q],
            "made_at": to_datetime(other.t),
            "n_forecasts": count,
            "coverage": coverage,
        }
        if qs.kinds[q] is QuestionKind.MULTIPLE_CHOICE and other.probabilities is not None:
            b, lg = multiple_choice_scores(qs.options[q], other.probabilities, int(qs.outcome[q]))
            parts.mc_brier.append(b)
            parts.mc_log.append(lg)
            text = ", ".join(f"{k}={v:g}" for k, v in other.probabilities.items())
            rows.append(QuestionScore(**common, forecast=text, brier=b, log_score=lg))
        elif qs.kinds[q] is QuestionKind.NUMERIC and other.distribution is not None:
            s = numeric_score(other.distribution, float(qs.outcome[q]))
            parts.crps.append(s.crps)
            if s.interval_score is not None:
                parts.interval_scores.append(s.interval_score)
                parts.inside.append(1.0 if s.inside else 0.0)
            rows.append(
                QuestionScore(
                    **common,
                    forecast=describe_distribution(other.distribution),
                    crps=s.crps,
                    interval_score=s.interval_score,
                    in_interval=s.inside,
                )
            )
    return assemble_record(
        parts,
        handle=handle,
        name=data.names[who],
        as_of=data.as_of,
        filters=data.filters,
        min_n=min_n,
        n_resamples=n_resamples,
        seed=seed,
    )


def assemble_record(
    parts: RecordParts,
    *,
    handle: str,
    name: str,
    as_of: datetime,
    filters: RecordFilter,
    min_n: int = DEFAULT_MIN_N,
    n_resamples: int = 2000,
    seed: int = 0,
    memo: Memo = _direct,
    bootstrap: Bootstrap = _bootstrapped,
    band: Band = _band_drawn,
) -> TrackRecord:
    """Every figure of a track record from its parts (``memo`` may cache resampled ones,
    ``bootstrap`` keep resample sums, ``band`` the reliability band)."""
    figures = _binary_figures(
        parts.pairs, parts.keys, parts.time_weighted or 0.0, n_resamples, seed, memo,
        bootstrap, band,
    )  # fmt: skip
    rows = parts.rows
    n = len(rows)
    warning = None
    if n < min_n:
        warning = (
            f"only {n} resolved question{'s' if n != 1 else ''} (fewer than {min_n}): "
            "these figures say little about skill"
        )
    rows.sort(key=attrgetter("made_at", "question_id"))
    return TrackRecord(
        handle=handle,
        name=name,
        as_of=as_of,
        filters=filters,
        n=n,
        n_binary=len(parts.pairs),
        n_multiple_choice=len(parts.mc_brier),
        n_numeric=len(parts.crps),
        questions_available=parts.questions_available,
        backdated=parts.backdated,
        coverage=_mean(parts.coverages),
        brier=figures.get("brier"),
        brier_interval=figures.get("brier_interval"),
        brier_time_weighted=figures.get("brier_time_weighted"),
        log_score=figures.get("log_score"),
        brier_skill_vs_half=figures.get("brier_skill_vs_half"),
        brier_skill_vs_base_rate=figures.get("brier_skill_vs_base_rate"),
        base_rate=figures.get("base_rate"),
        sharpness=figures.get("sharpness"),
        murphy=figures.get("murphy"),
        corp=figures.get("corp"),
        calibration=figures.get("calibration", []),
        reliability=figures.get("reliability"),
        verbal=figures.get("verbal"),
        brier_multiple_choice=_mean(parts.mc_brier),
        log_score_multiple_choice=_mean(parts.mc_log),
        crps=_mean(parts.crps),
        interval_score=_mean(parts.interval_scores),
        interval_coverage=_mean(parts.inside),
        warning=warning,
        conventions=CONVENTIONS,
        questions=rows,
    )
