"""Reductions along the short second axis of (R, K) arrays, row by row, without NumPy's slow short inner loops.

NumPy reduces ``x.any(axis=1)``, ``np.argmax(x, axis=1)`` or ``np.cumsum(x,
axis=1)`` of an (R, K) array with an inner loop K long per row: for 100,000
replications over six issues that is 3 to 7 ms, where K passes down the columns
(each a long strided loop) take a third of it. These functions return exactly
what the NumPy call returns (the same booleans, indices and sums in the same
order); below :data:`ROWS` rows, where a call's fixed cost dominates, they
simply make it.
"""

from __future__ import annotations

import numpy as np

#: From this many rows the column loops are quicker than NumPy's own reduction.
ROWS = 2_000


def _columns(x: np.ndarray) -> bool:
    """Whether ``x`` is worth reducing column by column: 2-d, many rows, a few columns."""
    return x.ndim == 2 and x.shape[0] >= ROWS and 0 < x.shape[1] <= 64


def any_along(flags: np.ndarray) -> np.ndarray:
    """``flags.any(axis=-1)`` of boolean flags (R, K)."""
    flags = np.asarray(flags)
    if flags.dtype != bool:
        return flags.any(axis=-1)
    if not _columns(flags):
        return np.logical_or.reduce(flags, axis=-1)  # flags.any(axis=-1), without its Python layer
    out = flags[:, 0].copy()
    for j in range(1, flags.shape[1]):
        out |= flags[:, j]
    return out


def all_along(flags: np.ndarray) -> np.ndarray:
    """``flags.all(axis=-1)`` of boolean flags (R, K)."""
    flags = np.asarray(flags)
    if flags.dtype != bool:
        return flags.all(axis=-1)
    if not _columns(flags):
        return np.logical_and.reduce(flags, axis=-1)
    out = flags[:, 0].copy()
    for j in range(1, flags.shape[1]):
        out &= flags[:, j]
    return out


def argmax_along(x: np.ndarray) -> np.ndarray:
    """``np.argmax(x, axis=1)`` of (R, K) numbers or flags: the first column of each row's largest value.

    A NaN counts as the largest value for NumPy, so an array with any NaN is left to NumPy.
    """
    x = np.asarray(x)
    if not _columns(x) or (x.dtype != bool and np.isnan(x).any()):
        return x.argmax(axis=1)
    best = np.zeros(x.shape[0], dtype=np.intp)
    top = x[:, 0].copy()
    for j in range(1, x.shape[1]):
        column = x[:, j]
        up = column > top  # strictly larger: the first of equal values is kept, as np.argmax does
        best[up] = j
        np.copyto(top, column, where=up)
    return best


def cumsum_along(x: np.ndarray) -> np.ndarray:
    """``np.cumsum(x, axis=1)`` of floats (R, K): the same sums, added left to right in the same order."""
    x = np.asarray(x)
    if x.dtype != np.float64 or not _columns(x):
        return x.cumsum(axis=1)
    out = np.empty_like(x)
    out[:, 0] = x[:, 0]
    for j in range(1, x.shape[1]):
        np.add(out[:, j - 1], x[:, j], out=out[:, j])
    return out
