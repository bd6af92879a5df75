"""Benchmark the scoring package against plain numpy and scikit-learn, in one run.

What: times each operation (median of several repeats after a warm-up) together
with its reference computation in the same process, and prints JSON with the
timings, the ratios and whether each ratio meets the target of the issue.
Prerequisites: the dev dependencies (scikit-learn; scoringrules with numba for the WIS
comparison, reported as "not installed" without it). To run:

    .venv/bin/python benchmarks/scoring.py

Inputs come from ``numpy.random.default_rng(12345)``: binary forecasts
``p = clip(q + N(0, 0.08))`` with ``q ~ Beta(2, 3)`` and ``y ~ Bernoulli(q)``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

# Running this file puts benchmarks/ first on sys.path, where this very file would shadow the
# package of the same name: drop that entry before importing the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import scoring  # noqa: E402


def median_time(func: Callable[[], Any], repeats: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(func: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def binary_sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    q = rng.beta(2.0, 3.0, n)
    p = np.clip(q + rng.normal(0.0, 0.08, n), 0.0, 1.0)
    y = (rng.random(n) < q).astype(np.float64)
    return y, p


def bench_brier(rng: np.random.Generator) -> dict[str, Any]:
    from sklearn.metrics import brier_score_loss

    y, p = binary_sample(10**7, rng)
    ours = median_time(lambda: scoring.brier_score(y, p).mean(), 9)
    numpy_ = median_time(lambda: np.mean((p - y) ** 2), 9)
    sklearn = median_time(lambda: brier_score_loss(y, p), 3)
    assert abs(scoring.brier_score(y, p).mean() - brier_score_loss(y, p)) < 1e-12
    yb = y.astype(bool)
    ours_bool = median_time(lambda: scoring.brier_score(yb, p).mean(), 9)
    numpy_bool = median_time(lambda: np.mean((p - yb) ** 2), 9)
    return {
        "n": 10**7,
        "outcome_dtype": "float64",
        "ours_s": ours,
        "numpy_s": numpy_,
        "sklearn_s": sklearn,
        "ratio_vs_numpy": ours / numpy_,
        "target_vs_numpy": "<= 2.5",
        "meets_vs_numpy": ours / numpy_ <= 2.5,
        "speedup_vs_sklearn": sklearn / ours,
        "target_vs_sklearn": ">= 10",
        "meets_vs_sklearn": sklearn / ours >= 10,
        "bool_outcome_ratio_vs_numpy": ours_bool / numpy_bool,
    }


def plain_crps_ensemble(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    xs = np.sort(x, axis=-1)
    m = x.shape[-1]
    w = 2.0 * np.arange(1, m + 1) - m - 1.0
    return np.abs(xs - y[:, None]).mean(axis=-1) - (xs @ w) / (m * m)


def bench_crps_ensemble(rng: np.random.Generator) -> dict[str, Any]:
    x = rng.normal(size=(10**5, 50))
    y = rng.normal(size=10**5)
    assert np.allclose(scoring.crps_ensemble(y, x), plain_crps_ensemble(y, x), atol=1e-12)
    ours = median_time(lambda: scoring.crps_ensemble(y, x), 7)
    plain = median_time(lambda: plain_crps_ensemble(y, x), 7)
    fair = median_time(lambda: scoring.crps_ensemble(y, x, fair=True), 7)
    peak = peak_bytes(lambda: scoring.crps_ensemble(y, x))
    return {
        "shape": [10**5, 50],
        "ours_s": ours,
        "ours_fair_s": fair,
        "plain_numpy_sort_s": plain,
        "ratio_vs_plain": ours / plain,
        "target_vs_plain": "<= 1.5",
        "meets_vs_plain": ours / plain <= 1.5,
        "peak_mb": peak / 1e6,
        "input_mb": x.nbytes / 1e6,
        "peak_over_input": peak / x.nbytes,
        "target_peak_over_input": "< 3",
        "meets_peak": peak / x.nbytes < 3,
    }


def bench_crps_ensemble_nan(rng: np.random.Generator) -> dict[str, Any]:
    x = rng.normal(size=(10**5, 50))
    y = rng.normal(size=10**5)
    x[::10, 7] = np.nan  # one member missing in every tenth forecast
    peak = peak_bytes(lambda: scoring.crps_ensemble(y, x, nan_policy="omit"))
    return {
        "shape": [10**5, 50],
        "nan_members": int(np.isnan(x).sum()),
        "peak_mb": peak / 1e6,
        "input_mb": x.nbytes / 1e6,
        "peak_over_input": peak / x.nbytes,
        "target_peak_over_input": "< 2",
        "meets_peak": peak / x.nbytes < 2,
    }


def wis_sample(
    n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A median and 5 central intervals (11 quantiles) per forecast."""
    alpha = np.array([0.02, 0.1, 0.2, 0.5, 0.8])
    z = np.array([2.326, 1.645, 1.282, 0.674, 0.253])
    mu = rng.normal(size=n)
    scale = rng.uniform(0.5, 2.0, size=(n, 1))
    y = mu + rng.normal(size=n)
    return y, alpha, mu, mu[:, None] - scale * z, mu[:, None] + scale * z


def plain_wis(y: np.ndarray, levels: np.ndarray, values: np.ndarray) -> np.ndarray:
    """WIS as the sum of the 2K + 1 pinball losses over K + 1/2, in plain numpy."""
    d = y[:, None] - values
    return np.maximum(levels * d, (levels - 1.0) * d).sum(axis=-1) / ((levels.size - 1) / 2 + 0.5)


