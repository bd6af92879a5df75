"""The keyed consistency band from redraw counts, refitted from an earlier band."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import scoring._isotonic as isotonic
from scoring import (
    ConsistencyBand,
    ScoringInputError,
    band_counts,
    band_from_counts,
    keyed_uniforms,
    reliability_diagram,
)
from scoring._isotonic import cep_per_group, isotonic_rows

Items = dict[str, float]


def _band(items: Items, previous: ConsistencyBand | None = None) -> ConsistencyBand:
    keys = sorted(items)
    p = [items[k] for k in keys]
    counts = band_counts(p, keyed_uniforms(keys, n_resamples=100))
    return band_from_counts(*counts, previous=previous)


def _same(a: ConsistencyBand, b: ConsistencyBand) -> bool:
    return all(
        np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("x", "band_low", "band_high", "counts", "ones", "blocks")
    )


def _items(rng: np.random.Generator, n: int, start: int = 0) -> Items:
    # Forecasts on a 0.001 grid, as people give them: many share a value.
    values = np.clip(np.round(rng.beta(2, 3, n) + rng.normal(0, 0.15, n), 3), 0.001, 0.999)
    return {f"q{start + i}": float(v) for i, v in enumerate(values)}


def test_the_band_of_the_counts_is_the_diagrams_keyed_band() -> None:
    rng = np.random.default_rng(3)
    items = _items(rng, 400)
    keys = sorted(items)
    p = np.array([items[k] for k in keys])
    y = (rng.uniform(size=p.size) < p).astype(np.int64)
    u = keyed_uniforms(keys, n_resamples=100)
    diagram = reliability_diagram(y, p, level=0.9, uniforms=u)
    band = _band(items)
    assert np.array_equal(band.x, diagram.x)
    assert np.array_equal(band.band_low, diagram.band_low)
    assert np.array_equal(band.band_high, diagram.band_high)
    again = reliability_diagram(y, p, level=0.9, band=band)
    assert np.array_equal(again.band_low, diagram.band_low) and again.n_resamples == 100


def test_counts_of_disjoint_items_add_up() -> None:
    rng = np.random.default_rng(5)
    first, second = _items(rng, 50), _items(rng, 30, start=50)
    u = {k: keyed_uniforms([k], n_resamples=20)[0] for k in {**first, **second}}

    def counts(items: Items) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys = list(items)
        return band_counts([items[k] for k in keys], np.array([u[k] for k in keys]))

    x, n, k = counts({**first, **second})
    for part in (first, second):
        xp, np_, kp = counts(part)
        at = np.searchsorted(x, xp)
        n[at] -= np_
        k[:, at] -= kp
    assert not n.any() and not k.any()


Change = Callable[[Items, np.random.Generator, int], None]


def _resolve_one(items: Items, rng: np.random.Generator, step: int) -> None:
    items[f"new{step}"] = float(np.round(rng.uniform(0.001, 0.999), 3))


def _annul_one(items: Items, rng: np.random.Generator, _step: int) -> None:
    del items[sorted(items)[int(rng.integers(len(items)))]]


def _correct_one(items: Items, rng: np.random.Generator, _step: int) -> None:
    key = sorted(items)[int(rng.integers(len(items)))]
    items[key] = float(np.round(rng.uniform(0.001, 0.999), 3))


def _swap_one(items: Items, rng: np.random.Generator, step: int) -> None:
    # Another question at the same value: same count, other redraws.
    key = sorted(items)[int(rng.integers(len(items)))]
    items[f"swap{step}"] = items.pop(key)


def _at_the_ends(items: Items, _rng: np.random.Generator, step: int) -> None:
    items[f"low{step}"] = 0.0
    items[f"high{step}"] = 1.0


def _many(items: Items, rng: np.random.Generator, step: int) -> None:
    for i in range(40):
        (_resolve_one, _annul_one, _correct_one, _swap_one)[i % 4](items, rng, step * 100 + i)


@pytest.mark.parametrize(
    "change", [_resolve_one, _annul_one, _correct_one, _swap_one, _at_the_ends, _many]
)
def test_a_band_refitted_from_the_previous_one_is_the_band_afresh(change: Change) -> None:
    rng = np.random.default_rng(17)
    items = _items(rng, 300)
    kept = _band(items)
    for step in range(12):
        change(items, rng, step)
        refitted = _band(items, previous=kept)
        assert _same(refitted, _band(items)), step
        kept = refitted


def test_a_refit_starts_from_the_previous_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(23)
    items = _items(rng, 600)
    kept = _band(items)
    _resolve_one(items, rng, 0)
    seen: list[int] = []
    rows = isotonic.isotonic_rows

    def counted(counts: np.ndarray, sums: np.ndarray, starts: np.ndarray | None = None):  # type: ignore[no-untyped-def]
        seen.append(sums.size if starts is None else int(starts.sum()))
        return rows(counts, sums, starts)

    monkeypatch.setattr("scoring._band.isotonic_rows", counted)
    _band(items, previous=kept)
    _band(items)
    warm, cold = seen
    assert warm < cold / 5  # the pooled blocks of the other values, not every value again


def test_a_previous_band_of_other_items_or_resamples_changes_nothing() -> None:
    rng = np.random.default_rng(29)
    items, others = _items(rng, 200), _items(rng, 150, start=500)
    assert _same(_band(items, previous=_band(others)), _band(items))
    keys = sorted(others)
    fewer = band_from_counts(
        *band_counts([others[k] for k in keys], keyed_uniforms(keys, n_resamples=10))
    )
    assert _same(_band(items, previous=fewer), _band(items))


def test_pav_from_blocks_matches_pav_row_by_row() -> None:
    rng = np.random.default_rng(31)
    counts = rng.integers(1, 6, size=60).astype(np.float64)
    sums = rng.binomial(counts.astype(np.int64), np.linspace(0.05, 0.95, 60), size=(20, 60))
    fitted, blocks = isotonic_rows(counts, sums)
    for r in range(sums.shape[0]):
        assert np.array_equal(fitted[r], cep_per_group(counts, sums[r].astype(np.float64)))
        level_starts = np.flatnonzero(np.r_[True, fitted[r][1:] != fitted[r][:-1]])
        assert np.array_equal(np.flatnonzero(blocks[r]), level_starts)
    again, _ = isotonic_rows(counts, sums, blocks)
    assert np.array_equal(again, fitted)


def test_the_band_is_frozen_and_keeps_no_caller_array() -> None:
    x, n, k = np.array([0.2, 0.6]), np.array([2, 3]), np.array([[0, 2], [1, 1], [2, 3]])
    band = band_from_counts(x, n, k)
    k[0, 0] = 1
    assert band.ones[0, 0] == 0
    with pytest.raises(ValueError, match="read-only"):
        band.band_low[0] = 0.5
    assert k.flags.writeable


@pytest.mark.parametrize(
    ("values", "counts", "ones", "level", "argument"),
    [
        ([0.6, 0.2], [1, 1], [[0, 1]], 0.9, "values"),
        ([0.2, 0.2], [1, 1], [[0, 1]], 0.9, "values"),
        ([], [], [[]], 0.9, "values"),
        ([0.2, 1.5], [1, 1], [[0, 1]], 0.9, "values"),
        ([0.2, 0.6], [1, 0], [[0, 0]], 0.9, "counts"),
        ([0.2, 0.6], [1.5, 1], [[0, 1]], 0.9, "counts"),
        ([0.2, 0.6], [1, 1, 1], [[0, 1]], 0.9, "counts"),
        ([0.2, 0.6], [1, 1], [[0, 2]], 0.9, "ones"),
        ([0.2, 0.6], [1, 1], [[0, -1]], 0.9, "ones"),
        ([0.2, 0.6], [1, 1], [0, 1], 0.9, "ones"),
        ([0.2, 0.6], [1, 1], [[0.5, 1]], 0.9, "ones"),
        ([0.2, 0.6], [1, 1], [[0, 1]], 1.0, "level"),
    ],
)
def test_band_from_counts_names_the_bad_argument(
    values: list[float], counts: list[float], ones: list[list[float]], level: float, argument: str
) -> None:
    with pytest.raises(ScoringInputError, match=f"argument '{argument}'"):
        band_from_counts(values, counts, ones, level=level)


def test_band_counts_refuses_bad_forecasts_and_uniforms() -> None:
    with pytest.raises(ScoringInputError, match="forecast"):
        band_counts([0.2, 1.2], np.full((2, 5), 0.5))
    with pytest.raises(ScoringInputError, match="uniforms"):
        band_counts([0.2, 0.7], np.full((3, 5), 0.5))
    x, n, k = band_counts([], np.empty((0, 4)))
    assert x.size == 0 and n.size == 0 and k.shape == (4, 0)


def test_the_diagram_refuses_a_band_that_is_not_its_own() -> None:
    y, p = [1, 0, 1, 0], [0.7, 0.2, 0.9, 0.4]
    u = keyed_uniforms(["a", "b", "c", "d"], n_resamples=30)
    band = band_from_counts(*band_counts(p, u))
    with pytest.raises(ScoringInputError, match="band"):
        reliability_diagram(y, [0.7, 0.2, 0.9, 0.5], band=band)
    with pytest.raises(ScoringInputError, match="band"):
        reliability_diagram(y + [1], p + [0.7], band=band)
    with pytest.raises(ScoringInputError, match="band"):
        reliability_diagram(y, p, level=0.8, band=band)
    with pytest.raises(ScoringInputError, match="band"):
        reliability_diagram(y, p, uniforms=u, band=band)
