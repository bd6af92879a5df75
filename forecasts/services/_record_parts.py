"""Parts of track records kept per process, so a record after a resolution rebuilds only
what the resolution changed: each question's bootstrap weights and reliability band draws
(they depend on its id alone), each record's bootstrap resample sums and reliability band,
and each kept row's line of the record."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

import scoring
from forecasts.records import QuestionScore
from forecasts.records.kept_read import RowParts, row_parts
from forecasts.records.track import Band, Bootstrap

from ._lru import Lru

__all__ = [
    "KeptBands",
    "KeptBootstraps",
    "QuestionDraws",
    "QuestionLines",
    "question_uniforms",
    "question_weights",
]


@dataclass
class _Bank:
    """Rows of one (resamples, seed), stacked: ``rows[index[key]]`` is the key's row."""

    index: dict[str, int]
    rows: NDArray[Any]
    used: int = 0


class QuestionDraws:
    """Rows of a keyed draw (``scoring.keyed_poisson_weights``, ``scoring.keyed_uniforms``)
    kept by (question id, resamples, seed).

    At most ``size`` rows are kept, stacked in one matrix per (resamples, seed) as
    ``dtype``, so a record's rows are gathered by one indexing; past ``size`` the matrix
    starts again empty. A record after a resolution then draws one new row, not all of them.
    """

    def __init__(
        self,
        size: int,
        draw: Callable[..., NDArray[Any]],
        dtype: type[np.generic],
        out: type[np.generic],
    ) -> None:
        self.size = size
        self.draw = draw
        self.dtype = dtype
        self.out = out
        self.banks: dict[tuple[int, int], _Bank] = {}
        self.lock = threading.Lock()

    def __call__(self, keys: Sequence[str], n_resamples: int, seed: int) -> NDArray[Any]:
        with self.lock:
            bank = self.banks.get((n_resamples, seed))
            if bank is None:
                bank = self.banks[(n_resamples, seed)] = _Bank({}, self._empty(n_resamples))
            index = bank.index
            at = [index.get(key, -1) for key in keys]
            if -1 in at and bank.used + len(keys) > self.size:
                bank = self.banks[(n_resamples, seed)] = _Bank({}, self._empty(n_resamples))
                index = bank.index
                at = [-1] * len(keys)
        if -1 in at:
            missing = sorted({key for key, i in zip(keys, at, strict=True) if i < 0})
            drawn = self.draw(missing, n_resamples=n_resamples, seed=seed)
            with self.lock:
                self._add(bank, missing, drawn.astype(self.dtype))
                at = [index[key] for key in keys]
        return bank.rows[np.asarray(at, dtype=np.intp)].astype(self.out, copy=False)

    def _empty(self, n_resamples: int) -> NDArray[Any]:
        return np.empty((0, n_resamples), dtype=self.dtype)

    @staticmethod
    def _add(bank: _Bank, keys: Sequence[str], rows: NDArray[Any]) -> None:
        """Append the rows of ``keys`` not in ``bank`` yet (another thread may have)."""
        new = [i for i, key in enumerate(keys) if key not in bank.index]
        if not new:
            return
        need = bank.used + len(new)
        if need > bank.rows.shape[0]:
            shape = (max(need, 2 * bank.rows.shape[0]), bank.rows.shape[1])
            grown = np.empty(shape, bank.rows.dtype)
            grown[: bank.used] = bank.rows[: bank.used]
            bank.rows = grown
        bank.rows[bank.used : need] = rows[new]
        for offset, i in enumerate(new):
            bank.index[keys[i]] = bank.used + offset
        bank.used = need


def question_weights(size: int) -> QuestionDraws:
    """Bootstrap weights (Poisson(1) counts stay far below 256: kept as bytes, 2 KB a row
    with 2,000 resamples), handed out as float32."""
    return QuestionDraws(size, scoring.keyed_poisson_weights, np.uint8, np.float32)


def question_uniforms(size: int) -> QuestionDraws:
    """The reliability band's uniform draws (800 bytes a row with 100 resamples)."""
    return QuestionDraws(size, scoring.keyed_uniforms, np.float64, np.float64)


@dataclass
class _Sums:
    """One record's resample sums and the scores they hold, by question id."""

    index: dict[str, int]
    scores: NDArray[np.float64]
    sums: NDArray[np.float64]
    totals: NDArray[np.float64]
    updates: int


