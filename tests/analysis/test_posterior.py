"""The posterior file behind posterior=history: reading it, resampling by weight, staleness, runs drawn from it,
and the odds a plain run prints beneath its own."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.analysis.calibrate import identity
from sim.analysis.odds import simulate_posterior, spread, vector_odds
from sim.config.compose import load_scenario
from sim.config.posterior import META_KEY, read, resample, resolve, stale_note, trust_note
from sim.core.params import ConfigError


def write_posterior(path, values: dict, weights, ident=None, **diagnostics):
    columns = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    extra = {"log_prior_ratio": np.zeros(len(weights)), "stage": np.zeros(len(weights), dtype=np.int64)}
    table = pa.table({**columns, "loglik:x": np.zeros(len(weights)), **extra, "weight": weights})
    meta = {"identity": ident or identity(), "cases": {"x": "deal"}, **diagnostics}
    pq.write_table(table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()}), path)
    return path


def test_resampling_follows_the_weights(tmp_path):
    path = write_posterior(tmp_path / "p.parquet", {"actors.us.war_cost": [0.1, 0.9, 0.5]}, [0.0, 1.0, 0.0])
    post = read(path)
    assert post.ess == pytest.approx(1.0)
    draws = resample(post, 500, np.random.default_rng(0))
    assert set(draws["actors.us.war_cost"]) == {0.9}
    assert stale_note(post, identity()) is None


def test_the_sampler_columns_are_not_parameters(tmp_path):
    post = read(write_posterior(tmp_path / "p.parquet", {"actors.us.war_cost": [0.1, 0.9]}, [0.5, 0.5]))
    assert set(post.draws) == {"actors.us.war_cost"}


def test_an_untrustworthy_posterior_is_said_in_one_line(tmp_path):
    values = {"actors.us.war_cost": [0.1, 0.9]}
    assert trust_note(read(write_posterior(tmp_path / "a.parquet", values, [0.5, 0.5], ess=120.0, khat=0.4))) is None
    thin = trust_note(read(write_posterior(tmp_path / "b.parquet", values, [0.5, 0.5], ess=10.8, khat=0.4)))
    assert thin and "ESS 10.8 < 30" in thin and "\n" not in thin
    heavy = trust_note(read(write_posterior(tmp_path / "c.parquet", values, [0.5, 0.5], ess=120.0, khat=0.92)))
    assert heavy and "k-hat 0.92 > 0.7" in heavy
    # a file without diagnostics is judged by the ESS of its own weights
    assert "ESS 2.0" in (trust_note(read(write_posterior(tmp_path / "d.parquet", values, [0.5, 0.5]))) or "")


def test_a_stale_posterior_is_said_in_one_line(tmp_path):
    path = write_posterior(tmp_path / "p.parquet", {"actors.us.war_cost": [0.1, 0.9]}, [0.5, 0.5], ident={"code": "old"})
    note = stale_note(read(path), identity())
    assert note and "stale" in note and "code" in note and "\n" not in note


def test_missing_or_foreign_files_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read(tmp_path / "nope.parquet")
    pq.write_table(pa.table({"a": [1.0]}), tmp_path / "other.parquet")
    with pytest.raises(ConfigError, match="not a posterior"):
        read(tmp_path / "other.parquet")
    assert resolve(None) is None and resolve("history").name == "posterior_history.parquet"


def test_a_run_drawn_from_a_posterior_is_deterministic_and_uses_the_draws(tmp_path):
    scenario = load_scenario("baseline")
    path = write_posterior(tmp_path / "p.parquet", {"actors.us.war_cost": [0.05, 0.95]}, [0.5, 0.5])
    post = read(path)

    def draw(n, rng):
        return resample(post, n, rng)

    a = simulate_posterior(scenario, draw, 3000, 5, aliases={"us": "US"}, block_size=1000)
    b = simulate_posterior(scenario, draw, 3000, 5, aliases={"us": "US"}, block_size=1000)
    assert a.summary["p_deal"] == b.summary["p_deal"] and len(a.episodes) == 3000
    low = simulate_posterior(scenario, lambda n, rng: {"actors.us.war_cost": np.full(n, 0.05)}, 3000, 5, aliases={"us": "US"})
    high = simulate_posterior(scenario, lambda n, rng: {"actors.us.war_cost": np.full(n, 0.95)}, 3000, 5, aliases={"us": "US"})
    assert low.summary["p_deal"] != high.summary["p_deal"]  # the drawn values reach the model


def test_vector_odds_and_their_spread():
    scenario = load_scenario("baseline")
    p = vector_odds(scenario, {"actors.us.war_cost": np.array([0.05, 0.95, 0.5])}, 200, 0, {"us": "US"}, block_size=250)
    assert p.shape == (3, 3) and np.allclose(p.sum(axis=1), 1.0)
    s = spread(p)
    assert s["deal"]["p5"] <= s["deal"]["p"] <= s["deal"]["p95"]


SETTINGS = ["replications=1500", "seed=2", "block_size=1500", "workers=1"]


def test_a_comparison_can_run_a_configuration_under_a_posterior(tmp_path):
    from sim.analysis.compare import from_scenario

    path = write_posterior(tmp_path / "p.parquet", {"actors.us.war_cost": [0.95]}, [1.0])
    plain = from_scenario("baseline actors.us.war_cost=0.95", SETTINGS, tmp_path)
    drawn = from_scenario(f"baseline posterior.file={path}", SETTINGS, tmp_path)
    assert drawn.summary["p_deal"] == plain.summary["p_deal"]  # one vector of weight 1: the same as setting it
