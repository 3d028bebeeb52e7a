"""The uncertainty group: every assumption of the baseline has a range that contains its value and says why."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config.compose import compose, known_scenarios, scenario_from_config
from sim.config.uncertainty import assumptions, parameters, whole_numbers
from sim.core.paths import value_at
from sim.core.uncertainty import parse_specs, sample, stream, with_draws


@pytest.fixture(scope="module")
def composed():
    cfg = compose(["uncertainty=assumptions"])
    return cfg, OmegaConf.to_container(cfg, resolve=True)


def test_plain_runs_have_no_ranges():
    assert OmegaConf.to_container(compose([]))["uncertainty"] == {}


def test_every_assumption_of_the_baseline_has_a_range(composed):
    _, data = composed
    specs = parse_specs(data["uncertainty"])
    not_drawn = whole_numbers(data)  # numbers of rounds bound the run's loops (the file's header says so)
    assert "max_rounds" in not_drawn and not not_drawn & set(specs)
    missing = sorted(set(assumptions(data)) - set(specs) - not_drawn)
    assert not missing, f"assumptions without a range in configs/uncertainty/assumptions.yaml: {missing}"
    unknown = sorted(set(specs) - set(parameters(data)))
    assert not unknown, f"ranges for parameters the baseline does not have: {unknown}"


def test_every_range_contains_the_configured_value_and_has_a_provenance(composed):
    cfg, data = composed
    values = parameters(data)
    for path, dist in parse_specs(data["uncertainty"]).items():
        assert dist.low <= values[path][0] <= dist.high, f"{path}: {dist.describe()} misses {values[path][0]}"
        assert not dist.is_point, path
        assert len(dist.provenance) > 40 and f"Baseline {values[path][0]:g}" in dist.provenance, path
    scenario = scenario_from_config(cfg)
    aliases = {k: a["name"] for k, a in data["actors"].items() if a}
    for path in parse_specs(data["uncertainty"]):
        assert value_at(scenario, path, aliases) == pytest.approx(values[path][0]), path


def test_the_ranges_stay_inside_every_parameters_legal_range(composed):
    cfg, data = composed
    specs = parse_specs(data["uncertainty"])
    draws = sample(specs, 2000, stream(1))
    for corner in (np.min, np.max):  # validated at both corners and per parameter by Scenario.validate
        with_draws(scenario_from_config(cfg), {p: np.full(3, corner(v)) for p, v in draws.items()})


@pytest.mark.parametrize("name", known_scenarios())
def test_every_scenario_composes_with_the_ranges(name):
    from sim.cli.explore import specs_for

    overrides = [f"scenario={name}", "uncertainty=assumptions"]
    cfg = compose(overrides)
    scenario = scenario_from_config(cfg, overrides)
    specs, aliases, notes = specs_for(cfg, overrides, scenario)
    with_draws(scenario, sample(specs, 50, stream(0)), aliases)
    if name == "us_military_buildup":
        assert notes["held_by_scenario"] == {"world.military_posture": 0.8, "world.collapse_escalation": 0.75}
    if name == "baseline":
        assert not notes["held_by_scenario"] and not notes["dropped"]
