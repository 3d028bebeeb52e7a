"""The given-data first-order estimator on models whose indices are known by hand; cross-checks; PRIM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import gsa
from sim.core.uncertainty import parse_dist, sample, stream

N = 100_000


def _design(n: int, seed: int):
    specs = {
        "x1": parse_dist("x1", {"dist": "beta", "alpha": 2, "beta": 2, "low": 0, "high": 1}),
        "x2": parse_dist("x2", [0, 1]),
        "dummy": parse_dist("dummy", {"dist": "triangular", "low": 0, "mode": 0.2, "high": 1}),
        "dummy2": parse_dist("dummy2", {"dist": "truncnormal", "mean": 0.5, "sd": 0.2, "low": 0, "high": 1}),
    }
    d = sample(specs, n, stream(seed))
    x = np.column_stack([d[k] for k in specs]).astype(np.float32)
    return specs, x, [gsa.binner(s) for s in specs.values()]


def test_bernoulli_model_indices_are_recovered_within_a_hundredth():
    # Y ~ Bernoulli(0.05 + 0.6 X1 + 0.35 X2^2), X1 ~ Beta(2, 2), X2 ~ U(0, 1):
    # Var(E[Y|X1]) = 0.36 Var(X1) = 0.36 / 20; Var(E[Y|X2]) = 0.35^2 Var(X2^2) = 0.35^2 (1/5 - 1/9).
    _, x, binners = _design(N, 11)
    p = 0.05 + 0.6 * x[:, 0].astype(np.float64) + 0.35 * x[:, 1].astype(np.float64) ** 2
    y = (np.random.default_rng(12).random(N) < p).astype(np.int64)
    mean = 0.05 + 0.3 + 0.35 / 3
    var_y = mean * (1 - mean)
    truth = np.array([0.36 / 20, 0.35**2 * (1 / 5 - 1 / 9), 0.0, 0.0]) / var_y
    for kwargs, target in (({"n_outcomes": 2}, y), ({}, y.astype(float))):  # the code path and the float path
        fo = gsa.first_order(x, target, binners=binners, **kwargs)
        s1 = fo.s1[:, -1]  # the indicator of y == 1 (or y itself)
        np.testing.assert_allclose(s1, truth, atol=0.01)
        assert s1[2] < fo.floor[-1] and s1[3] < fo.floor[-1]
        assert truth[0] - s1[0] < 0.004 and truth[1] - s1[1] < 0.004  # the binning loses almost nothing


def test_continuous_model_indices_are_recovered_within_a_hundredth():
    # Y = X1 + 2 X2^2 + N(0, 0.5^2): Var = 1/20 + 4 (4/45) + 0.25.
    _, x, binners = _design(N, 21)
    y = x[:, 0] + 2 * x[:, 1].astype(np.float64) ** 2 + np.random.default_rng(22).normal(0, 0.5, N)
    var_y = 1 / 20 + 16 / 45 + 0.25
    fo = gsa.first_order(x, y, binners=binners)
    np.testing.assert_allclose(fo.s1[:, 0], [1 / 20 / var_y, 16 / 45 / var_y, 0, 0], atol=0.01)
    assert max(fo.s1[2, 0], fo.s1[3, 0]) < fo.floor[0]
    # Without the known distributions (rank bins) the answer is the same.
    np.testing.assert_allclose(gsa.first_order(x, y).s1[:, 0], fo.s1[:, 0], atol=0.005)


def test_noise_correction_removes_the_bias_of_pure_noise():
    # 40 parameters with no effect, few draws: the raw between-bin share is about (B-1)/N, the corrected one about 0.
    rng = np.random.default_rng(3)
    n = 5_000
    x = rng.random((n, 40))
    y = rng.integers(0, 3, n)
    fo = gsa.first_order(x, y, n_outcomes=3, bins=10)
    assert abs(np.mean(fo.raw) - 9 / n) < 3e-4
    assert abs(np.mean(fo.s1)) < 3e-4
    share_above = np.mean(fo.s1 > fo.floor)
    assert share_above < 0.02  # a family-wise bound: each exceeds it with probability 0.05/40


def test_a_point_valued_parameter_has_no_index():
    x = np.column_stack([np.full(1000, 0.3), np.linspace(0, 1, 1000)])
    binners = [gsa.binner(parse_dist("a", 0.3)), gsa.binner(parse_dist("b", [0, 1]))]
    fo = gsa.first_order(x, (x[:, 1] > 0.5).astype(int), binners=binners, n_outcomes=2)
    assert np.isnan(fo.s1[0]).all() and fo.s1[1, 1] > 0.9


def test_rbd_fast_is_salibs():
    from SALib.analyze import rbd_fast

    rng = np.random.default_rng(5)
    x = rng.random((4000, 3))
    y = x[:, 0] + 0.5 * x[:, 1] ** 2 + rng.normal(0, 0.1, 4000)
    ours = gsa.rbd_fast(x, y)[:, 0]
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    theirs = rbd_fast.analyze(problem, x, y, M=10, num_resamples=2, seed=1)["S1"]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_rbd_fast_agrees_with_the_binning_estimator():
    _, x, binners = _design(N, 31)
    p = 0.05 + 0.6 * x[:, 0].astype(np.float64) + 0.35 * x[:, 1].astype(np.float64) ** 2
    y = (np.random.default_rng(32).random(N) < p).astype(float)
    np.testing.assert_allclose(gsa.rbd_fast(x, y)[:, 0], gsa.first_order(x, y, binners=binners).s1[:, 0], atol=0.01)


def test_spread_of_a_two_level_design():
    # P(deal | theta) = theta ~ U(0.2, 0.6): Var = 0.4^2 / 12; percentiles 0.22, 0.40, 0.58.
    rng = np.random.default_rng(8)
    k, m = 4000, 200
    theta = rng.uniform(0.2, 0.6, k)
    deal = rng.random((k, m)) < theta[:, None]
    codes = np.where(deal, 0, 1).ravel()
    s = gsa.spread(codes, m, 3)
    assert abs(s.var_between[0] - 0.16 / 12) < 0.0008
    total = 0.4 * 0.6
    assert abs(s.share[0] - 0.16 / 12 / total) < 0.004
    np.testing.assert_allclose(s.percentiles["p50"][0], 0.40, atol=0.01)
    assert s.percentiles["p5"][0] < 0.24 and s.percentiles["p95"][0] > 0.56  # widened a little by binomial noise
    assert s.var_between[2] == 0  # no stalemates at all


def test_prim_finds_the_box_in_parameter_units():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"a": rng.uniform(0, 10, 3000), "b": rng.uniform(-1, 1, 3000), "c": rng.uniform(0, 1, 3000)})
    y = ((x["a"] > 7) & (x["b"] < 0)).to_numpy()
    frame, chosen = gsa.prim(x, y)
    best = frame.loc[chosen]
    assert best["density"] > 0.9 and best["coverage"] > 0.8
    limits = gsa.box_limits(x, best["limits"])
    assert set(limits) == {"a", "b"}
    assert abs(limits["a"][0] - 7) < 0.3 and abs(limits["b"][1]) < 0.1
    assert frame["chosen"].sum() == 1 and (frame["coverage"].diff().dropna() <= 1e-12).all()


def test_prim_with_nothing_of_interest_is_empty():
    frame, chosen = gsa.prim(pd.DataFrame({"a": np.arange(10.0)}), np.zeros(10))
    assert frame.empty and chosen == -1


def test_feature_scores_rank_the_driver_first():
    rng = np.random.default_rng(6)
    x = pd.DataFrame(rng.random((1500, 4)), columns=list("abcd"))
    y = 3 * x["b"] + x["a"] * x["c"] + rng.normal(0, 0.05, 1500)
    scores = gsa.feature_scores(x, y.to_numpy(), trees=50)
    assert scores.idxmax() == "b" and scores["d"] < 0.1
    assert scores.sum() == pytest.approx(1.0)


def test_the_standard_error_matches_the_spread_of_repeated_estimates():
    rng = np.random.default_rng(2)
    n = 20_000
    specs = [parse_dist("a", [0, 1]), parse_dist("b", [0, 1])]
    binners = [gsa.binner(d) for d in specs]
    estimates, ses = [], []
    for _ in range(60):
        x = rng.random((n, 2))
        y = (rng.random(n) < 0.2 + 0.5 * x[:, 0]).astype(np.int64)  # S1 of a: 0.25/12 / (0.45 * 0.55) = 0.084
        fo = gsa.first_order(x, y, binners=binners, n_outcomes=2, bins=20)
        estimates.append(fo.s1[:, 1])
        ses.append(fo.se[:, 1])
    spread, se = np.std(estimates, axis=0, ddof=1), np.mean(ses, axis=0)
    np.testing.assert_allclose(se, spread, rtol=0.3)
    assert abs(np.mean(estimates, axis=0)[0] - 0.25 / 12 / (0.45 * 0.55)) < 3 * spread[0] / np.sqrt(60) + 0.002
