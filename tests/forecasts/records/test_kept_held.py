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


def test_kept_bootstrap_sums_follow_each_change_with_only_the_rows_it_touches() -> None:
    import numpy as np
    import pytest

    import scoring
    from forecasts.services._record_parts import KeptBootstraps, question_weights

    asked: list[int] = []
    draws = question_weights(10_000)

    def weights(keys: list[str], n: int, seed: int) -> np.ndarray:
        asked.append(len(keys))
        return draws(keys, n, seed)

    kept = KeptBootstraps(8, weights, refresh=4)  # type: ignore[arg-type]
    bootstrap = kept.bound(("db", "alice", "{}"))
    rng = np.random.default_rng(4)
    scores = dict(zip([f"Q{i:03d}" for i in range(200)], rng.uniform(size=200), strict=True))

    def step(held: list[str]) -> int:
        """The interval now, checked against one summed afresh; how many rows it gathered."""
        asked.clear()
        values = np.array([scores[q] for q in held])
        got = bootstrap(held, values, 500, 0)
        want = scoring.weighted_bootstrap(
            values, scoring.keyed_poisson_weights(held, n_resamples=500, seed=0)
        )
        assert (got.low, got.high, got.mean_difference) == pytest.approx(
            (want.low, want.high, want.mean_difference), rel=1e-12
        )
        return sum(asked)

    held = sorted(scores)[:150]
    assert step(held) == 150  # first sight: every question's row
    held = sorted([*held, "Q150"])  # a resolution: one row
    assert step(held) == 1
    scores["Q007"] = 0.99  # a correction: the old term out, the new one in
    assert step(held) == 2
    held.remove("Q020")  # an annulment: one term out
    assert step(held) == 1
    assert step(held) == 0  # nothing changed
    held = sorted(scores)  # 50 new questions at once: summed afresh
    assert step(held) == 200
    for q in ("Q001", "Q002", "Q003", "Q004"):  # four updates, then afresh (refresh=4)
        scores[q] = 0.5
        assert step(held) == 2
    scores["Q005"] = 0.5
    assert step(held) == 200
    # Another record's sums are its own; a question twice is summed afresh and not kept.
    other = kept.bound(("db", "bob", "{}"))
    assert other(["Q001"], np.array([0.5]), 500, 0).mean_difference == 0.5
    twice = other(["Q001", "Q001"], np.array([0.5, 0.7]), 500, 0)
    assert twice.mean_difference == pytest.approx(0.6)
    asked.clear()
    other(["Q001", "Q002"], np.array([0.5, 0.5]), 500, 0)
    assert sum(asked) == 1


def test_kept_bands_follow_each_change_with_only_the_draws_it_touches() -> None:
    import numpy as np

    import scoring
    from forecasts.services._record_parts import KeptBands, question_uniforms

    asked: list[int] = []
    draws = question_uniforms(10_000)

    def uniforms(keys: list[str], n: int, seed: int) -> np.ndarray:
        asked.append(len(keys))
        return draws(keys, n, seed)

    kept = KeptBands(1 << 20, uniforms)  # type: ignore[arg-type]
    band = kept.bound(("db", "alice", "{}"))
    rng = np.random.default_rng(8)
    forecasts = {f"Q{i:03d}": float(v) for i, v in enumerate(np.round(rng.uniform(size=200), 2))}

    def step(held: list[str]) -> int:
        """The band now, checked against one counted afresh; how many draws it gathered."""
        asked.clear()
        p = np.array([forecasts[q] for q in held])
        got = band(held, p, 100, 0, 0.9)
        u = scoring.keyed_uniforms(held, n_resamples=100, seed=0)
        want = scoring.band_from_counts(*scoring.band_counts(p, u), level=0.9)
        assert np.array_equal(got.x, want.x)
        assert np.array_equal(got.band_low, want.band_low)
        assert np.array_equal(got.band_high, want.band_high)
        return sum(asked)

    held = sorted(forecasts)[:150]
    assert step(held) == 150  # first sight: every question's draws
    held = sorted([*held, "Q150"])  # a resolution: one question's
    assert step(held) == 1
    forecasts["Q007"] = 0.999  # a new standing forecast (a backdated claim): out, then in
    assert step(held) == 2
    held.remove("Q020")  # an annulment: one question out
    assert step(held) == 1
    assert step(held) == 0  # nothing changed
    held = sorted(forecasts)  # 50 new questions at once: counted afresh
    assert step(held) == 200
    # Another record's band is its own; bands past the budget are dropped, then recounted.
    other = kept.bound(("db", "bob", "{}"))
    assert other(["Q001"], np.array([0.5]), 100, 0, 0.9).x.tolist() == [0.5]
    small = KeptBands(1, uniforms)  # type: ignore[arg-type]
    asked.clear()
    for _ in range(2):
        small.band("one", held, np.array([forecasts[q] for q in held]), 100, 0, 0.9)
    assert sum(asked) == 400