def bench_wis(rng: np.random.Generator) -> dict[str, Any]:
    n = 10**6
    y, alpha, m, lo, hi = wis_sample(n, rng)
    levels = np.concatenate([alpha / 2, [0.5], 1 - alpha / 2])
    values = np.concatenate([lo, m[:, None], hi], axis=1)
    ours_value = scoring.weighted_interval_score(y, alpha, m, lo, hi).score
    assert np.allclose(ours_value, plain_wis(y, levels, values), rtol=1e-12, atol=1e-12)
    ours = median_time(lambda: scoring.weighted_interval_score(y, alpha, m, lo, hi), 9)
    plain = median_time(lambda: plain_wis(y, levels, values), 9)
    one_pass = median_time(lambda: (lo.min(), hi.min()), 9)
    from scoring import _intervals
    from scoring._compiled import wis_kernel

    compiled = wis_kernel() is not None
    kernel, _intervals.wis_kernel = _intervals.wis_kernel, lambda: None
    try:  # the numpy kernel alone, as users without numba get it
        numpy_kernel = median_time(lambda: scoring.weighted_interval_score(y, alpha, m, lo, hi), 9)
    finally:
        _intervals.wis_kernel = kernel
    result: dict[str, Any] = {
        "shape": [n, levels.size],
        "compiled_kernel_used": compiled,
        "ours_s": ours,
        "ours_numpy_kernel_s": numpy_kernel,
        "numpy_kernel_ratio_vs_plain_numpy": numpy_kernel / plain,
        "plain_numpy_pinball_s": plain,
        "ratio_vs_plain_numpy": ours / plain,
        "one_numpy_pass_over_bounds_s": one_pass,
        "ratio_vs_one_numpy_pass": ours / one_pass,
    }
    try:
        import scoringrules as sr
    except ImportError:
        result["scoringrules_numba"] = "not installed"
        return result
    try:
        sr_value = sr.weighted_interval_score(y, m, lo, hi, alpha, backend="numba")
    except Exception as err:  # noqa: BLE001 - e.g. numba missing: report, do not fail
        result["scoringrules_numba"] = f"unavailable: {err}"
        return result
    assert np.allclose(ours_value, sr_value, rtol=1e-10, atol=1e-12)
    numba = median_time(lambda: sr.weighted_interval_score(y, m, lo, hi, alpha, backend="numba"), 9)
    result.update(
        {
            "scoringrules_version": sr.__version__,
            "scoringrules_numba_s": numba,
            "ratio_vs_scoringrules_numba": ours / numba,
            "numpy_kernel_ratio_vs_scoringrules_numba": numpy_kernel / numba,
            "target_vs_scoringrules_numba": "<= 2",
            "meets_vs_scoringrules_numba": ours / numba <= 2,
        }
    )
    return result


def sklearn_corp(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    from sklearn.isotonic import IsotonicRegression

    cep = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(p, y)
    base = y.mean()
    score = np.mean((p - y) ** 2)
    s_cal = np.mean((cep - y) ** 2)
    unc = base * (1.0 - base)
    return float(score - s_cal), float(unc - s_cal), float(unc)


def bench_corp(rng: np.random.Generator) -> dict[str, Any]:
    y, p = binary_sample(10**6, rng)
    d = scoring.corp_decomposition(y, p)
    ref = sklearn_corp(y, p)
    assert np.allclose((d.mcb, d.dsc, d.unc), ref, atol=1e-12)
    ours = median_time(lambda: scoring.corp_decomposition(y, p), 5)
    sk = median_time(lambda: sklearn_corp(y, p), 5)
    pr = np.round(p, 2)
    ours_grid = median_time(lambda: scoring.corp_decomposition(y, pr), 5)
    sk_grid = median_time(lambda: sklearn_corp(y, pr), 5)
    return {
        "n": 10**6,
        "ours_s": ours,
        "sklearn_isotonic_s": sk,
        "ratio_vs_sklearn": ours / sk,
        "target_vs_sklearn": "<= 0.7",
        "meets_vs_sklearn": ours / sk <= 0.7,
        "grid_0.01_ratio_vs_sklearn": ours_grid / sk_grid,
    }


def import_seconds(module: str, repeats: int = 9) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=_ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_import() -> dict[str, Any]:
    import_seconds("numpy", 2)  # warm the file cache
    numpy_ = import_seconds("numpy")
    ours = import_seconds("scoring")
    return {
        "python_c_import_numpy_s": numpy_,
        "python_c_import_scoring_s": ours,
        "ratio": ours / numpy_,
        "target": "<= 1.5",
        "meets": ours / numpy_ <= 1.5,
    }


def main() -> None:
    rng = np.random.default_rng(12345)
    results = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "brier_score_mean_1e7": bench_brier(rng),
        "crps_ensemble_1e5x50": bench_crps_ensemble(rng),
        "crps_ensemble_1e5x50_nan_omit_memory": bench_crps_ensemble_nan(rng),
        "weighted_interval_score_1e6x11": bench_wis(rng),
        "corp_decomposition_1e6": bench_corp(rng),
        "import": bench_import(),
    }
    checks = [v for k, v in _flatten(results) if k.startswith("meets")]
    results["all_targets_met"] = all(checks)
    print(json.dumps(results, indent=2))


def _flatten(d: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in d.items():
        if isinstance(value, dict):
            out.extend(_flatten(value))
        else:
            out.append((key, value))
    return out


if __name__ == "__main__":
    main()
