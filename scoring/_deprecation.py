"""Keeping the 0.1 calling conventions working, with a DeprecationWarning, for one release.

0.2 made every function follow one convention (outcome first, then the forecast's
operands with the levels before the values, options keyword-only; see
``scoring/__init__.py``). The wrappers here accept the 0.1 forms, warn, and call the
function the new way. They will be removed in 0.3.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import numpy as np

P = ParamSpec("P")
R = TypeVar("R")

REMOVAL = "scoring 0.3"


def warn(func_name: str, what: str, instead: str, stacklevel: int = 4) -> None:
    """Issue the DeprecationWarning for a 0.1 calling form, pointing at the caller."""
    warnings.warn(
        f"{func_name}: {what} is deprecated and stops working in {REMOVAL}; {instead}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def options_by_keyword(
    n_operands: int, options: tuple[str, ...]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Accept ``options`` given positionally after the ``n_operands`` operands (0.1 style)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            if len(args) > n_operands:
                extra = args[n_operands:]
                if len(extra) > len(options):
                    raise TypeError(
                        f"{func.__name__}() takes {n_operands} positional arguments "
                        f"but {len(args)} were given"
                    )
                names = options[: len(extra)]
                for name, value in zip(names, extra, strict=True):
                    if name in kwargs:
                        raise TypeError(f"{func.__name__}() got multiple values for {name!r}")
                    kwargs[name] = value
                listed = ", ".join(f"{n}=" for n in names)
                warn(func.__name__, f"passing {listed} positionally", f"write {listed}...", 3)
                args = args[:n_operands]
            return func(*args, **kwargs)

        return cast(Callable[P, R], wrapper)

    return decorate


def reorder(
    adapt: Callable[[str, tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let ``adapt(name, args, kwargs)`` rewrite a 0.1-style call (and warn) before the call."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            args, kwargs = adapt(func.__name__, args, kwargs)
            return func(*args, **kwargs)

        return cast(Callable[P, R], wrapper)

    return decorate


def _is_alpha(x: Any) -> bool:
    """Could ``x`` be an interval's alpha (numbers strictly inside (0, 1))?"""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return bool(a.size) and bool(np.all((a > 0.0) & (a < 1.0)))


def _ordered(lower: Any, upper: Any) -> bool:
    try:
        with np.errstate(invalid="ignore"):
            return bool(np.all(np.asarray(lower, np.float64) <= np.asarray(upper, np.float64)))
    except (TypeError, ValueError):
        return False


def interval_args(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """0.1: ``(outcome, lower, upper, alpha)``; 0.2: ``(outcome, alpha, lower, upper)``."""
    if "alpha" in kwargs and len(args) > 1:  # (outcome, lower[, upper], alpha=...)
        warn(name, "passing lower/upper before alpha", "write (outcome, alpha, lower, upper)")
        return args[:1], dict(zip(("lower", "upper"), args[1:], strict=False)) | kwargs
    if len(args) != 4:
        return args, kwargs
    y, a, b, c = args
    alpha_new, alpha_old = _is_alpha(a), _is_alpha(c)
    if alpha_new and alpha_old:  # decide by which reading has lower <= upper
        alpha_new, alpha_old = _ordered(b, c), _ordered(a, b)
        if alpha_new and alpha_old:
            warn(
                name,
                "a positional call that also reads as the 0.1 order (outcome, lower, upper, alpha)",
                "it was read as (outcome, alpha, lower, upper); pass alpha=, lower=, upper= "
                "by keyword to silence this",
            )
    if alpha_old and not alpha_new:
        instead = "write (outcome, alpha, lower, upper)"
        warn(name, "the order (outcome, lower, upper, alpha)", instead)
        return (y, c, a, b), kwargs
    return args, kwargs


def wis_args(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """0.1: ``(outcome, median, lower, upper, alphas)``; 0.2: ``(outcome, alpha, median, ...)``."""
    if "alphas" in kwargs:
        kwargs = dict(kwargs)
        kwargs["alpha"] = kwargs.pop("alphas")
        warn(name, "the keyword 'alphas'", "use 'alpha' (first after outcome)")
        if len(args) > 1:  # (outcome, median, lower, upper, alphas=...)
            return args[:1], dict(
                zip(("median", "lower", "upper"), args[1:], strict=False)
            ) | kwargs
        return args, kwargs
    if len(args) == 5 and np.ndim(args[2]) == np.ndim(args[0]) + 1:
        # the third argument has the extra K axis: it is 0.1's `lower`, not 0.2's `median`
        y, median, lower, upper, alpha = args
        warn(
            name,
            "the order (outcome, median, lower, upper, alphas)",
            "write (outcome, alpha, median, lower, upper)",
        )
        return (y, alpha, median, lower, upper), kwargs
    return args, kwargs


def time_weighted_args(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """0.1: ``(times, forecasts, outcome)``; 0.2: ``(outcome, times, forecasts)``."""
    instead = "write (outcome, times, forecasts)"
    if "outcome" in kwargs and args:  # (times, forecasts, outcome=...)
        warn(name, "passing times/forecasts before outcome", instead)
        return (), dict(zip(("times", "forecasts"), args, strict=False)) | kwargs
    if len(args) == 3 and np.ndim(args[0]) == 1 and np.ndim(args[2]) == 0:
        # times are always 1-d and the outcome of one question is a scalar
        warn(name, "the order (times, forecasts, outcome)", instead)
        return (args[2], args[0], args[1]), kwargs
    return args, kwargs
