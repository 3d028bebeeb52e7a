"""Levers, named policies, the EMA Workbench model and the robustness of policies (sim.analysis.ema, .policies)."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
import yaml
from omegaconf import OmegaConf

from sim.analysis import ema, policies
from sim.config.compose import CONFIG_DIR, compose, scenario_from_config
from sim.core.declare import kind_of_key, lever_of
from sim.core.params import ConfigError, Mediator, Principal, Stakeholder, World
from sim.core.runner import simulate
from sim.core.uncertainty import sample, stream


@pytest.fixture(scope="module")
def baseline():
    return ema.setup(["scenario=baseline"])


def hydra_value(value, integer: bool = False) -> str:
    """A value as a command-line override writes it (lists as [a,b])."""
    if isinstance(value, tuple):
        return "[" + ",".join(value) + "]"
    return str(int(value)) if integer else repr(value)


def plain(overrides):
    return OmegaConf.to_container(compose(overrides), resolve=True)


# ------------------------------------------------------------------ levers, declared once


def test_levers_are_declared_by_the_parameter_metadata_beside_the_kind():
    assert lever_of(Principal, "agenda_flexibility") == "self" and lever_of(Principal, "insists") == "self"
    assert lever_of(Mediator, "deescalation") == "self"
    assert lever_of(Stakeholder, "incentive") == "self"
    assert lever_of(World, "ultimatum_by") == "us" and lever_of(Principal, "preconditions") == "self"
    assert {name: lever_of(World, name) for name in ("military_posture", "sanctions", "deadline", "progress_rate")} == {
        "military_posture": "us",
        "sanctions": "us",
        "deadline": "us",
        "progress_rate": "iran",
    }
    assert lever_of(World, "tension") == "" and lever_of(Principal, "war_cost") == ""
    # the kind still says what a historical case may set: a lever of the world is the state of its time
    assert kind_of_key(World, "military_posture") == "state"
    assert kind_of_key(Principal, "agenda_flexibility") == "behaviour"


def test_every_declared_lever_of_the_baseline_has_a_range_with_provenance_containing_its_value(baseline):
    data = plain(["scenario=baseline"])
    declared = {f"world.{f.name}" for f in dataclasses.fields(World) if f.metadata.get("lever")}
    classes = {"principal": Principal, "mediator": Mediator, "stakeholder": Stakeholder}
    for key, actor in data["actors"].items():
        cls = classes.get(actor["role"])
        if cls:
            declared |= {f"actors.{key}.{f.name}" for f in dataclasses.fields(cls) if f.metadata.get("lever")}
    assert set(baseline.levers) == declared
    for path, dist in baseline.levers.items():
        assert dist.provenance, path
        if isinstance(dist, ema.Choices):
            assert baseline.lever_values[path] in dist.values, path
        else:
            assert dist.kind == "uniform" and dist.low <= baseline.lever_values[path] <= dist.high, path
    assert baseline.integers == {"world.deadline"}
    # a lever is never an uncertainty of the EMA model, even where the baseline calls its value an assumption
    assert not set(baseline.levers) & set(baseline.uncertainties)
    assert "actors.us.war_cost" in baseline.uncertainties


def test_a_range_for_a_parameter_that_is_no_lever_is_a_one_line_error():
    data = plain(["scenario=baseline"])
    data["levers"] = {"world": {"tension": {"dist": "uniform", "low": 0.1, "high": 0.9}}}
    with pytest.raises(ConfigError, match=r"levers.world.tension is not declared a lever"):
        ema.lever_specs(data)
    data["levers"] = {"actors": {"us": {"war_cost": [0.1, 0.2]}}}
    with pytest.raises(ConfigError, match=r"levers.actors.us.war_cost is not declared a lever"):
        ema.lever_specs(data)


# ------------------------------------------------------------------ named policies


@pytest.mark.parametrize("name", policies.policy_names())
def test_a_policy_sets_levers_only_each_inside_its_range_with_provenance(name, baseline):
    text = (CONFIG_DIR / "policy" / f"{name}.yaml").read_text()
    data = yaml.safe_load(text)
    assert text.startswith("# @package _global_")
    assert data["policy"]["name"] == name and data["policy"]["description"] and data["policy"]["whose"]
    keys = policies.policy_keys(name)
    assert set(keys) <= set(baseline.levers)
    for key in keys:
        parts = key.split(".")
        node = data["world"] if parts[0] == "world" else data["actors"][parts[1]]
        assert node["provenance"][parts[-1]].startswith(f"policy {name}:"), key
        dist = baseline.levers[key]
        if isinstance(dist, ema.Choices):
            assert ema.values_of(data, [key])[key] in dist.values, key
        else:
            assert dist.low <= node[parts[-1]] <= dist.high, key


@pytest.mark.parametrize("name", policies.policy_names())
def test_a_policy_merged_onto_a_composed_scenario_is_the_policy_composed_by_hydra(name, baseline):
    overrides = ["scenario=us_military_buildup"]
    merged = OmegaConf.to_container(policies.with_policy(compose(overrides), overrides, name), resolve=True)
    composed = plain([*overrides, f"policy={name}"])
    assert merged == composed


def test_a_policy_composes_with_any_scenario_and_its_levers_win():
    data = plain(["scenario=us_military_buildup", "policy=relief_for_freeze"])
    assert data["world"]["military_posture"] == 0.8  # the scenario's, which the policy leaves alone
    assert data["world"]["sanctions"] == 0.6 and data["world"]["progress_rate"] == 0.0
    assert data["policy"]["name"] == "relief_for_freeze"
    data = plain(["scenario=us_military_buildup", "policy=maximum_pressure"])
    assert data["world"]["military_posture"] == 0.9 and data["world"]["collapse_escalation"] == 0.75
    scenario_from_config(compose(["scenario=regional_deescalation", "policy=regional_brokers"]))


# ------------------------------------------------------------------ the EMA model


def test_perform_experiments_gives_the_projects_own_odds_for_the_same_vectors_and_seed(baseline):
    wb = ema.workbench()
    MultiprocessingEvaluator, Sample, perform_experiments = wb.MultiprocessingEvaluator, wb.Sample, wb.perform_experiments
    replications, seed = 120, 5
    m = ema.model(
        baseline.scenario,
        baseline.uncertainties,
        baseline.levers,
        aliases=baseline.aliases,
        integers=baseline.integers,
        replications=replications,
        seed=seed,
    )
    assert {ema.path_of(u.name) for u in m.uncertainties} == set(baseline.uncertainties)
    assert {ema.path_of(lv.name) for lv in m.levers} == {p for p, d in baseline.levers.items() if not d.is_point}
    paths = ["actors.us.war_cost", "world.tension", "actors.israel.strike_propensity"]
    drawn = sample({p: baseline.uncertainties[p] for p in paths}, 2, stream(seed, 1))
    scenarios = [Sample(name=f"v{k}", **{ema.name_of(p): float(drawn[p][k]) for p in paths}) for k in range(2)]
    pressure = policies.named_policies(["scenario=baseline"], ["maximum_pressure"], baseline.levers)[0]
    chosen = [
        Sample(name=name, **{ema.name_of(p): v for p, v in values.items()})
        for name, values in (("status_quo", baseline.lever_values), ("maximum_pressure", pressure.levers))
    ]
    experiments, outcomes = perform_experiments(m, scenarios=scenarios, policies=chosen)
    assert len(experiments) == 4
    for i, row in experiments.iterrows():
        lever_values = pressure.levers if row["policy"] == "maximum_pressure" else baseline.lever_values
        overrides = [f"{p}={row[ema.name_of(p)]!r}" for p in paths]
        overrides += [f"{p}={hydra_value(v, p in baseline.integers)}" for p, v in lever_values.items()]
        scenario = scenario_from_config(compose(["scenario=baseline", *overrides]))
        episodes = simulate(scenario, replications, seed).episodes
        own = {
            "p_deal": float((episodes["outcome"] == "deal").mean()),
            "p_escalation": float((episodes["outcome"] == "escalation").mean()),
            "p_any_strike": float(episodes["any_strike"].mean()),
            "mean_rounds": float(episodes["round"].mean()),
        }
        assert {o: outcomes[o][i] for o in ema.OUTCOMES} == own
    assert not np.array_equal(outcomes["p_deal"][:2], outcomes["p_deal"][2:])  # the policies do differ
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        _, parallel = evaluator.perform_experiments(scenarios=scenarios, policies=chosen)
    for o in ema.OUTCOMES:
        np.testing.assert_array_equal(parallel[o], outcomes[o])


def test_sim_ema_model_by_scenario_name():
    import sim.ema

    m = sim.ema.model("baseline", replications=10)
    levers = ema.setup(["scenario=baseline"]).levers
    assert len(m.levers) == sum(not d.is_point for d in levers.values()) >= 13 and len(m.uncertainties) > 50
    assert [o.name for o in m.outcomes] == list(ema.OUTCOMES)


# ------------------------------------------------------------------ robustness


@pytest.fixture(scope="module")
def small_run(baseline):
    chosen = policies.named_policies(["scenario=baseline"], ["status_quo", "nuclear_first", "maximum_pressure"], baseline.levers)
    twin = dataclasses.replace(chosen[0], name="status_quo_again")
    return policies.run_policies(baseline, [*chosen, twin], vectors=40, per_vector=40, seed=2, block_size=500)


def test_two_identical_policies_have_zero_regret_against_each_other_in_every_vector(small_run):
    pair = policies.PolicyRun(
        [small_run.policies[0], small_run.policies[-1]],
        small_run.vectors,
        {o: f[["status_quo", "status_quo_again"]] for o, f in small_run.odds.items()},
        small_run.per_vector,
        small_run.seed,
        small_run.elapsed_s,
    )
    reg = policies.regret(pair)
    for frame in reg.values():
        assert (frame.to_numpy() == 0).all()
    # against the others, regret is real: in some vector some policy does better than the status quo
    reg = policies.regret(small_run)
    assert reg["deal"]["status_quo"].max() > 0 and (reg["deal"].min(axis=1) == 0).all()


def test_the_policy_table_follows_from_the_odds(small_run):
    frame = policies.table(small_run, 0.5, 0.25).set_index("policy")
    deal, esc = small_run.odds["p_deal"], small_run.odds["p_escalation"]
    for name in small_run.names:
        assert math.isclose(frame.loc[name, "p_deal"], deal[name].mean())
        assert math.isclose(frame.loc[name, "p_deal_p10"], np.percentile(deal[name], 10))
        assert math.isclose(frame.loc[name, "p_escalation_p90"], np.percentile(esc[name], 90))
        assert math.isclose(frame.loc[name, "max_regret_deal"], (deal.max(axis=1) - deal[name]).max())
        ok = (deal[name] >= 0.5) & (esc[name] <= 0.25)
        assert math.isclose(frame.loc[name, "satisficing"], ok.mean())
    assert policies.most_robust(small_run, 0.5, 0.25) == frame["satisficing"].idxmax() or (
        frame["satisficing"].max() == frame.loc[policies.most_robust(small_run, 0.5, 0.25), "satisficing"]
    )


def test_the_vectors_are_those_of_the_exploration_and_the_status_quo_its_odds(small_run, baseline):
    from sim.analysis.explore import Design, explore

    design = Design(baseline.uncertainties, 2, 40 * 40, 40, 40)
    drawn = design.vector_draws()
    for p in small_run.vectors.columns:
        np.testing.assert_array_equal(small_run.vectors[p].to_numpy(), drawn[p])
    ex = explore(baseline.scenario, design, block_size=500, aliases=baseline.aliases)
    per_vector = (ex.arrays["outcome"] == 0).reshape(40, 40).mean(axis=1)
    np.testing.assert_array_equal(small_run.odds["p_deal"]["status_quo"].to_numpy(), per_vector)


def test_results_feed_ema_workbenchs_own_analysis(small_run, baseline):
    ema.workbench()
    from ema_workbench.analysis import feature_scoring, prim

    experiments, outcomes = small_run.to_ema(list(baseline.levers))
    assert len(experiments) == 4 * 40 and set(outcomes) == set(ema.OUTCOMES)
    assert {ema.name_of(p) for p in baseline.levers} <= set(experiments.columns)
    assert {"scenario", "policy", "model"} <= set(experiments.columns)
    x = experiments[[ema.name_of(p) for p in small_run.vectors.columns]]
    y = outcomes["p_deal"] < 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, y, peel_alpha=0.1).find_box()
        scores = feature_scoring.get_feature_scores_all(experiments.drop(columns=["model"]), {"p_deal": outcomes["p_deal"]})
    assert len(box.peeling_trajectory) > 1
    assert "policy" in scores.index


def test_failures_of_a_policy_are_described_by_prim(small_run):
    frame = policies.failures(small_run, "status_quo", 0.5, 0.25, seed=0)
    assert frame["target"].iloc[0] == "status_quo fails"
    fails = ~policies.satisfied(small_run, 0.5, 0.25)["status_quo"]
    assert math.isclose(frame["share_of_vectors"].iloc[0], fails.mean())


def test_vectors_from_a_posterior_follow_its_weights(baseline):
    from pathlib import Path

    from sim.config.posterior import Posterior

    draws = {"actors.us.war_cost": np.array([0.3, 0.4, 0.5]), "world.tension": np.array([0.5, 0.6, 0.7])}
    post = Posterior(Path("toy.parquet"), draws, np.array([0.0, 1.0, 0.0]), {})
    drawn = policies.posterior_vectors(post, baseline.uncertainties, 30, seed=0)
    assert set(drawn) == {"actors.us.war_cost", "world.tension"}
    assert (drawn["actors.us.war_cost"] == 0.4).all() and (drawn["world.tension"] == 0.6).all()
    chosen = policies.named_policies(["scenario=baseline"], ["status_quo"], baseline.levers)
    run = policies.run_policies(baseline, chosen, vectors=5, per_vector=5, seed=0, posterior=post, block_size=25)
    assert (run.vectors["actors.us.war_cost"] == 0.4).all() and run.source == "history-weighted posterior"
    outside = Posterior(Path("toy.parquet"), {"actors.us.war_cost": np.array([0.9])}, np.array([1.0]), {})
    with pytest.raises(ConfigError, match="outside its range"):
        policies.posterior_vectors(outside, baseline.uncertainties, 3, seed=0)


def test_the_shipped_history_weighted_posterior_gives_the_vectors(baseline):
    from sim.analysis.odds import posterior_for

    post, _, _ = posterior_for(plain(["scenario=baseline"]), "history")
    drawn = policies.posterior_vectors(post, baseline.uncertainties, 50, seed=0)
    assert drawn and all(len(v) == 50 for v in drawn.values())


def test_a_lever_that_is_no_number_is_a_categorical_lever_of_the_ema_model(baseline):
    wb = ema.workbench()
    choices = baseline.levers["actors.us.insists"]
    assert isinstance(choices, ema.Choices) and () in choices.values
    assert baseline.lever_values["actors.us.insists"] == ("missiles", "proxies", "human_rights")
    m = ema.model(baseline.scenario, baseline.uncertainties, baseline.levers, aliases=baseline.aliases, replications=30)
    lever = next(lv for lv in m.levers if lv.name == "actors__us__insists")
    assert isinstance(lever, wb.CategoricalParameter)
    narrowed = ema.apply(baseline.scenario, {"actors.us.insists": ()}, baseline.aliases)
    assert narrowed.principals[0].insists == () and baseline.scenario.principals[0].insists != ()
    plain_run = simulate(scenario_from_config(compose(["scenario=nuclear_only"])), 30, 1).episodes
    assert ema.Experiment(narrowed, baseline.aliases, 30, 1)()["p_deal"] == float((plain_run["outcome"] == "deal").mean())
    drawn = policies.sampled_policies(baseline.levers, 12, 0, baseline.integers)
    assert {p.levers["actors.us.insists"] for p in drawn} <= set(choices.values)
    assert all(p.levers["world.deadline"] == int(p.levers["world.deadline"]) for p in drawn)


def test_an_ultimatum_without_a_deadline_is_no_ultimatum(baseline):
    pressed = ema.apply(baseline.scenario, {"world.ultimatum_by": "US", "world.deadline": 9}, baseline.aliases, baseline.integers)
    assert pressed.world.ultimatum_by == "US" and pressed.world.deadline == 9
    loose = ema.apply(baseline.scenario, {"world.ultimatum_by": "US", "world.deadline": 0}, baseline.aliases, baseline.integers)
    assert loose.world.ultimatum_by == "" and loose.world.deadline == 0
