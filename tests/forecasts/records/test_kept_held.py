"""A record held by the server and brought up to date by the rows written since equals the
record recomputed from the raw rows, step by step: after a resolution, a backdated claim, a
correction, an annulment (a row deleted), an annulment undone and a rebuild."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from forecasts.db.scores import read_kept_since
from forecasts.db.store import Store
from forecasts.domain import Correction, Resolution
from forecasts.records import load_record_data, track_record
from forecasts.services import add_correction, add_question, add_resolution
from forecasts.services.scores import rebuild, record_json, record_of

from .conftest import AS_OF, HANDLES, Seeded, add_forecast, make_forecast_input, make_question
from .test_kept import LATER, _claim, _dump, _same


def _records_match(seeded: Seeded, step: str) -> None:
    store = seeded.store
    for handle in HANDLES:
        data = load_record_data(store, as_of=LATER, forecaster=handle)
        expected = _dump(track_record(data, handle))
        got = record_of(store, handle, as_of=LATER)
        assert _same(_dump(got), expected) == [], (step, handle)
        # The API's body (each line serialised once and joined) is the record's own JSON.
        assert record_json(store, handle, as_of=LATER) == got.model_dump_json().encode()


def _rebuilt(store: Store) -> None:
    assert rebuild(store) > 0


def test_held_records_follow_every_kind_of_change(seeded: Seeded) -> None:
    store = seeded.store
    b = seeded.binary
    at = AS_OF + timedelta(days=1)
    flip = {"yes": "no", "no": "yes"}

    def correct(qid: str, outcome: str, hours: int) -> None:
        previous = store.current_outcomes()[qid]
        add_correction(
            store,
            Correction(question_id=qid, previous_outcome=previous, outcome=outcome,
                       corrected_at=at + timedelta(hours=hours), by="tests", reason="r"),
            as_of=at + timedelta(hours=hours),
        )  # fmt: skip

    def resolve_new() -> None:
        add_question(store, make_question("R1"), as_of=at)
        add_forecast(store, make_forecast_input("R1", "alice", p=0.7), as_of=at)
        add_forecast(store, make_forecast_input("R1", "carol", p=0.2), as_of=at)
        add_resolution(
            store,
            Resolution(question_id="R1", outcome="yes", resolved_at=at + timedelta(hours=4)),
            as_of=at + timedelta(hours=4),
        )

    steps: list[tuple[str, Callable[[], None]]] = [
        ("claim on a question carol had not answered",
         lambda: _claim(store, b[0], "carol", 0.15, "2025-02-20", at)),
        ("claim replacing bob's standing forecast",
         lambda: _claim(store, b[1], "bob", 0.85, "2025-04-01", at)),
        ("outcome corrected", lambda: correct(b[2], flip[store.current_outcomes()[b[2]]], 1)),
        ("annulled by correction", lambda: correct(b[3], "annulled", 2)),
        ("annulment undone", lambda: correct("X1", "no", 3)),
        ("a new question resolved", resolve_new),
        ("kept scores rebuilt", lambda: _rebuilt(store)),
    ]  # fmt: skip
    _records_match(seeded, "seeded")
    before = {h: record_of(store, h, as_of=LATER) for h in HANDLES}
    for step, change in steps:
        change()
        _records_match(seeded, step)
    after = {h: record_of(store, h, as_of=LATER) for h in HANDLES}
    # The steps were seen: rows added, rewritten and deleted.
    assert after["carol"].n == before["carol"].n + 2  # b[0] claimed, R1
    assert after["alice"].n == before["alice"].n + 1  # b[3] annulled, X1 back, R1
    assert after["bob"].n == before["bob"].n - 1  # b[3] annulled


def test_a_resolution_reads_only_the_rows_it_wrote(seeded: Seeded) -> None:
    store = seeded.store
    everything = read_kept_since(store, as_of=LATER, forecaster="alice", since=-1)
    assert everything is not None and everything.count == len(everything.rows) > 10
    newest = max(row[-1] for row in everything.rows)
    at = AS_OF + timedelta(days=1)
    add_question(store, make_question("R2"), as_of=at)
    add_forecast(store, make_forecast_input("R2", "alice", p=0.4), as_of=at)
    nothing = read_kept_since(store, as_of=LATER, forecaster="alice", since=newest)
    assert nothing is not None and nothing.rows == []
    assert nothing.forecasts == everything.forecasts + 1
    add_resolution(store, Resolution(question_id="R2", outcome="no", resolved_at=at), as_of=at)
    written = read_kept_since(store, as_of=LATER, forecaster="alice", since=newest)
    assert written is not None and [row[0] for row in written.rows] == ["R2"]
    assert written.count == everything.count + 1
    assert written.name == "Alice"
    unknown = read_kept_since(store, as_of=LATER, forecaster="nobody", since=-1)
    assert unknown is not None and (unknown.name, unknown.count, unknown.rows) == (None, 0, [])


def test_kept_draws_are_each_questions_own_whatever_was_kept_before() -> None:
    import numpy as np

    import scoring
    from forecasts.services._record_parts import question_uniforms, question_weights

    for draws, direct, n in (
        (question_weights(5), scoring.keyed_poisson_weights, 300),
        (question_uniforms(5), scoring.keyed_uniforms, 40),
    ):
        # Within the bound, past it (kept rows start again), repeated and reordered keys.
        for keys in (["a", "b", "c"], ["c", "a"], ["c", "d", "e", "f"], ["f", "f", "b"]):
            got = draws(keys, n, 3)
            assert np.array_equal(got, direct(keys, n_resamples=n, seed=3)), keys
        assert np.array_equal(draws(["a"], n, 4), direct(["a"], n_resamples=n, seed=4))