class KeptBootstraps:
    """Each record's bootstrap resample sums (``scoring.resample_sums``), kept by the record
    they belong to (``lineage``: database, forecaster, filters) and brought up to date by
    the questions that changed since: a record after a resolution adds that question's term
    to each resample, with one row of weights, instead of summing a thousand rows again.

    The interval is the one ``scoring.weighted_bootstrap`` gives for the same scores, to
    rounding. Sums updated ``refresh`` times, or asked to follow a change that touches more
    than an eighth of the questions, are summed afresh. At most ``size`` records are kept
    (least recently used dropped)."""

    def __init__(self, size: int, weights: QuestionDraws, refresh: int = 256) -> None:
        self.size = size
        self.weights = weights
        self.refresh = refresh
        self.kept: OrderedDict[Hashable, _Sums] = OrderedDict()
        self.lock = threading.Lock()

    def bound(self, lineage: Hashable) -> Bootstrap:
        """The ``bootstrap`` of :func:`forecasts.records.track.assemble_record` for one record."""
        return partial(self.interval, lineage)

    def interval(
        self,
        lineage: Hashable,
        keys: Sequence[str],
        scores: NDArray[np.float64],
        n_resamples: int,
        seed: int,
    ) -> scoring.BootstrapInterval:
        s = np.asarray(scores, dtype=np.float64)
        if s.size == 0 or len(keys) != s.size:
            raise scoring.ScoringInputError(
                "weighted_bootstrap", "scores", f"must be non-empty, one per key, got {s.size}"
            )
        index = dict(zip(keys, range(len(keys)), strict=True))
        if len(index) != len(keys):  # a question twice: nothing to follow, sum afresh
            return scoring.weighted_bootstrap(s, self.weights(keys, n_resamples, seed))
        name = (lineage, n_resamples, seed)
        with self.lock:
            before = self.kept.get(name)
        now = None if before is None else self._followed(before, keys, s, n_resamples, seed)
        if now is None:
            sums, totals = scoring.resample_sums(s, self.weights(keys, n_resamples, seed))
            now = _Sums(index, s, sums, totals, 0)
        else:
            now.index = index
        with self.lock:
            self.kept[name] = now
            self.kept.move_to_end(name)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return scoring.interval_from_sums(float(s.mean()), now.sums, now.totals)

    def _followed(
        self,
        before: _Sums,
        keys: Sequence[str],
        s: NDArray[np.float64],
        n_resamples: int,
        seed: int,
    ) -> _Sums | None:
        """``before`` brought to ``keys`` and ``s``: the terms of questions gone or changed
        taken out, those of questions new or changed put in (None: sum afresh)."""
        if before.updates >= self.refresh:
            return None
        at = np.fromiter((before.index.get(k, -1) for k in keys), np.intp, len(keys))
        found = at >= 0
        changed = np.flatnonzero(found)[before.scores[at[found]] != s[found]]
        added = np.flatnonzero(~found)
        n_gone = len(before.index) - int(found.sum())
        if n_gone + changed.size + added.size > max(8, len(keys) // 8):
            return None
        gone: list[str] = []
        if n_gone:
            present = set(keys)
            gone = [k for k in before.index if k not in present]
        out_at = np.asarray([before.index[k] for k in gone], dtype=np.intp)
        changed_keys = [keys[i] for i in changed.tolist()]
        terms = (
            (-1.0, gone + changed_keys, before.scores[np.r_[out_at, at[changed]]]),
            (1.0, changed_keys + [keys[i] for i in added.tolist()], s[np.r_[changed, added]]),
        )
        sums, totals = before.sums.copy(), before.totals.copy()
        for sign, which, values in terms:
            if which:
                part, weight = scoring.resample_sums(values, self.weights(which, n_resamples, seed))
                sums += sign * part
                totals += sign * weight
        return _Sums(before.index, s, sums, totals, before.updates + 1)


@dataclass(frozen=True)
class _KeptBand:
    """One record's band and the forecasts it holds, by question id."""

    forecasts: dict[str, float]
    band: scoring.ConsistencyBand


def _band_weight(kept: _KeptBand) -> int:
    band = kept.band
    return band.ones.nbytes + band.blocks.nbytes + 120 * len(kept.forecasts)


class KeptBands:
    """Each record's reliability band (``scoring.band_from_counts``), kept by the record it
    belongs to (``lineage``) and brought up to date by the questions that changed since:
    their redraw counts (each question's kept uniforms) are added or taken out, and the
    refits start from the kept band's pooled blocks, so a record after a resolution refits
    around one forecast value instead of a hundred whole curves. The band is the one
    computed afresh, to the bit. A change touching more than an eighth of the questions
    is counted afresh. Bands are kept up to ``budget`` bytes (least recently used
    dropped)."""

    def __init__(self, budget: int, uniforms: QuestionDraws) -> None:
        self.uniforms = uniforms
        self.kept = Lru(1 << 20, weigh=_band_weight, budget=budget)

    def bound(self, lineage: Hashable) -> Band:
        """The ``band`` of :func:`forecasts.records.track.assemble_record` for one record."""
        return partial(self.band, lineage)

    def band(
        self,
        lineage: Hashable,
        keys: Sequence[str],
        forecasts: NDArray[np.float64],
        n_resamples: int,
        seed: int,
        level: float,
    ) -> scoring.ConsistencyBand:
        p = np.asarray(forecasts, dtype=np.float64)
        items = dict(zip(keys, p.tolist(), strict=True))
        name = (lineage, n_resamples, seed, level)
        before: _KeptBand | None = self.kept.get(name)
        band = None
        if before is not None and len(items) == len(keys):
            band = self._followed(before, items, n_resamples, seed, level)
        if band is None:
            uniforms = self.uniforms(keys, n_resamples, seed)
            band = scoring.band_from_counts(*scoring.band_counts(p, uniforms), level=level)
        if len(items) == len(keys):  # a question twice: nothing to follow
            self.kept.put(name, _KeptBand(items, band))
        return band

    def _followed(
        self, before: _KeptBand, items: dict[str, float], n_resamples: int, seed: int, level: float
    ) -> scoring.ConsistencyBand | None:
        """``before``'s band with the questions gone or changed taken out and those new or
        changed put in (None: count afresh)."""
        kept = before.forecasts
        gone = [(k, p) for k, p in kept.items() if items.get(k) != p]
        added = [(k, p) for k, p in items.items() if kept.get(k) != p]
        if not items or len(gone) + len(added) > max(8, len(items) // 8):
            return None
        old = before.band
        values = np.unique(np.concatenate((old.x, [p for _, p in added])))
        counts = np.zeros(values.size, dtype=np.int64)
        ones = np.zeros((old.n_resamples, values.size), dtype=np.int32)
        at = np.searchsorted(values, old.x)
        counts[at] = old.counts
        ones[:, at] = old.ones
        for sign, part in ((1, added), (-1, gone)):
            if part:
                keys = [k for k, _ in part]
                draws = self.uniforms(keys, n_resamples, seed)
                x, n, k = scoring.band_counts([p for _, p in part], draws)
                at = np.searchsorted(values, x)
                counts[at] += sign * n
                ones[:, at] += sign * k
        if bool(np.any(counts < 0)):
            return None
        held = counts > 0
        return scoring.band_from_counts(
            values[held], counts[held], ones[:, held], level=level, previous=old
        )


class QuestionLines:
    """Each kept row's ``row_parts`` (its line of the record, its figures), keyed by the
    row's values, and each line's JSON once asked for (at most ``size`` rows; past that the
    oldest half is dropped). Lines are shared between cached records, which never change
    them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lines: dict[tuple[Any, ...], RowParts] = {}
        self.json: dict[int, tuple[QuestionScore, bytes]] = {}
        self.lock = threading.Lock()

    def __call__(self, row: tuple[Any, ...]) -> RowParts:
        line = self.lines.get(row)
        if line is None:
            line = row_parts(row)
            with self.lock:
                if len(self.lines) >= self.size:
                    for old in list(self.lines)[: len(self.lines) // 2]:
                        self.json.pop(id(self.lines.pop(old)[0]), None)
                self.lines[row] = line
        return line

    def json_of(self, line: QuestionScore) -> bytes:
        """``line.model_dump_json()``, serialised once for a line held here."""
        found = self.json.get(id(line))
        if found is not None and found[0] is line:
            return found[1]
        text = line.model_dump_json().encode()
        with self.lock:
            if len(self.json) >= self.size:
                self.json.clear()
            self.json[id(line)] = (line, text)  # holding the line keeps its id its own
        return text
