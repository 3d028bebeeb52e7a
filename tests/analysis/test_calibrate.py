"""History-weighted calibration: likelihood, weights, ESS and leave-one-case-out on hand-computed examples;
determinism and resumption of the grid; simulation-based calibration on a toy model; the command end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import calibrate as cal
from sim.core.params import OUTCOMES
from sim.core.uncertainty import parse_dist

# Two cases (actual deal, actual stalemate) under three vectors, four replications each.
COUNTS = np.array(
    [
        [[2, 1, 1], [4, 0, 0], [0, 2, 2]],  # case 0: P(deal) per vector 0.5, 1, 0
        [[1, 1, 2], [0, 2, 2], [1, 0, 3]],  # case 1: P(stalemate) per vector 0.5, 0.5, 0.75
    ]
)
ACTUAL = [0, 2]


def test_likelihood_is_the_share_reproducing_the_actual_outcome():
    p = cal.likelihoods(COUNTS, ACTUAL, 4)
    assert p.tolist() == [[0.5, 1.0, 0.0], [0.5, 0.5, 0.75]]


def test_weights_are_the_normalised_product_over_cases():
    w = cal.normalise(cal.log_weights(cal.likelihoods(COUNTS, ACTUAL, 4)))
    # likelihoods 0.25, 0.5, 0 -> 1/3, 2/3, 0
    assert w == pytest.approx([1 / 3, 2 / 3, 0.0])
    assert cal.kish_ess(w) == pytest.approx(1 / (1 / 9 + 4 / 9))  # 1.8


def test_ess_of_equal_weights_is_their_number_and_of_no_weight_zero():
    assert cal.kish_ess(np.full(7, 0.3)) == pytest.approx(7.0)
    assert cal.kish_ess(np.array([0.0, 1.0, 0.0])) == pytest.approx(1.0)
    assert cal.kish_ess(np.zeros(3)) == 0.0
    assert cal.normalise(np.full(3, -np.inf)).tolist() == [0.0, 0.0, 0.0]


def test_laplace_base_rate():
    assert cal.laplace_base_rate([0, 2, 2]) == pytest.approx([2 / 6, 1 / 6, 3 / 6])
    assert cal.laplace_base_rate([]) == pytest.approx([1 / 3] * 3)


def test_leave_one_case_out_by_hand():
    table = cal.loco(COUNTS, ACTUAL, ["a", "b"], 4)
    a, b = table.iloc[0], table.iloc[1]
    # case a from case b's weights: 0.5, 0.5, 0.75 -> 2/7, 2/7, 3/7
    assert [a["p_deal"], a["p_escalation"], a["p_stalemate"]] == pytest.approx([3 / 7, 2 / 7, 2 / 7])
    assert a["log_score"] == pytest.approx(math.log(3 / 7))
    assert a["ess"] == pytest.approx(1 / ((2 / 7) ** 2 * 2 + (3 / 7) ** 2))
    assert a["base_p_actual"] == pytest.approx(1 / 4)  # others: one stalemate -> (0+1)/(1+3) for deal
    # case b from case a's weights: 1/3, 2/3, 0
    assert [b["p_deal"], b["p_escalation"], b["p_stalemate"]] == pytest.approx([1 / 12, 5 / 12, 1 / 2])
    assert b["brier"] == pytest.approx((1 / 12) ** 2 + (5 / 12) ** 2 + (1 / 2) ** 2)
    assert b["base_log_score"] == pytest.approx(math.log(1 / 4))
    s = cal.loco_summary(table)
    assert s["mean_log_score"] == pytest.approx((math.log(3 / 7) + math.log(1 / 2)) / 2)
    assert s["beats_uniform"] and s["beats_base_rate"]


def test_a_case_no_vector_can_explain_falls_back_to_the_prior_and_says_so():
    counts = np.array([[[4, 0, 0], [4, 0, 0]], [[0, 4, 0], [2, 2, 0]]])
    table = cal.loco(counts, [1, 0], ["x", "y"], 4)  # x happened as escalation, which no vector ever gives in x
    assert table.loc[1, "fallback"] and not table.loc[0, "fallback"]
    # y forecast by the prior: the mean of its vectors' odds, (0, 1, 0) and (0.5, 0.5, 0)
    assert [table.loc[1, "p_deal"], table.loc[1, "p_escalation"]] == pytest.approx([0.25, 0.75])


def test_weighted_quantiles():
    x = np.array([3.0, 1.0, 2.0])
    assert cal.weighted_quantiles(x, np.array([0.0, 1.0, 0.0]), [0.1, 0.9]) == pytest.approx([1.0, 1.0])
    assert cal.weighted_quantiles(x, np.ones(3), [0.5]) == pytest.approx([2.0])


def toy_targets(states, actual):
    return [cal.Target(f"toy:{s}", None, OUTCOMES[a], {}, frozenset()) for s, a in zip(states, actual, strict=True)]


TOY_SPECS = {"a": parse_dist("a", [0.0, 1.0]), "b": parse_dist("b", [0.0, 1.0])}


def test_the_grid_is_deterministic_resumable_and_independent_of_workers():
    targets = toy_targets([0.2, 0.8, 0.5], [0, 1, 2])
    kw = dict(vectors=30, per_vector=20, seed=3, chunk=7, run=cal.toy_run)
    one = cal.calibrate(targets, TOY_SPECS, **kw)
    kept = {}
    two = cal.calibrate(targets, TOY_SPECS, workers=2, save=lambda t, j, c: kept.__setitem__((t, j), c), **kw)
    assert np.array_equal(one.counts, two.counts)
    assert len(kept) == 3 * 5

    def boom(*_a):
        raise AssertionError("a finished unit was run again")

    three = cal.calibrate(targets, TOY_SPECS, load=lambda t, j: kept.get((t, j)), **{**kw, "run": boom})
    assert np.array_equal(one.counts, three.counts)
    other = cal.calibrate(targets, TOY_SPECS, **{**kw, "seed": 4})
    assert not np.array_equal(one.counts, other.counts)


def test_common_random_numbers_same_vector_same_counts_in_a_target():
    """Two identical vectors in one target meet the same shocks: identical counts."""
    target = toy_targets([0.4], [0])[0]
    draws = {"a": np.array([0.3, 0.3, 0.9]), "b": np.array([0.6, 0.6, 0.1])}
    c = cal.toy_run(target, draws, 0, 3, 50, 0, 5)
    assert np.array_equal(c[0], c[1]) and c.sum(axis=1).tolist() == [50, 50, 50]


def test_a_chunk_of_vectors_in_one_batch_gives_each_vector_the_counts_it_has_alone():
    """run_vectors runs a chunk of vectors as one batch (parameters per replication): each vector's counts are those
    of its own block run alone with its values as plain numbers, whatever the chunk; equal vectors, equal counts."""
    from sim.core.runner import run_block

    target = cal.load_targets(cases=["jcpoa_2013_2015"], forecasts=())[0]
    draws = cal.prior_draws(cal.prior_specs(), 4, 5)
    batch = cal.run_vectors(target, draws, 0, 4, 40, 5, 3)
    alone = [np.bincount(run_block(cal.vector_scenario(target, draws, k), 40, 5, 3)["outcome"], minlength=3) for k in range(4)]
    assert np.array_equal(batch, np.array(alone))
    assert len({tuple(c) for c in batch}) > 1  # the vectors do differ
    split = np.concatenate([cal.run_vectors(target, draws, 0, 1, 40, 5, 3), cal.run_vectors(target, draws, 1, 4, 40, 5, 3)])
    assert np.array_equal(batch, split)
    twice = cal.run_vectors(target, {p: v[[2, 0, 2]] for p, v in draws.items()}, 0, 3, 40, 5, 3)
    assert np.array_equal(twice, batch[[2, 0, 2]])  # common random numbers: a vector's counts wherever it sits
    assert not np.array_equal(cal.run_vectors(target, draws, 0, 4, 40, 5, 4), batch)  # another block: other shocks


def test_simulation_based_calibration_on_the_toy_model():
    """Synthetic history from a known vector: the posterior concentrates around it, 90% intervals cover it ~90%."""
    rng = np.random.default_rng(11)
    states = rng.random(40)
    targets = toy_targets(states, [0] * 40)  # outcomes are set per repetition below
    grid = cal.calibrate(targets, TOY_SPECS, vectors=1500, per_vector=40, seed=1, chunk=500, run=cal.toy_run)
    covered, ratios, cdfs = [], [], []
    for _ in range(60):
        truth = int(rng.integers(grid.counts.shape[1]))
        theta = np.array([[grid.draws["a"][truth], grid.draws["b"][truth]]])
        synthetic = [int(rng.choice(3, p=cal.toy_probabilities(theta, s)[0])) for s in states]
        out, ess = cal.sbc_ranks(grid.counts, truth, synthetic, grid.per_vector, grid.draws)
        assert ess > 20
        for cdf, inside, ratio in out.values():
            covered.append(inside)
            ratios.append(ratio)
            cdfs.append(cdf)
    assert 0.8 <= np.mean(covered) <= 0.98  # 120 intervals: about 0.9
    assert np.mean(ratios) < 0.6  # the posterior is much narrower than the prior
    assert 0.35 < np.mean(cdfs) < 0.65  # no systematic bias of the rank


def test_behaviour_specs_leave_state_out():
    specs = cal.prior_specs()
    state = {"world.tension", "world.nuclear_progress", "world.sanctions", "world.unrest", "world.military_posture"}
    assert specs and not state & set(specs)
    assert not {"actors.us.trust", "actors.iran.trust"} & set(specs)
    assert not any(p.startswith("agenda.") for p in specs)  # status quo is state
    assert not any(p.startswith(("actors.us.red_lines", "actors.iran.red_lines")) for p in specs)  # principals: state
    assert "world.perceived_risk" in specs


def test_the_command_end_to_end_at_tiny_size(tmp_path, capsys):
    from sim.cli.calibrate import main

    out = tmp_path / "cal"
    args = ["--vectors", "5", "--stages", "2", "--per-vector", "4", "--case", "jcpoa_2013_2015", "--case", "oman_rome_2025"]
    args += ["workers=1", "--out", str(out), "--cache-root", str(tmp_path)]
    assert main(args) == 0
    # five vectors cannot make a posterior to trust, and the command must say so, for all cases and each held-out one
    printed = capsys.readouterr().out
    assert "NOT trustworthy" in printed and "held-out posteriors NOT trustworthy" in printed
    loco = pd.read_csv(out / "loco.csv")
    assert "khat" in loco
    assert list(loco["case"]) == ["jcpoa_2013_2015", "oman_rome_2025"]
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == 5 and "weight" in post and "loglik:oman_rome_2025" in post
    assert post["stage"].tolist() == [0, 0, 1, 1, 1]  # 40% from the prior, then one adaptive stage
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["forecasts"]) == {"feb_2026_by_rules", "baseline"}
    assert summary["trustworthy"] is False and summary["trust_problems"] and summary["stages"] == 2
    assert (out / "loco.png").exists() and (out / "feb_2026.png").exists()
    assert not (tmp_path / ".blocks").exists()  # the finished units are cleared
    # the same seed gives the same posterior
    assert main([*args[:-4], "workers=1", "--out", str(tmp_path / "again"), "--cache-root", str(tmp_path), "--no-figures"]) == 0
    again = pd.read_parquet(tmp_path / "again" / "posterior.parquet")
    pd.testing.assert_frame_equal(post, again)


def test_bad_input_is_one_line(capsys):
    from sim.cli.calibrate import main

    assert main(["--case", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown historical case 'nope'" in err and err.count("\n") == 1
    for bad, says in (
        ("replications=5", "calibrate takes seed=, workers= and output_root= only"),
        ("seed=x", "seed must be a whole number"),
        ("workers=0", "workers=0: use a whole number >= 1"),
    ):
        assert main([bad]) == 2, bad
        err = capsys.readouterr().err
        assert says in err and err.count("\n") == 1, err


def test_user_cases_from_a_config_dir_join_the_package_cases(tmp_path):
    from sim.analysis.history import history_dir

    (tmp_path / "history").mkdir()
    text = (history_dir() / "oman_rome_2025.yaml").read_text().replace("name: oman_rome_2025", "name: my_round")
    (tmp_path / "history" / "my_round.yaml").write_text(text.replace('start: "2025-04-12"', 'start: "2030-01-01"'))
    assert cal.case_names([tmp_path])[-1] == "my_round"
    targets = cal.load_targets([tmp_path], cases=["my_round"], forecasts=())
    assert [(t.name, t.actual) for t in targets] == [("my_round", "escalation")]
    assert targets[0].scenario.world.tension == 0.8
