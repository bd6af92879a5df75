"""A forecaster's track record: every figure computed by :mod:`scoring` on the standing forecasts.

The conventions (standing forecast at close, time weighting, coverage) are those of
:mod:`forecasts.records.pairs`; the result states them in ``conventions``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

import scoring
from forecasts.domain import QuestionKind

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

__all__ = ["DEFAULT_MIN_N", "track_record"]

DEFAULT_MIN_N = 20
"""Below this many resolved questions a record carries a warning."""

T = TypeVar("T")


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
    data: RecordData, pairs: BinaryPairs, n_resamples: int, seed: int
) -> dict[str, object]:
    o, p = pairs.outcome.astype(np.int64), pairs.p
    if o.size == 0:
        return {}
    brier = scoring.brier_score(o, p)
    log = scoring.log_score(o, p)
    boot = _maybe(
        lambda: scoring.paired_bootstrap(brier, np.zeros_like(brier), n_resamples=n_resamples,
                                         seed=seed)
    )  # fmt: skip
    murphy = _maybe(lambda: scoring.murphy_decomposition(o, p, bins=10))
    corp = _maybe(lambda: scoring.corp_decomposition(o, p, score="brier"))
    diagram = _maybe(lambda: scoring.reliability_diagram(o, p, level=0.9, seed=seed))
    bins = scoring.calibration_table(o, p, bins=10)
    return {
        "brier": float(brier.mean()),
        "brier_interval": None
        if boot is None
        else Interval(low=boot.low, high=boot.high, level=boot.level),
        "brier_time_weighted": float(time_weighted_brier(data, pairs).mean()),
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


def track_record(
    data: RecordData,
    handle: str,
    *,
    min_n: int = DEFAULT_MIN_N,
    n_resamples: int = 2000,
    seed: int = 0,
) -> TrackRecord:
    """The track record of ``handle`` over the questions in ``data``.

    ``n_resamples`` and ``seed`` drive the bootstrap interval of the mean Brier (and the
    reliability diagram's band), so the same data always gives the same record.
    """
    who = data.forecaster_index(handle)
    qs = data.questions
    pairs = binary_pairs(data, forecaster=who)
    figures = _binary_figures(data, pairs, n_resamples, seed)
    rows: list[QuestionScore] = []
    coverages = pairs.coverage.tolist()
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
    mc_brier: list[float] = []
    mc_log: list[float] = []
    crps: list[float] = []
    interval_scores: list[float] = []
    inside: list[float] = []
    for q, (other, count, first) in sorted(standing_others(data, who).items()):
        coverage = _coverage(data, q, first)
        coverages.append(coverage)
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
            mc_brier.append(b)
            mc_log.append(lg)
            text = ", ".join(f"{k}={v:g}" for k, v in other.probabilities.items())
            rows.append(QuestionScore(**common, forecast=text, brier=b, log_score=lg))
        elif qs.kinds[q] is QuestionKind.NUMERIC and other.distribution is not None:
            s = numeric_score(other.distribution, float(qs.outcome[q]))
            crps.append(s.crps)
            if s.interval_score is not None:
                interval_scores.append(s.interval_score)
                inside.append(1.0 if s.inside else 0.0)
            rows.append(
                QuestionScore(
                    **common,
                    forecast=describe_distribution(other.distribution),
                    crps=s.crps,
                    interval_score=s.interval_score,
                    in_interval=s.inside,
                )
            )
    n = len(rows)
    warning = None
    if n < min_n:
        warning = (
            f"only {n} resolved question{'s' if n != 1 else ''} (fewer than {min_n}): "
            "these figures say little about skill"
        )
    rows.sort(key=lambda r: (r.made_at, r.question_id))
    return TrackRecord(
        handle=handle,
        name=data.names[who],
        as_of=data.as_of,
        filters=data.filters,
        n=n,
        n_binary=len(pairs),
        n_multiple_choice=len(mc_brier),
        n_numeric=len(crps),
        questions_available=len(qs),
        backdated=int(np.count_nonzero(data.backdated[data.f == who]))
        + sum(1 for o in data.others if o.forecaster == who and o.backdated),
        coverage=_mean(coverages),
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
        brier_multiple_choice=_mean(mc_brier),
        log_score_multiple_choice=_mean(mc_log),
        crps=_mean(crps),
        interval_score=_mean(interval_scores),
        interval_coverage=_mean(inside),
        warning=warning,
        conventions=CONVENTIONS,
        questions=rows,
    )
