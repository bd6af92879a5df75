"""Input validation shared by every scoring rule.

Each check is written so that valid input costs as little as possible: one
``min``/``max`` pass decides whether anything is wrong, and the (slower) search
for the first offending element only runs when an error is about to be raised.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

NanPolicy = Literal["raise", "omit"]

#: Absolute tolerance on the sum of a categorical forecast's probabilities.
ROW_SUM_TOLERANCE = 1e-6


class ScoringInputError(ValueError):
    """Invalid input to a scoring function.

    The message names the rule, the argument, the violated constraint and, when
    the problem is in the values, the first offending index and value. The same
    facts are available as attributes for programmatic use.
    """

    def __init__(
        self,
        rule: str,
        argument: str,
        problem: str,
        index: tuple[int, ...] | int | None = None,
        value: Any = None,
    ) -> None:
        self.rule = rule
        self.argument = argument
        self.problem = problem
        self.index = index
        self.value = value
        message = f"{rule}: argument '{argument}' {problem}"
        if index is not None:
            message += f"; first offending value {value!r} at index {index}"
        super().__init__(message)


def _first(mask: NDArray[np.bool_], values: NDArray[Any]) -> tuple[Any, Any]:
    flat = int(np.argmax(mask.ravel()))
    if mask.ndim <= 1:
        index: Any = flat
    else:
        index = tuple(int(i) for i in np.unravel_index(flat, mask.shape))
    value = values.ravel()[flat]
    return index, value.item() if hasattr(value, "item") else value


def fail(
    rule: str, argument: str, problem: str, values: NDArray[Any], mask: NDArray[np.bool_]
) -> ScoringInputError:
    """Build the error for the first ``True`` of ``mask`` (a mask shaped like ``values``)."""
    index, value = _first(mask, values)
    return ScoringInputError(rule, argument, problem, index, value)


def check_nan_policy(nan_policy: str, rule: str) -> bool:
    """Return True when NaN is allowed (``"omit"``), False for ``"raise"``."""
    if nan_policy == "raise":
        return False
    if nan_policy == "omit":
        return True
    raise ScoringInputError(rule, "nan_policy", f"must be 'raise' or 'omit', not {nan_policy!r}")


def as_numeric(x: npt.ArrayLike, argument: str, rule: str) -> NDArray[Any]:
    """``np.asarray`` that refuses strings, objects and complex numbers."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ScoringInputError(rule, argument, f"must be numeric, got dtype {arr.dtype}")
    return arr


def as_float(x: npt.ArrayLike, argument: str, rule: str) -> NDArray[np.float64]:
    """Numeric input as a float64 array (no copy when it already is one)."""
    return as_numeric(x, argument, rule).astype(np.float64, copy=False)


NAN_PROBLEM = "is NaN (pass nan_policy='omit' to leave such items unscored)"


def check_probability(p: NDArray[np.float64], argument: str, rule: str, allow_nan: bool) -> None:
    """Every element in [0, 1] (NaN allowed only when ``allow_nan``)."""
    if p.size == 0:
        return
    lo, hi = np.min(p), np.max(p)
    if lo >= 0.0 and hi <= 1.0:  # False when NaN is present
        return
    nan = np.isnan(p)
    if not allow_nan and nan.any():
        raise fail(rule, argument, NAN_PROBLEM, p, nan)
    with np.errstate(invalid="ignore"):
        bad = (p < 0.0) | (p > 1.0)
    if bad.any():
        raise fail(rule, argument, "must be a probability in [0, 1]", p, bad)


def check_binary_outcome(y: NDArray[Any], argument: str, rule: str, allow_nan: bool) -> None:
    """Every element is 0 or 1 (or False/True; NaN allowed only when ``allow_nan``)."""
    kind = y.dtype.kind
    if kind == "b" or y.size == 0:
        return
    # Two cheap counting passes (NaN fails both comparisons), no min/max needed.
    if np.count_nonzero(y == 0) + np.count_nonzero(y == 1) == y.size:
        return
    if kind == "f":
        nan = np.isnan(y)
        if not allow_nan and nan.any():
            raise fail(rule, argument, NAN_PROBLEM, y, nan)
        bad = ~((y == 0) | (y == 1) | nan)
    else:
        bad = (y != 0) & (y != 1)
    if bad.any():
        raise fail(rule, argument, "must be a binary outcome (0 or 1)", y, bad)


