"""Plain-text track records, leaderboards and comparisons for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forecasts.records import Comparison, Leaderboard, TrackRecord

__all__ = ["fmt", "format_comparison", "format_leaderboard", "format_record"]


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_record(record: TrackRecord) -> list[str]:
    """The human-readable track record."""
    lines = [
        f"{record.name} ({record.handle}): {record.n} resolved question(s) of "
        f"{record.questions_available} available; coverage {fmt(record.coverage, 2)}"
    ]
    if record.warning:
        lines.append(f"  warning: {record.warning}")
    if record.backdated:
        lines.append(
            f"  {record.backdated} scored forecast(s) were backdated (recorded after they were "
            "made); --exclude-backdated leaves them out"
        )
    if record.n_binary:
        interval = record.brier_interval
        ci = f" (95% CI {fmt(interval.low)}-{fmt(interval.high)})" if interval else ""
        lines += [
            f"  binary questions: {record.n_binary}",
            f"    Brier at close      {fmt(record.brier)}{ci}   (0..1, lower is better)",
            f"    Brier time-weighted {fmt(record.brier_time_weighted)}",
            f"    log score           {fmt(record.log_score)}",
            f"    skill vs 50%        {fmt(record.brier_skill_vs_half)}   "
            f"vs base rate {fmt(record.base_rate, 2)}: {fmt(record.brier_skill_vs_base_rate)}",
            f"    sharpness           {fmt(record.sharpness)}",
        ]
        if record.murphy:
            m = record.murphy
            lines.append(
                f"    Murphy: reliability {fmt(m.reliability)}, resolution "
                f"{fmt(m.resolution)}, uncertainty {fmt(m.uncertainty)}"
            )
        if record.corp:
            c = record.corp
            lines.append(
                f"    CORP: miscalibration {fmt(c.mcb)}, discrimination {fmt(c.dsc)}, "
                f"uncertainty {fmt(c.unc)}"
            )
        if record.verbal:
            v = record.verbal
            lines.append(
                f"    verbal ({v.n_verbal}): Brier {fmt(v.brier_low)} to {fmt(v.brier_high)} "
                "across the stated bands"
            )
        lines.append("    calibration: bin        n   forecast  observed  (95% Wilson)")
        for b in record.calibration:
            if b.count:
                lines.append(
                    f"      {b.lower:.1f}-{b.upper:.1f}  {b.count:>6}   {fmt(b.mean_forecast, 2)}"
                    f"      {fmt(b.observed_frequency, 2)}      "
                    f"({fmt(b.wilson_low, 2)}-{fmt(b.wilson_high, 2)})"
                )
    if record.n_multiple_choice:
        lines.append(
            f"  multiple choice: {record.n_multiple_choice}; Brier (0..2) "
            f"{fmt(record.brier_multiple_choice)}, log {fmt(record.log_score_multiple_choice)}"
        )
    if record.n_numeric:
        lines.append(
            f"  numeric: {record.n_numeric}; CRPS {fmt(record.crps)}, interval score "
            f"{fmt(record.interval_score)}, interval coverage {fmt(record.interval_coverage, 2)}"
        )
    for other in record.platform_scores:
        lines += [
            f"  {other.platform}'s own {other.metric} on {other.n} of these question(s): "
            f"{fmt(other.theirs)} ({fmt(other.theirs_on_our_scale)} on our 0..1 scale); "
            f"ours on the same: {fmt(other.ours)}",
            f"    why they differ: {other.why_they_differ}",
        ]
    return lines


def format_leaderboard(board: Leaderboard) -> list[str]:
    """The human-readable leaderboard."""
    lines = [
        f"{board.metric} ({board.description}; {board.orientation}); "
        f"{board.n_questions} question(s)" + (", common to all" if board.common_questions else "")
    ]
    if board.warning:
        lines.append(f"warning: {board.warning}")
    if not board.entries:
        lines.append("no forecaster has enough resolved questions yet")
        return lines
    lines.append(f"{'#':>3}  {'forecaster':<24} {'n':>5} {'coverage':>8} {'score':>9}  95% CI")
    for e in board.entries:
        ci = f"{fmt(e.interval.low)} to {fmt(e.interval.high)}" if e.interval else "-"
        score = {1: "+inf", -1: "-inf"}.get(e.score_infinite) or fmt(e.score)
        lines.append(
            f"{e.rank:>3}  {e.handle:<24} {e.n:>5} {fmt(e.coverage, 2):>8} {score:>9}  {ci}"
        )
    return lines


def format_comparison(duel: Comparison) -> list[str]:
    lines = [f"{duel.a} vs {duel.b} on {duel.n} question(s) both answered ({duel.metric})"]
    if duel.warning:
        lines.append(f"  warning: {duel.warning}")
    if duel.n:
        ci = duel.interval
        lines += [
            f"  mean {duel.a}: {fmt(duel.mean_a)}   mean {duel.b}: {fmt(duel.mean_b)}",
            f"  mean difference (a - b): {fmt(duel.mean_difference)}"
            + (f"  95% CI {fmt(ci.low)} to {fmt(ci.high)}" if ci else ""),
            f"  Diebold-Mariano p = {fmt(duel.diebold_mariano_pvalue)}   "
            f"permutation p = {fmt(duel.permutation_pvalue)}",
        ]
    return lines
