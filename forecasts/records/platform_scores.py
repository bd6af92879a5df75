"""Other platforms' own scores of a forecaster, set beside ours over the same questions."""

from __future__ import annotations

import math

from .models import PlatformScore, QuestionScore

__all__ = ["PLATFORM_METRICS", "platform_scores"]

PLATFORM_METRICS: dict[str, tuple[str, float, str]] = {
    # platform: (metric, their scale / ours, why the numbers differ)
    "fatebook": (
        "brier",
        2.0,
        "Fatebook's Brier sums the squared error of both outcomes (0..2, twice ours) and "
        "averages it over every day from the question's creation to its resolution, counting "
        "days before your first forecast as perfect (0) and scoring forecasts made after the "
        "resolve-by date. Ours scores the last forecast standing at the close (0..1) and "
        "ignores later ones.",
    ),
}


def platform_scores(
    questions: list[QuestionScore], theirs: dict[str, dict[str, float]]
) -> list[PlatformScore]:
    """``theirs`` maps platform -> question id -> the platform's score of this forecaster."""
    if not theirs:
        return []
    ours = {q.question_id: q.brier for q in questions if q.brier is not None}
    found: list[PlatformScore] = []
    for platform, by_question in sorted(theirs.items()):
        metric = PLATFORM_METRICS.get(platform)
        shared = sorted(qid for qid in by_question if qid in ours)
        if metric is None or not shared:
            continue
        name, scale, why = metric
        mean_theirs = math.fsum(by_question[qid] for qid in shared) / len(shared)
        mean_ours = math.fsum(float(ours[qid] or 0.0) for qid in shared) / len(shared)
        found.append(
            PlatformScore(
                platform=platform,
                metric=name,
                n=len(shared),
                theirs=mean_theirs,
                theirs_on_our_scale=mean_theirs / scale,
                ours=mean_ours,
                why_they_differ=why,
            )
        )
    return found