def check_category_outcome(
    y: NDArray[Any], n_categories: int, argument: str, rule: str, allow_nan: bool
) -> None:
    """Every element is an integer category index in ``0 .. n_categories - 1``."""
    if y.size == 0:
        return
    kind = y.dtype.kind
    if kind == "b":
        if n_categories >= 2:
            return
        bad = y != 0
    else:
        lo, hi = np.min(y), np.max(y)
        ok_range = lo >= 0 and hi <= n_categories - 1
        if ok_range and (kind in "iu" or np.array_equal(y, np.floor(y))):
            return
        if kind == "f":
            nan = np.isnan(y)
            if not allow_nan and nan.any():
                raise fail(rule, argument, NAN_PROBLEM, y, nan)
            with np.errstate(invalid="ignore"):
                bad = ~(nan | ((y >= 0) & (y <= n_categories - 1) & (y == np.floor(y))))
        else:
            bad = (y < 0) | (y > n_categories - 1)
    if bad.any():
        problem = f"must be a category index in 0..{n_categories - 1}"
        raise fail(rule, argument, problem, y, bad)


def check_rows_sum_to_one(f: NDArray[np.float64], argument: str, rule: str) -> None:
    """Each row (last axis) sums to 1 within :data:`ROW_SUM_TOLERANCE` (NaN rows skipped)."""
    if f.size == 0:
        return
    dev = np.abs(f.sum(axis=-1) - 1.0)
    if np.max(dev) <= ROW_SUM_TOLERANCE:
        return
    with np.errstate(invalid="ignore"):
        bad = dev > ROW_SUM_TOLERANCE
    if not bad.any():  # only NaN rows, which nan_policy has already allowed
        return
    index, _ = _first(bad, dev)
    row = f.reshape(-1, f.shape[-1])[int(np.argmax(bad.ravel()))]
    problem = f"must have rows summing to 1 (within {ROW_SUM_TOLERANCE:g})"
    raise ScoringInputError(rule, argument, problem, index, row.tolist())


def check_finite(x: NDArray[np.float64], argument: str, rule: str, allow_nan: bool) -> None:
    """No infinities; NaN only when ``allow_nan``."""
    if x.size == 0:
        return
    if np.isfinite(np.min(x)) and np.isfinite(np.max(x)):
        return
    nan = np.isnan(x)
    if not allow_nan and nan.any():
        raise fail(rule, argument, NAN_PROBLEM, x, nan)
    inf = np.isinf(x)
    if inf.any():
        raise fail(rule, argument, "must be finite", x, inf)


def check_positive(x: NDArray[np.float64], argument: str, rule: str, allow_nan: bool) -> None:
    """Strictly positive and finite (NaN only when ``allow_nan``)."""
    check_finite(x, argument, rule, allow_nan)
    if x.size == 0 or np.min(x) > 0:
        return
    with np.errstate(invalid="ignore"):
        bad = x <= 0
    if bad.any():
        raise fail(rule, argument, "must be > 0", x, bad)


def check_open_unit(x: NDArray[np.float64], argument: str, rule: str) -> None:
    """Every element strictly inside (0, 1) (no NaN)."""
    if x.size == 0:
        return
    lo, hi = np.min(x), np.max(x)
    if lo > 0.0 and hi < 1.0:
        return
    bad = ~((x > 0.0) & (x < 1.0))
    raise fail(rule, argument, "must lie strictly between 0 and 1", x, bad)


def check_not_greater(
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    lower_name: str,
    upper_name: str,
    rule: str,
) -> None:
    """``lower <= upper`` elementwise (NaN pairs are skipped)."""
    with np.errstate(invalid="ignore"):
        bad = lower > upper
    if bad.any():
        raise fail(rule, lower_name, f"must not exceed '{upper_name}'", lower, bad)


def check_shapes(rule: str, target: tuple[int, ...], **arrays: NDArray[Any]) -> None:
    """Each array has shape ``target`` or is a scalar (0-d)."""
    for name, arr in arrays.items():
        if arr.ndim and arr.shape != target:
            raise ScoringInputError(
                rule, name, f"has shape {arr.shape}, expected {target} (or a scalar)"
            )


def check_same_shape(rule: str, **arrays: NDArray[Any]) -> tuple[int, ...]:
    """All arrays share one shape, except scalars (0-d) which broadcast; return that shape."""
    shape: tuple[int, ...] = ()
    for arr in arrays.values():
        if arr.ndim:
            shape = arr.shape
            break
    check_shapes(rule, shape, **arrays)
    return shape


def check_nonempty(n: int, argument: str, rule: str) -> None:
    """Aggregates need at least one item."""
    if n == 0:
        raise ScoringInputError(rule, argument, "must contain at least one (non-NaN) item")


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from a seed, a Generator (used as is) or None (fresh entropy)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
