"""Parameter paths: one grammar to read, set and describe a parameter of a scenario."""

from __future__ import annotations

import math

import pytest

from sim import load_scenario
from sim.core.params import ConfigError, Event, Issue, Mediator, World
from sim.core.paths import Knob, actor_aliases, actor_of, applies_to, declared_field, describe, value_at, with_values


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.mark.parametrize(
    "path, value",
    [
        ("world.tension", 0.31),
        ("actors.oman.effectiveness", 0.42),
        ("actors.iran.pressure.sanctions", 0.27),
        ("actors.us.red_lines.enrichment.low", 0.55),
        ("events.proxy_attack.hazard", 0.07),
        ("agenda.enrichment.status_quo", 0.6),
        ("max_rounds", 9),
    ],
)
def test_a_value_set_at_a_path_is_read_back_there_and_nothing_else_moves(baseline, path, value):
    changed = with_values(baseline, {path: value})
    assert value_at(changed, path) == pytest.approx(value)
    untouched = "world.unrest" if path != "world.unrest" else "world.tension"
    assert value_at(changed, untouched) == value_at(baseline, untouched)
    assert value_at(baseline, path) != pytest.approx(value)


def test_setting_several_paths_of_one_actor_copies_it_once_with_all_of_them(baseline):
    changed = with_values(baseline, {"actors.us.trust": 0.1, "actors.us.war_cost": 0.2, "actors.us.pressure.unrest": 0.3})
    us = changed.principals[0]
    assert (us.trust, us.war_cost, us.pressure["unrest"]) == (0.1, 0.2, 0.3)
    assert changed.principals[1] is baseline.principals[1]


def test_a_path_is_described_by_its_param_declaration(baseline):
    horizon = describe(baseline, "max_rounds")
    assert horizon.integer and horizon.range == (1.0, math.inf) and "horizon" in horizon.doc
    tension = describe(baseline, "world.tension")
    assert tension.kind == "state" and tension.range == (0.0, 1.0) and not tension.integer
    assert describe(baseline, "actors.oman.effectiveness").kind == "behaviour"
    assert describe(baseline, "actors.iran.pressure.sanctions").range == describe(baseline, "actors.us.pressure.unrest").range


def test_config_keys_map_to_actor_names_and_a_knob_reads_its_value_and_range(baseline):
    aliases = actor_aliases({"oman": {"name": "Oman"}, "gone": None})
    assert aliases == {"oman": "Oman"}
    knob = Knob.of(baseline, "actors.oman.effectiveness", aliases, provenance="assumption")
    assert (knob.low, knob.high, knob.value) == (0.0, 1.0, baseline.mediators[0].effectiveness)


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("events.events.0.hazard", "no event 'events'"),
        ("actors.nobody.trust", "not an actor"),
        ("world.tension.x", "name a parameter as"),
        ("actors.us.red_lines.enrichment.middle", "low or .high"),
    ],
)
def test_a_path_outside_the_grammar_is_one_line_naming_the_fix(baseline, path, fragment):
    with pytest.raises(ConfigError) as err:
        with_values(baseline, {path: 0.5})
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_a_whole_number_of_rounds_takes_a_whole_number_only(baseline):
    assert with_values(baseline, {"world.deadline": 6}).world.deadline == 6
    with pytest.raises(ConfigError, match="whole number"):
        with_values(baseline, {"world.deadline": 6.0})


def test_a_choice_is_set_as_it_is_but_a_number_goes_to_numbers_only(baseline):
    assert with_values(baseline, {"world.ultimatum_by": "US"}).world.ultimatum_by == "US"
    with pytest.raises(ConfigError, match="not a number"):
        with_values(baseline, {"world.ultimatum_by": 0.5})


@pytest.mark.parametrize(
    "path, declared",
    [
        ("world.tension", (World, "tension")),
        ("actors.oman.effectiveness", (Mediator, "effectiveness")),
        ("actors.oman.pressure.sanctions", (Mediator, "pressure")),
        ("agenda.enrichment.status_quo", (Issue, "status_quo")),
        ("events.proxy_attack.effects.tension", (Event, "effects")),
        ("max_rounds", None),
    ],
)
def test_the_declaring_class_of_a_path_is_found_without_a_scenario(path, declared):
    assert declared_field(path, {"oman": "mediator"}) == declared


def test_a_path_of_an_actor_without_a_known_role_is_one_line():
    with pytest.raises(ConfigError, match="actor 'eu3' has no known role"):
        declared_field("actors.eu3.resolve", {"oman": "mediator"})


def test_a_path_names_its_actor_and_applies_only_where_that_actor_is_present():
    assert actor_of("actors.uae.pressure.sanctions") == "uae" and actor_of("world.tension") is None
    assert applies_to("world.tension", set()) and applies_to("actors.uae.resolve", {"uae", "us"})
    assert not applies_to("actors.uae.resolve", {"us", "iran"})
