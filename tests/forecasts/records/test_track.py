"""Every track-record figure, through the service and directly with ``scoring``: they agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pytest

import scoring
from forecasts.db.store import Store
from forecasts.domain import Forecast, IntervalForecast, Question, QuestionKind
from forecasts.errors import NotFoundError
from forecasts.records import RecordFilter, load_record_data, track_record

from .conftest import Seeded

Standing = dict[str, tuple[Question, str, datetime, list[Forecast]]]


def standing_by_hand(store: Store, handle: str) -> Standing:
    """Resolved, non-annulled questions (after corrections) with the forecaster's forecasts
    made at or before the effective close, computed from domain objects."""
    outcomes = store.current_outcomes()
    resolved_at = {r.question_id: r.resolved_at for r in store.resolutions()}
    found: Standing = {}
    for question in store.questions():
        outcome = outcomes.get(question.id)
        if outcome is None or outcome == "annulled":
            continue
        close = min(question.closes_at, resolved_at[question.id])
        made = [
            f
            for f in store.forecasts(question_id=question.id, forecaster=handle)
            if f.made_at <= close
        ]
        if made:
            found[question.id] = (question, outcome, close, made)
    return found


def binary_arrays(standing: Standing) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    items = [v for v in standing.values() if v[0].kind is QuestionKind.BINARY]
    o = np.array([1 if outcome == "yes" else 0 for _, outcome, _, _ in items])
    p = np.array([made[-1].probability for _, _, _, made in items], dtype=float)
    return o, p


def test_every_figure_agrees_with_scoring(seeded: Seeded) -> None:
    store = seeded.store
    record = track_record(load_record_data(store, as_of=seeded.as_of), "alice")
    standing = standing_by_hand(store, "alice")
    o, p = binary_arrays(standing)

    assert record.n == len(standing)
    assert record.n_binary == o.size
    assert record.brier == pytest.approx(scoring.brier_score(o, p).mean())
    assert record.log_score == pytest.approx(scoring.log_score(o, p).mean())
    assert record.brier_skill_vs_half == pytest.approx(
        scoring.brier_skill_score(o, p, reference=0.5)
    )
    assert record.brier_skill_vs_base_rate == pytest.approx(scoring.brier_skill_score(o, p))
    assert record.sharpness == pytest.approx(np.abs(2 * p - 1).mean())

    weighted = []
    for question, outcome, close, made in standing.values():
        if question.kind is QuestionKind.BINARY:
            times = [max(f.made_at, question.opens_at) for f in made]
            weighted.append(
                scoring.time_weighted_score(
                    int(outcome == "yes"), times, [f.probability for f in made], close=close
                )
            )
    assert record.brier_time_weighted == pytest.approx(np.mean(weighted))
    by_question = {row.question_id: row for row in record.questions}
    for (qid, (question, _, _, _)), expected in zip(
        ((k, v) for k, v in standing.items() if v[0].kind is QuestionKind.BINARY),
        weighted,
        strict=True,
    ):
        assert by_question[qid].brier_time_weighted == pytest.approx(expected), question.id

    murphy = scoring.murphy_decomposition(o, p, bins=10)
    assert record.murphy is not None
    assert (record.murphy.reliability, record.murphy.resolution, record.murphy.uncertainty) == (
        pytest.approx(murphy.reliability),
        pytest.approx(murphy.resolution),
        pytest.approx(murphy.uncertainty),
    )
    corp = scoring.corp_decomposition(o, p, score="brier")
    assert record.corp is not None
    assert (record.corp.mcb, record.corp.dsc, record.corp.unc) == (
        pytest.approx(corp.mcb),
        pytest.approx(corp.dsc),
        pytest.approx(corp.unc),
    )
    table = scoring.calibration_table(o, p, bins=10)
    assert [b.count for b in record.calibration] == [b.count for b in table]
    for got, want in zip(record.calibration, table, strict=True):
        assert got.wilson_low == pytest.approx(want.wilson_low)
        assert got.wilson_high == pytest.approx(want.wilson_high)
        if want.count:
            assert got.mean_forecast == pytest.approx(want.mean_forecast)
            assert got.observed_frequency == pytest.approx(want.observed_frequency)
    # Each question's resampling weights are keyed by its id, so the order does not matter.
    ids = [q.id for q, _, _, _ in standing.values() if q.kind is QuestionKind.BINARY]
    boot = scoring.weighted_bootstrap(
        scoring.brier_score(o, p), scoring.keyed_poisson_weights(ids, n_resamples=2000, seed=0)
    )
    assert record.brier_interval is not None
    assert (record.brier_interval.low, record.brier_interval.high) == (
        pytest.approx(boot.low),
        pytest.approx(boot.high),
    )
    # The band's draws are keyed by question id as well.
    uniforms = scoring.keyed_uniforms(ids, n_resamples=100, seed=0)
    diagram = scoring.reliability_diagram(o, p, level=0.9, uniforms=uniforms)
    assert record.reliability is not None
    assert record.reliability.cep == pytest.approx(diagram.cep.tolist())
    assert record.reliability.band_low == pytest.approx(diagram.band_low.tolist())
    assert record.reliability.band_high == pytest.approx(diagram.band_high.tolist())

    coverages = []
    for question, _, close, made in standing.values():
        window = (close - question.opens_at).total_seconds()
        covered = (close - max(made[0].made_at, question.opens_at)).total_seconds()
        coverages.append(min(max(covered / window, 0.0), 1.0))
    assert record.coverage == pytest.approx(np.mean(coverages))


def test_verbal_numeric_and_multiple_choice_agree_with_scoring(seeded: Seeded) -> None:
    store = seeded.store
    record = track_record(load_record_data(store, as_of=seeded.as_of), "alice")
    standing = standing_by_hand(store, "alice")
    o, p = binary_arrays(standing)

    # verbal: V1 said "very likely" (ICD 203 0.80-0.95), resolved no
    verbal = [qid for qid, v in standing.items() if v[3][-1].verbal is not None]
    assert verbal == ["V1"]
    band = standing["V1"][3][-1].verbal
    assert band is not None and (band.low, band.high) == (0.8, 0.95)
    binary_ids = [k for k, v in standing.items() if v[0].kind is QuestionKind.BINARY]
    at = binary_ids.index("V1")
    low_p, high_p = p.copy(), p.copy()
    low_p[at], high_p[at] = band.low, band.high
    assert record.verbal is not None
    assert record.verbal.n_verbal == 1
    assert record.verbal.brier_low == pytest.approx(scoring.brier_score(o, low_p).mean())
    assert record.verbal.brier_high == pytest.approx(scoring.brier_score(o, high_p).mean())
    assert record.verbal.log_score_high == pytest.approx(scoring.log_score(o, high_p).mean())
    assert record.verbal.brier_low <= record.brier <= record.verbal.brier_high  # type: ignore[operator]

    # numeric: the stated interval scored as its lognormal (CRPS) and as stated (interval score)
    stated = standing["N1"][3][-1].distribution
    assert isinstance(stated, IntervalForecast)
    implied = stated.as_parametric()
    assert record.crps == pytest.approx(
        scoring.crps_lognormal([5.0], implied.mulog, implied.sigmalog)[0]  # type: ignore[union-attr]
    )
    assert record.interval_score == pytest.approx(
        scoring.interval_score([5.0], [0.1], [10.0], [100.0])[0]
    )
    assert record.interval_coverage == 0.0

    # multiple choice: the 0..2 Brier and the log score
    assert record.brier_multiple_choice == pytest.approx(
        scoring.brier_score([1], [[0.5, 0.3, 0.2]])[0]
    )
    assert record.log_score_multiple_choice == pytest.approx(-np.log(0.3))


def test_quantile_forecasts_use_crps_quantiles(seeded: Seeded) -> None:
    record = track_record(load_record_data(seeded.store, as_of=seeded.as_of), "bob")
    assert record.n_numeric == 1
    assert record.crps == pytest.approx(
        scoring.crps_quantiles([5.0], [0.05, 0.5, 0.95], [[2.0, 5.0, 15.0]])[0]
    )
    assert record.interval_score == pytest.approx(
        scoring.interval_score([5.0], [0.1], [2.0], [15.0])[0]
    )
    assert record.interval_coverage == 1.0


def test_only_resolved_non_annulled_questions_count_with_corrections(seeded: Seeded) -> None:
    record = track_record(load_record_data(seeded.store, as_of=seeded.as_of), "alice")
    ids = {row.question_id for row in record.questions}
    assert "X1" not in ids  # annulled
    assert "U1" not in ids  # unresolved
    corrected = next(row for row in record.questions if row.question_id == "K1")
    assert corrected.outcome == "no"  # the correction, not the original "yes"
    assert corrected.brier == pytest.approx(0.81)
    early = next(row for row in record.questions if row.question_id == "E1")
    assert early.forecast == "p=0.3"  # the later 0.95 came after the outcome was known


def test_resolutions_after_as_of_do_not_count(seeded: Seeded) -> None:
    before = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    record = track_record(load_record_data(seeded.store, as_of=before), "alice")
    assert {row.question_id for row in record.questions} == {"E1"}


def test_filters_slice_the_record(seeded: Seeded) -> None:
    store, as_of = seeded.store, seeded.as_of
    full = track_record(load_record_data(store, as_of=as_of), "alice")
    even = track_record(
        load_record_data(store, as_of=as_of, filters=RecordFilter(tag="even")), "alice"
    )
    assert {r.question_id for r in even.questions} == {
        q for q in seeded.binary if int(q[1:]) % 2 == 0
    }
    late = track_record(
        load_record_data(store, as_of=as_of, filters=RecordFilter(since="2025-11-01")), "alice"
    )
    assert all(r.question_id not in seeded.binary[:6] for r in late.questions)
    assert late.n < full.n
    numeric = track_record(
        load_record_data(store, as_of=as_of, filters=RecordFilter(kind="numeric")), "alice"
    )
    assert [r.question_id for r in numeric.questions] == ["N1"]
    # 100 days ahead: only the January forecasts of the June questions stand
    ahead = track_record(
        load_record_data(store, as_of=as_of, filters=RecordFilter(min_horizon_days=100)), "alice"
    )
    for row in ahead.questions:
        assert row.made_at.month <= 2 or row.question_id not in seeded.binary[:6]


def test_warning_below_min_n_and_unknown_forecaster(seeded: Seeded) -> None:
    data = load_record_data(seeded.store, as_of=seeded.as_of)
    record = track_record(data, "carol")
    assert record.warning is not None and "fewer than 20" in record.warning
    assert track_record(data, "carol", min_n=3).warning is None
    with pytest.raises(NotFoundError, match="no forecaster with id 'nobody'"):
        track_record(data, "nobody")
    with pytest.raises(NotFoundError):
        load_record_data(seeded.store, as_of=seeded.as_of, forecaster="nobody")


def test_one_forecasters_load_gives_the_same_record(seeded: Seeded) -> None:
    everyone = track_record(load_record_data(seeded.store, as_of=seeded.as_of), "bob")
    alone = track_record(
        load_record_data(seeded.store, as_of=seeded.as_of, forecaster="bob"), "bob"
    )
    assert alone == everyone


def test_no_resolved_questions_gives_an_empty_record(store: Store) -> None:
    from forecasts.services import add_forecaster
    from tests.factories import make_forecaster

    as_of = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    add_forecaster(store, make_forecaster("zed"), as_of=as_of)
    record = track_record(load_record_data(store, as_of=as_of), "zed")
    assert record.n == 0 and record.brier is None and record.calibration == []
    assert record.model_dump(mode="json")["brier"] is None
