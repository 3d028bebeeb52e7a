"""python -m sim explore end to end: its files, the collapse to a plain run, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.explore import Design, analyse, explore
from sim.cli.explore import main
from sim.config.compose import compose, load_scenario, scenario_from_config
from sim.core.runner import simulate
from sim.core.uncertainty import parse_dist, parse_specs
from tests.forked import run_sim


def test_without_ranges_the_odds_are_exactly_the_plain_runs(tmp_path, capsys):
    assert main(["replications=3000", "seed=4", "block_size=1000", "uncertainty=none", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    plain = simulate(load_scenario("baseline"), 3000, 4, block_size=1000).summary
    for o in ("deal", "escalation", "stalemate"):
        assert summary[f"p_{o}"] == plain[f"p_{o}"]
    assert summary["uncertain_parameters"] == 0


def test_every_range_collapsed_to_its_point_gives_the_plain_runs_odds():
    """Ranges collapsed to points, passed to the engine as constant (R,) arrays: exactly the plain run."""
    cfg = compose(["uncertainty=assumptions"])
    scenario = scenario_from_config(cfg)
    specs = parse_specs(dict(cfg.uncertainty))
    values = {p: parse_dist(p, {"dist": "point", "value": v}) for p, v in ((p, _value(scenario, p)) for p in specs)}
    design = Design(values, seed=3, replications=4000, vectors=4, per_vector=250, points_as_arrays=True)
    aliases = {k: a.name for k, a in cfg.actors.items() if a}
    ex = explore(scenario, design, block_size=1500, aliases=aliases)
    plain = simulate(scenario, 4000, 3, block_size=1500)
    np.testing.assert_array_equal(ex.arrays["outcome"], plain.episodes["outcome"].cat.codes.to_numpy())
    an = analyse(ex)
    for o in ("deal", "escalation", "stalemate"):
        assert an.marginal[o][0] == plain.summary[f"p_{o}"]


def _value(scenario, path):
    from sim.core.paths import value_at

    return value_at(scenario, path)


def test_an_exploration_writes_its_files(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "replications=6000",
            "seed=1",
            "block_size=2000",
            "--vectors",
            "40",
            "--per-vector",
            "50",
            "--rbd",
            "2000",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    for word in ("marginal over assumptions", "noise floor", "first-order", "PRIM"):
        assert word in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["design"] == {"episodes": 4000, "vectors": 40, "per_vector": 50}
    every = parse_specs(dict(compose(["uncertainty=assumptions"]).uncertainty))
    assert summary["uncertain_parameters"] == len(every) > 100  # every range drawn, per-issue ones included
    assert not summary["notes"]["held_by_scenario"] and not summary["notes"]["dropped"]
    assert summary["p_deal"] + summary["p_escalation"] + summary["p_stalemate"] == pytest.approx(1.0)
    for o in ("deal", "escalation"):
        s = summary["spread"][o]
        assert 0 <= s["p5"] <= s["p50"] <= s["p95"] <= 1
    draws = pd.read_parquet(out / "draws.parquet")
    assert len(draws) == 6000 and draws["actors.us.war_cost"].dtype == np.float32
    assert {"outcome", "cause", "vector"} <= set(draws.columns)
    assert (draws["vector"] >= 0).sum() == 2000
    indices = pd.read_csv(out / "indices.csv")
    assert {"parameter", "outcome", "s1", "noise_floor", "rbd_fast", "feature_score"} <= set(indices.columns)
    assert (out / "boxes.csv").exists() and (out / "indices.png").exists() and (out / "spread.png").exists()


def test_the_same_seed_gives_the_same_draws_and_odds_in_one_process_or_two(tmp_path):
    runs = []
    for workers in (1, 2):
        out = tmp_path / str(workers)
        args = ["replications=2000", "seed=9", "block_size=1000", f"workers={workers}", "--vectors", "4", "--per-vector", "100"]
        assert main([*args, "--out", str(out)]) == 0
        runs.append(pd.read_parquet(out / "draws.parquet"))
    pd.testing.assert_frame_equal(runs[0], runs[1])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["uncertainty.world.tension={dist:uniform,low:0.7,high:0.5}"], "swap them"),
        (["uncertainty.world.tension={dist:gamma}"], "use one of point"),
        (["replications=1000", "--vectors", "10", "--per-vector", "100"], "leaves no replication"),
        (["scenario=atlantis"], "unknown scenario"),
        (["uncertainty=nothing"], "uncertainty"),
        (["+uncertainty.actors.atlantis.trust=[0.1,0.2]"], "atlantis"),
    ],
)
def test_bad_input_is_one_line(args, fragment, tmp_path, capsys):
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_a_plain_run_refuses_ranges_in_one_line():
    proc = run_sim("uncertainty=assumptions", "replications=100", timeout=120)
    assert proc.returncode == 2 and "python -m sim explore" in proc.stderr and proc.stderr.count("\n") == 1


def test_a_range_outside_a_parameters_legal_interval_fails_before_any_run(tmp_path, capsys):
    assert main(["uncertainty.world.tension={dist:uniform,low:0.5,high:1.2}", "replications=3000", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "world.tension = 1.2 is out of range" in err and err.count("\n") == 1
    assert not (tmp_path / "summary.json").exists()


def test_explore_reads_a_users_own_scenario_and_ranges_from_config_dir(tmp_path, capsys):
    """--config-dir DIR: a scenario and an uncertainty group of the user's own, as python -m sim reads them."""
    from sim.config.compose import CONFIG_DIR

    (tmp_path / "mine" / "scenario").mkdir(parents=True)
    (tmp_path / "mine" / "uncertainty").mkdir()
    text = (CONFIG_DIR / "scenario" / "us_military_buildup.yaml").read_text()
    text = text.replace("name: us_military_buildup", "name: my_hardline")
    (tmp_path / "mine" / "scenario" / "my_hardline.yaml").write_text(text)
    (tmp_path / "mine" / "uncertainty" / "war_cost_only.yaml").write_text(
        "actors:\n  iran:\n    war_cost: {dist: uniform, low: 0.3, high: 0.7, provenance: 'a test range'}\n"
    )
    out = tmp_path / "run"
    argv = ["--config-dir", str(tmp_path / "mine"), "scenario=my_hardline", "uncertainty=war_cost_only"]
    code = main(
        [*argv, "replications=3000", "seed=1", "--vectors", "10", "--per-vector", "50", "--rbd", "500", "--out", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "my_hardline"
    assert summary["uncertain_parameters"] == 1
    assert pd.read_csv(out / "indices.csv")["parameter"].str.startswith("actors.iran.war_cost").any()
    # a folder that is not there: one line, exit 2
    assert main(["--config-dir", str(tmp_path / "nowhere"), "replications=100"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nowhere" in err and "no such folder" in err
