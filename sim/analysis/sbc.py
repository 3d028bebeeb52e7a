"""Simulation-based calibration of the history weighting, and a toy model to check the machinery on.

:func:`sbc_ranks` plays one vector of a simulated grid as the truth and asks
whether the weights recover it; :func:`toy_run` is a stand-in for
:func:`sim.analysis.calibrate.run_vectors` whose answers are known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from sim.analysis.weighting import kish_ess, likelihoods, log_weights, normalise, weighted_quantiles
from sim.core.params import OUTCOMES


def sbc_ranks(counts: np.ndarray, truth: int, synthetic: Sequence[int], per_vector: int, draws: Mapping[str, np.ndarray]):
    """One repetition of simulation-based calibration on a simulated grid.

    Vector ``truth`` of the grid plays the true parameters: its synthetic
    outcomes (``synthetic``, one per case, simulated apart from the grid) are
    the "history"; the other vectors are weighed by them. Returns, per
    parameter, the posterior CDF at the true value (uniform on [0, 1] over
    repetitions when the machinery is calibrated), whether the true value lies
    in the central 90% interval, and the posterior sd over the prior sd (how much it concentrated),
    and the ESS.
    """
    K = counts.shape[1]
    others = np.array([k for k in range(K) if k != truth])
    p = likelihoods(counts[:, others], synthetic, per_vector)
    w = normalise(log_weights(p))
    out = {}
    for name, x in draws.items():
        x = np.asarray(x, dtype=np.float64)
        xo, t = x[others], float(x[truth])
        if w.sum() <= 0:
            out[name] = (math.nan, False, math.nan)
            continue
        cdf = float(w[xo < t].sum() + 0.5 * w[xo == t].sum())
        lo, hi = weighted_quantiles(xo, w, [0.05, 0.95])
        mean = float(w @ xo)
        sd_post = math.sqrt(float(w @ (xo - mean) ** 2))
        sd_prior = float(np.std(xo))
        out[name] = (cdf, bool(lo <= t <= hi), sd_post / sd_prior if sd_prior > 0 else math.nan)
    return out, kish_ess(w)


def toy_probabilities(theta: np.ndarray, state: float) -> np.ndarray:
    """A toy model for checking the machinery: P(deal, escalation, stalemate) as a softmax of two parameters.

    ``theta`` (n, 2) on [0, 1]^2; a case's ``state`` in [0, 1] sets how much each
    parameter matters in it (deal rises with theta_0 in high-state cases,
    escalation with theta_1 in low-state ones).
    """
    theta = np.atleast_2d(theta)
    z = np.column_stack([6.0 * state * (theta[:, 0] - 0.5), 6.0 * (1.0 - state) * (theta[:, 1] - 0.5), np.zeros(len(theta))])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def toy_run(target, draws: Mapping[str, np.ndarray], lo: int, hi: int, per_vector: int, seed: int, block: int) -> np.ndarray:
    """:func:`run_vectors` for the toy model (the target's ``state`` from its name ``toy:<state>``): same uniforms
    for every vector of a target (common random numbers), outcomes by inverse CDF."""
    state = float(str(target.name).split(":", 1)[1])
    names = sorted(draws)[:2]
    theta = np.column_stack([np.asarray(draws[n])[lo:hi] for n in names])
    p = np.cumsum(toy_probabilities(theta, state), axis=1)
    u = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,))).random(per_vector)
    outcome = (u[None, :, None] >= p[:, None, :-1]).sum(axis=2)
    return np.stack([(outcome == j).sum(axis=1) for j in range(len(OUTCOMES))], axis=1).astype(np.int32)
