"""Utilities over the issue space: an actor's utility of a package, row-wise products, the red-line box test."""

from __future__ import annotations

import numpy as np

from sim.core.rows import all_along

# ---------------------------------------------------------------- utilities


def utility(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Utility of packages ``x`` (R, I): 1 minus the salience-weighted distance to the ideal.

    Weighted city-block (L1) loss over issues, the additive spatial utility of
    the expected-utility model of politics (Bueno de Mesquita; replicated by
    Scholz, Calbert and Smith 2011) and of KTAB. Saliences sum to one, so
    utility lies in [0, 1]: 1 at the ideal point, 0 at the far corner.
    ``ideal`` and ``salience`` are (I,), shared by all replications, or
    (R, I), one row per replication (drawn per replication, issue 12).
    """
    return 1.0 - row_dot(np.abs(x - ideal), salience)


def row_dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row sums of ``x`` (R, I) weighted by ``w``: (I,) shared by every row, or (R, I) one per row."""
    if np.ndim(w) < 2:
        return x @ w
    return np.einsum("ri,ri->r", x, w)


def inside(x: np.ndarray, low: np.ndarray, high: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """True where every issue of ``mask`` (R, I) in package ``x`` lies inside [low, high].

    Model spec, "Answers": a principal accepts only packages inside its red
    lines; red lines bind the terms a deal sets, i.e. the issues on the agenda.
    """
    ok = (x >= low - 1e-12) & (x <= high + 1e-12)
    return all_along(ok | ~mask)
