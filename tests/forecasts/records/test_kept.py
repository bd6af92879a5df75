"""Kept scores equal what the compute path derives from the raw rows, after resolutions,
corrections, annulments and backdated sourced claims landing on resolved questions."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from forecasts.db.scores import check_kept, read_kept
from forecasts.db.store import Store
from forecasts.domain import Correction, Metric, Resolution
from forecasts.records import RecordFilter, leaderboard, load_record_data, track_record
from forecasts.services import add_correction, add_question, add_resolution
from forecasts.services.scores import board, record_of

from .conftest import (
    AS_OF,
    HANDLES,
    Seeded,
    add_forecast,
    make_forecast_input,
    make_question,
)

LATER = AS_OF + timedelta(days=30)


def _same(a: Any, b: Any, path: str = "") -> list[str]:
    """Differences between two JSON-ready values (floats to 1e-9 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in _same(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _same(x, y, path)]
    if isinstance(a, float) and isinstance(b, float):
        ok = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return [] if ok else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _claim(store: Store, question: str, by: str, p: float, made_at: str, at: datetime) -> None:
    """A public claim found later: backdated, with its source and quote."""
    entry = make_forecast_input(
        question,
        by,
        p=p,
        made_at=made_at,
        source="https://example.org/interview",
        quote=f"I'd put it at {p:.0%}",
    )
    from forecasts.services import add_forecast as record

    record(store, entry, as_of=at)


def _mix(seeded: Seeded) -> None:
    """More changes after the seed: each one must rewrite the kept rows it touches."""
    store = seeded.store
    b = seeded.binary
    at = AS_OF + timedelta(days=1)
    # a backdated sourced claim on a resolved question, by someone who had not answered it
    _claim(store, b[0], "carol", 0.15, "2025-02-20", at)
    # and one that becomes the standing forecast of someone who had
    _claim(store, b[1], "bob", 0.85, "2025-04-01", at)
    current = {q: store.current_outcomes()[q] for q in b[:4]}
    flip = {"yes": "no", "no": "yes"}
    add_correction(
        store,
        Correction(question_id=b[2], previous_outcome=current[b[2]], outcome=flip[current[b[2]]],
                   corrected_at=at, by="tests", reason="misread"),
        as_of=at,
    )  # fmt: skip
    add_correction(
        store,
        Correction(question_id=b[3], previous_outcome=current[b[3]], outcome="annulled",
                   corrected_at=at, by="tests", reason="source withdrawn"),
        as_of=at,
    )  # fmt: skip
    # an annulled question brought back, and a claim on it afterwards
    add_correction(
        store,
        Correction(question_id="X1", previous_outcome="annulled", outcome="no",
                   corrected_at=at + timedelta(hours=1), by="tests", reason="source restored"),
        as_of=at + timedelta(hours=1),
    )  # fmt: skip
    _claim(store, "X1", "bob", 0.4, "2025-03-01", at + timedelta(hours=2))
    # a question resolved after the seed, with a certain and wrong forecast (infinite log)
    add_question(store, make_question("L1"), as_of=at)
    add_forecast(store, make_forecast_input("L1", "carol", p=1.0), as_of=at)
    add_forecast(store, make_forecast_input("L1", "alice", p=0.3), as_of=at)
    add_resolution(
        store,
        Resolution(question_id="L1", outcome="no", resolved_at=at + timedelta(hours=3)),
        as_of=at + timedelta(hours=3),
    )


FILTERS = [
    RecordFilter(),
    RecordFilter(tag="even"),
    RecordFilter(since=datetime(2025, 7, 1, tzinfo=UTC)),
    RecordFilter(until=datetime(2025, 7, 1, tzinfo=UTC), kind="binary"),
    RecordFilter(kind="numeric"),
]


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


@pytest.mark.parametrize("rebuilt", [False, True], ids=["incremental", "rebuilt"])
def test_kept_records_and_boards_equal_the_recomputed_ones(seeded: Seeded, rebuilt: bool) -> None:
    _mix(seeded)
    store = seeded.store
    if rebuilt:
        from forecasts.services.scores import rebuild

        assert rebuild(store) > 0
    with store.reading() as session:
        assert check_kept(session.connection()) == []
    assert read_kept(store, as_of=LATER) is not None  # the kept path is the one taken below
    for filters in FILTERS:
        for handle in HANDLES:
            data = load_record_data(store, as_of=LATER, filters=filters, forecaster=handle)
            expected = _dump(track_record(data, handle))
            kept = _dump(record_of(store, handle, as_of=LATER, filters=filters))
            assert _same(kept, expected) == [], (handle, filters)
        for metric in Metric:
            for common in (False, True):
                data = load_record_data(store, as_of=LATER, filters=filters)
                expected = _dump(leaderboard(data, metric=metric, common=common))
                kept = _dump(board(store, as_of=LATER, metric=metric, common=common,
                                   filters=filters))  # fmt: skip
                assert _same(kept, expected) == [], (metric, common, filters)


def test_the_mix_changes_what_records_show(seeded: Seeded) -> None:
    """The changes above are seen (the comparison is not of two unchanged records)."""
    store = seeded.store
    before = record_of(store, "carol", as_of=LATER)
    _mix(seeded)
    after = record_of(store, "carol", as_of=LATER)
    assert seeded.binary[0] not in {q.question_id for q in before.questions}
    assert seeded.binary[0] in {q.question_id for q in after.questions}
    assert after.backdated == before.backdated + 1
    assert after.log_score is None  # p=1 on what did not happen: infinite, shown as null
    bob = {q.question_id: q for q in record_of(store, "bob", as_of=LATER).questions}
    assert bob[seeded.binary[1]].forecast == "p=0.85"
    assert bob["X1"].outcome == "no"
    assert seeded.binary[3] not in bob  # annulled by correction


def test_a_past_as_of_is_computed_from_the_raw_rows(seeded: Seeded) -> None:
    """Before the correction took effect the record shows the outcome as first resolved."""
    store = seeded.store
    early = datetime(2026, 1, 5, 12, tzinfo=UTC)  # after the resolutions, before K1's fix
    assert read_kept(store, as_of=early) is None
    k1 = {q.question_id: q for q in record_of(store, "alice", as_of=early).questions}["K1"]
    assert k1.outcome == "yes"
    k1 = {q.question_id: q for q in record_of(store, "alice", as_of=LATER).questions}["K1"]
    assert k1.outcome == "no"


def test_horizon_and_backdated_filters_match_the_compute_path(seeded: Seeded) -> None:
    _mix(seeded)
    store = seeded.store
    for filters in (RecordFilter(exclude_backdated=True), RecordFilter(min_horizon_days=200)):
        data = load_record_data(store, as_of=LATER, filters=filters, forecaster="bob")
        expected = _dump(track_record(data, "bob"))
        assert _same(_dump(record_of(store, "bob", as_of=LATER, filters=filters)), expected) == []


def test_a_tampered_kept_score_is_found(seeded: Seeded) -> None:
    store = seeded.store
    qid = seeded.binary[0]
    with store.transaction() as session:
        session.connection().execute(
            text("UPDATE kept_score SET brier = 0 WHERE question_id = :q AND forecaster = 'alice'"),
            {"q": qid},
        )
    with store.reading() as session:
        problems = check_kept(session.connection())
    assert len(problems) == 1
    assert problems[0].startswith(f"kept score {qid}/alice: brier is 0.0 kept"), problems


def test_a_cached_record_follows_resolutions_it_does_not_score(seeded: Seeded) -> None:
    """Carol's cached record survives a resolution of a question she did not answer, with
    the questions available updated; a claim of hers on it changes the record."""
    import json

    from forecasts.services.scores import record_json

    store = seeded.store
    before = record_of(store, "carol", as_of=LATER)
    at = AS_OF + timedelta(days=2)
    add_question(store, make_question("Z1"), as_of=at)
    add_forecast(store, make_forecast_input("Z1", "alice", p=0.7), as_of=at)
    add_resolution(store, Resolution(question_id="Z1", outcome="yes", resolved_at=at), as_of=at)
    after = record_of(store, "carol", as_of=LATER)
    assert after.questions_available == before.questions_available + 1
    assert after.model_copy(update={"questions_available": before.questions_available}) == before
    body = json.loads(record_json(store, "carol", as_of=LATER))
    assert body == after.model_dump(mode="json")
    _claim(store, "Z1", "carol", 0.2, "2025-03-01", at + timedelta(hours=1))
    claimed = record_of(store, "carol", as_of=LATER)
    assert claimed.n == before.n + 1 and claimed.backdated == before.backdated + 1
    data = load_record_data(store, as_of=LATER, forecaster="carol")
    assert _same(_dump(claimed), _dump(track_record(data, "carol"))) == []
