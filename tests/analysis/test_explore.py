"""The exploration's designs and analysis, on a synthetic model whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.explore import DUMMY, Design, Exploration, analyse, clustered_share, top_parameters
from sim.core.params import OUTCOMES
from sim.core.uncertainty import parse_dist


def _design(replications=60_000, vectors=300, per_vector=100):
    specs = {
        "a": parse_dist("a", [0.0, 1.0]),
        "b": parse_dist("b", {"dist": "triangular", "low": 0, "mode": 0.5, "high": 1}),
        "c": parse_dist("c", [2.0, 3.0]),
        "fixed": parse_dist("fixed", 0.4),
    }
    return Design(specs, seed=5, replications=replications, vectors=vectors, per_vector=per_vector)


def _synthetic(design: Design, block_size: int = 7000) -> Exploration:
    """P(deal) = 0.2 + 0.6 a, P(escalation) = 0.7 (1 - a) b, the rest stalemate; c has no effect."""
    xs, outs = [], []
    rng = np.random.default_rng(9)
    for b, start in enumerate(range(0, design.replications, block_size)):
        n = min(block_size, design.replications - start)
        d = design.block_draws(start, n, b)
        pd_ = 0.2 + 0.6 * d["a"]
        pe = 0.7 * (1 - d["a"]) * d["b"]
        u = rng.random(n)
        outs.append(np.where(u < pd_, 0, np.where(u < pd_ + pe, 1, 2)))
        xs.append(np.column_stack([d[p] for p in (*design.uncertain, DUMMY)]).astype(np.float32))
    outcome = np.concatenate(outs)
    return Exploration(
        None,
        design,
        block_size,
        np.concatenate(xs),
        [*design.uncertain, DUMMY],
        {"outcome": outcome, "cause": outcome},
        ("a", "b", "c"),
        1.0,
    )


def test_the_two_level_design_repeats_each_vector_for_its_replications():
    d = _design(replications=1000, vectors=5, per_vector=100)
    assert d.episodes == 500 and d.uncertain == ["a", "b", "c"]
    draws = {k: v for k, v in d.block_draws(400, 300, 1).items()}  # 100 episode-design rows, then vectors 0 and 1
    table = d.vector_draws()
    for p in ("a", "b", DUMMY):
        assert len(np.unique(draws[p][:100])) == 100
        np.testing.assert_array_equal(draws[p][100:200], np.full(100, table[p][0]))
        np.testing.assert_array_equal(draws[p][200:], np.full(100, table[p][1]))
    np.testing.assert_array_equal(draws["fixed"], 0.4)
    again = d.block_draws(400, 300, 1)
    for p in draws:
        np.testing.assert_array_equal(draws[p], again[p])


def test_the_analysis_recovers_a_known_model():
    design = _design()
    ex = _synthetic(design)
    an = analyse(ex, rbd_n=30_000)
    # Marginal: E[P(deal)] = 0.5; E[P(escalation)] = 0.7 E[1 - a] E[b] = 0.175.
    for o, truth in (("deal", 0.5), ("escalation", 0.175)):
        p, h = an.marginal[o]
        assert abs(p - truth) < 2.5 * h / 1.96 and h < 0.02
    # S1 of a on deal: Var(0.6 a) / (0.25) = 0.36 / 12 / 0.25 = 0.12; b has none on deal; c none at all.
    idx = an.indices.set_index(["parameter", "outcome"])
    assert idx.loc[("a", "deal"), "s1"] == pytest.approx(0.12, abs=0.01)
    assert idx.loc[("a", "deal"), "rbd_fast"] == pytest.approx(0.12, abs=0.02)
    for name in ("c", DUMMY):
        for o in OUTCOMES:
            assert idx.loc[(name, o), "s1"] < an.noise_floor[o]
    assert top_parameters(an.indices, "deal", 1)["parameter"].item() == "a"
    assert "fixed" not in set(an.indices["parameter"])
    # The spread of P(deal | theta) = 0.2 + 0.6 a over a ~ U(0, 1): 5th/95th percentiles 0.23/0.77, widened by noise.
    s = an.spread["deal"]
    assert 0.17 < s["p5"] < 0.29 and 0.71 < s["p95"] < 0.83
    assert s["sd_between"] == pytest.approx(0.6 / np.sqrt(12), abs=0.02)
    # PRIM: deal beats escalation where 0.2 + 0.6 a > 0.7 (1 - a) b, mostly at larger a.
    boxes = an.boxes[an.boxes["target"] == "deal more likely than escalation"]
    assert boxes["chosen"].sum() == 1
    chosen = boxes[boxes["chosen"]].iloc[0]
    assert chosen["limits"].startswith("a in [") and "c in" not in chosen["limits"] and chosen["density"] > 0.9


def test_clustered_interval_widens_for_clustered_episodes():
    rng = np.random.default_rng(0)
    iid = (rng.random(20_000) < 0.5).astype(float)
    theta = np.repeat(rng.uniform(0.1, 0.9, 100), 100)  # 100 vectors of 100 replications
    clustered = (rng.random(10_000) < theta).astype(float)
    hits = np.concatenate([iid, clustered])
    p, h = clustered_share(hits, 20_000, 100)
    _, h_naive = clustered_share(hits, len(hits), 1)
    assert p == pytest.approx(hits.mean()) and h > 1.3 * h_naive
