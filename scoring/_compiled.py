"""Optional compiled kernels, used for large inputs when numba is installed.

numba is not a dependency: without it every rule runs its numpy kernel. With it, the
weighted interval score of a large batch runs as one fused pass over the bounds (numpy
needs several passes, one per elementwise step), which is what the compiled backends of
peers such as scoringrules do. Compilation happens on the first large call and is cached
on disk, so small inputs never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["COMPILED_MIN_ELEMENTS", "wis_kernel"]

#: Below this many bounds the numpy kernel is fast enough that compiling would not pay.
COMPILED_MIN_ELEMENTS = 1 << 20

_F64 = NDArray[np.float64]
#: (outcome, median, lower, upper, half alphas, dispersion, over, under, score, K + 1/2)
WisKernel = Callable[[_F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, float], bool]


@cache
def wis_kernel() -> WisKernel | None:
    """The compiled WIS kernel, or None when numba is not installed."""
    try:
        import numba
    except ImportError:
        return None
    compiled: Any = numba.njit(cache=True, nogil=True)(_wis_loop)
    return compiled  # type: ignore[no-any-return]


def _wis_loop(
    y: NDArray[np.float64],
    m: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    half: NDArray[np.float64],
    dispersion: NDArray[np.float64],
    over: NDArray[np.float64],
    under: NDArray[np.float64],
    score: NDArray[np.float64],
    norm: float,
) -> bool:
    """WIS and its parts per row; True when some row may cross or is not finite.

    ``dispersion = sum_k a_k/2 (u_k - l_k)``, ``over = sum_k (l_k - y)^+ + (m - y)^+ / 2``,
    ``under = sum_k (y - u_k)^+ + (y - m)^+ / 2``, each divided by ``norm`` (K + 1/2).
    Every difference is taken between two inputs (never against a running total), so a
    large common offset costs no precision.
    """
    n, k = lo.shape
    crossed = False
    for i in range(n):
        yi = y[i]
        mi = m[i]
        disp = 0.0
        below = 0.0
        above = 0.0
        for j in range(k):
            low = lo[i, j]
            high = hi[i, j]
            if not (low <= mi and mi <= high):  # also true for NaN
                crossed = True
            disp += half[j] * (high - low)
            if low > yi or low != low:  # NaN bounds propagate, as in the numpy kernel
                below += low - yi
            if yi > high or high != high:
                above += yi - high
        d = mi - yi
        if d > 0.0:
            below += 0.5 * d
        elif d < 0.0:
            above -= 0.5 * d
        elif d != d:  # NaN outcome or median: the row's score is undefined
            below = above = d
            if mi != mi:
                disp = mi
            crossed = True
        total = (disp + below + above) / norm
        if not (abs(total) < np.inf):  # inf or NaN: the caller reports it
            crossed = True
        dispersion[i] = disp / norm
        over[i] = below / norm
        under[i] = above / norm
        score[i] = total
    return crossed
