"""The adaptive importance sampler of the history-weighted posterior: against a posterior known exactly (the toy
model on a grid), by simulation-based calibration, and the diagnostics that must say when weights are not to be trusted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis import calibrate as cal
from sim.analysis import importance as imp
from sim.core.params import OUTCOMES
from sim.core.uncertainty import parse_dist

SPECS = {"a": parse_dist("a", [0.0, 1.0]), "b": parse_dist("b", [0.0, 1.0])}


def toy_targets(states, actual):
    return [cal.Target(f"toy:{s}", None, OUTCOMES[a], {}, frozenset()) for s, a in zip(states, actual, strict=True)]


def toy_history(n_cases: int, truth: tuple[float, float], seed: int):
    rng = np.random.default_rng(seed)
    states = rng.random(n_cases)
    p = [cal.toy_probabilities(np.array([truth]), s)[0] for s in states]
    return states, [int(rng.choice(3, p=pc)) for pc in p]


def exact_posterior_mean(states, actual, n: int = 201) -> np.ndarray:
    """The posterior mean of (a, b) under the uniform prior, by quadrature on an n x n grid."""
    g = (np.arange(n) + 0.5) / n
    a, b = np.meshgrid(g, g, indexing="ij")
    theta = np.column_stack([a.ravel(), b.ravel()])
    logl = np.zeros(len(theta))
    for s, o in zip(states, actual, strict=True):
        logl += np.log(cal.toy_probabilities(theta, s)[:, o])
    w = np.exp(logl - logl.max())
    w /= w.sum()
    return w @ theta


def test_coordinates_round_trip_and_the_prior_is_standard_normal():
    specs = {
        "u": parse_dist("u", [2.0, 5.0]),
        "t": parse_dist("t", {"dist": "triangular", "low": 0.0, "mode": 0.2, "high": 1.0}),
    }
    draws = cal.prior_draws(specs, 4000, 0)
    z = imp.to_normal(specs, draws, list(specs))
    assert np.abs(z.mean(axis=0)).max() < 0.06 and np.abs(z.std(axis=0) - 1).max() < 0.06
    back = imp.from_normal(specs, z, list(specs))
    for p in specs:
        assert back[p] == pytest.approx(draws[p], abs=1e-5)
    far = imp.from_normal(specs, np.array([[-40.0, 40.0]]), list(specs))  # any z maps inside the ranges
    assert 2.0 <= far["u"][0] <= 2.001 and 0.999 <= far["t"][0] <= 1.0


def test_the_mixture_ratio_is_an_importance_ratio():
    """E_q[prior / q] = 1 for draws from the pooled stages, and a prior-only design has ratio 1 everywhere."""
    rng = np.random.default_rng(0)
    q = imp.Proposal((np.array([1.0, -0.5]),), (np.diag([0.3, 0.5]),))
    z = np.vstack([rng.standard_normal((4000, 2)), q.sample(6000, rng)])
    r = np.exp(imp.mixture_log_ratio(z, [None, q], [4000, 6000]))
    assert r.mean() == pytest.approx(1.0, abs=0.03)
    assert imp.mixture_log_ratio(z[:10], [None], [10]) == pytest.approx(np.zeros(10))


def test_laplace_is_the_mode_of_a_one_dimensional_surrogate_posterior():
    coef = np.array([[0.3, 2.0]])  # P(actual | z) = sigmoid(0.3 + 2 z)
    mode, cov = imp.laplace(coef, [0])
    grid = np.linspace(-4, 4, 80001)
    logpost = -0.5 * grid**2 - np.logaddexp(0.0, -(0.3 + 2 * grid))
    assert mode[0] == pytest.approx(grid[np.argmax(logpost)], abs=1e-3)
    s = 1 / (1 + math.exp(-(0.3 + 2 * mode[0])))
    assert cov[0, 0] == pytest.approx(1 / (1 + 4 * s * (1 - s)))


def test_the_surrogate_recovers_a_logistic_likelihood():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((400, 3))
    truth = np.array([-0.5, 1.0, 0.0, -0.7])
    p = 1 / (1 + np.exp(-(truth[0] + z @ truth[1:])))
    hits = rng.binomial(200, p)[None, :]
    coef = imp.fit_surrogate(z, hits, 200, penalty=0.1)
    assert coef[0] == pytest.approx(truth, abs=0.1)


def test_adaptive_stages_reach_the_exact_posterior_with_a_far_larger_ess():
    """Thirty toy cases concentrate the likelihood: prior weights collapse, the adaptive stages do not, and both
    estimate the posterior known by quadrature (the adaptive one within a few of its own standard errors)."""
    states, actual = toy_history(30, (0.75, 0.3), seed=5)
    targets = toy_targets(states, actual)
    exact = exact_posterior_mean(states, actual)
    kw = dict(vectors=300, per_vector=100, seed=2, chunk=100, run=cal.toy_run)
    flat = cal.calibrate(targets, SPECS, stages=1, **kw)
    staged = cal.calibrate(targets, SPECS, stages=3, **kw)
    assert staged.stage.tolist() == [0] * 120 + [1] * 90 + [2] * 90
    assert staged.ess > 3 * flat.ess and staged.ess > cal.MIN_ESS
    assert staged.khat <= imp.MAX_KHAT
    w = staged.weights
    theta = np.column_stack([staged.draws["a"], staged.draws["b"]])
    mean = w @ theta
    sd = np.sqrt(w @ (theta - mean) ** 2)
    assert np.all(np.abs(mean - exact) < 4 * sd / math.sqrt(staged.ess) + 0.01)
    # leave-one-case-out posteriors are diagnosed one by one
    table = staged.loco()
    assert table["khat"].notna().all() and (table["ess"] > cal.MIN_ESS).all()


def test_simulation_based_calibration_of_the_adaptive_sampler():
    """Truth drawn from the prior, outcomes simulated from it, calibrated in three stages: the truth's posterior
    rank is uniform and the central 90% intervals cover it about 90% of the time."""
    rng = np.random.default_rng(7)
    ranks, covered = [], []
    for rep in range(40):
        truth = tuple(rng.random(2))
        states, actual = toy_history(20, truth, seed=100 + rep)
        grid = cal.calibrate(
            toy_targets(states, actual), SPECS, vectors=200, per_vector=60, seed=rep, stages=3, chunk=200, run=cal.toy_run
        )
        w = grid.weights
        for name, t in zip(("a", "b"), truth, strict=True):
            x = grid.draws[name]
            ranks.append(float(w[x < t].sum()))
            lo, hi = cal.weighted_quantiles(x, w, [0.05, 0.95])
            covered.append(lo <= t <= hi)
    assert 0.8 <= np.mean(covered) <= 0.98  # 80 intervals
    assert 0.38 < np.mean(ranks) < 0.62
    assert np.histogram(ranks, bins=4, range=(0, 1))[0].min() >= 8  # no empty quarter: not over- or under-confident


def test_pareto_khat_tells_heavy_from_light_tailed_weights():
    rng = np.random.default_rng(3)
    assert imp.pareto_khat(0.5 * rng.standard_normal(2000)) < 0.5
    assert imp.pareto_khat(4.0 * rng.standard_normal(2000)) > imp.MAX_KHAT
    assert math.isnan(imp.pareto_khat(np.array([0.0] * 5 + [-np.inf] * 100)))  # too few positive weights to judge


def test_likelihood_noise_is_the_relative_variance_of_the_product():
    p = np.array([[0.5, 0.1], [0.2, 1.0]])
    noise = imp.likelihood_noise(p, 100, np.array([1.0, 0.0]))
    assert noise == pytest.approx((1 + 0.5 / 50) * (1 + 0.8 / 20) - 1)


def test_the_trust_verdict_fails_on_a_small_ess_a_heavy_tail_or_a_noisy_likelihood():
    from sim.cli.calibrate_report import trust_problems

    assert trust_problems(100.0, 0.3, 0.2) == []
    assert trust_problems(10.8, 0.3, 0.2) == ["ESS 10.8 below 30"]
    assert trust_problems(100.0, 0.9, 0.2) == ["Pareto k-hat 0.90 above 0.7"]
    assert trust_problems(100.0, math.nan, 0.2) == ["Pareto k-hat not estimable"]
    assert "raise --per-vector" in trust_problems(100.0, 0.3, 1.5)[0]


def test_khat_is_nan_when_the_tail_is_too_short_to_fit():
    """A handful of vectors (a help example's size) leaves PSIS fewer than five tail draws: NaN, not an error."""
    from sim.analysis.importance import pareto_khat

    assert math.isnan(pareto_khat(np.linspace(-3.0, 0.0, 12)))
    assert not math.isnan(pareto_khat(np.random.default_rng(0).normal(size=400)))


def test_the_prior_of_an_adaptive_calibration_is_its_first_stage_alone():
    """The later stages are drawn from proposals fitted to the cases: counted as prior draws they would move the
    'prior' odds and means toward the posterior (seen: the baseline's prior P(deal) read 30.9% at 500 vectors and
    47.6% at 1,000 before this rule, for the same ranges)."""
    states, actual = toy_history(30, (0.75, 0.3), seed=5)
    staged = cal.calibrate(
        toy_targets(states, actual), SPECS, stages=3, vectors=300, per_vector=100, seed=2, chunk=100, run=cal.toy_run
    )
    first = staged.stage == 0
    assert np.allclose(staged.prior_weights[first], 1 / first.sum()) and not staged.prior_weights[~first].any()
    odds = staged.target_odds(staged.cases[0])["prior"]
    p = staged.counts[0][first] / staged.counts[0][first].sum(axis=1, keepdims=True)
    assert odds["deal"]["p"] == pytest.approx(p[:, 0].mean())
    shifts = cal.parameter_shifts(staged.draws, staged.weights, SPECS, staged.prior_weights).set_index("parameter")
    assert shifts.loc["a", "prior_mean"] == pytest.approx(np.mean(staged.draws["a"][first]))
    # the later stages sit where the cases put the truth (a = 0.75): all draws together are pulled toward it
    assert abs(np.mean(staged.draws["a"]) - 0.75) < abs(shifts.loc["a", "prior_mean"] - 0.75)
