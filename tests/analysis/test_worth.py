"""The actor-worth table (sim.analysis.worth): Shapley values checked by hand, subsets under common random numbers."""

from __future__ import annotations

import itertools

import pytest

from sim.analysis import worth
from sim.core.params import OUTCOMES, ConfigError


def _odds(value):
    """Odds of every subset of a, b, c from a function of the subset giving P(deal); the rest split evenly."""
    out = {}
    for k in range(4):
        for s in itertools.combinations("abc", k):
            d = value(frozenset(s))
            out[frozenset(s)] = {"deal": d, "escalation": (1 - d) / 2, "stalemate": (1 - d) / 2}
    return out


def test_shapley_of_an_additive_game_is_each_actors_own_effect():
    effects = {"a": 0.1, "b": -0.05, "c": 0.2}
    values = worth.shapley(_odds(lambda s: 0.3 + sum(effects[x] for x in s)), "abc")
    for actor, effect in effects.items():
        assert values[actor]["deal"] == pytest.approx(effect)


def test_shapley_splits_an_interaction_equally_and_adds_up_to_the_total_change():
    # a deal only when a and b are both present: each gets half
    odds = _odds(lambda s: 0.6 if {"a", "b"} <= s else 0.2)
    values = worth.shapley(odds, "abc")
    assert values["a"]["deal"] == pytest.approx(0.2) and values["b"]["deal"] == pytest.approx(0.2)
    assert values["c"]["deal"] == pytest.approx(0.0)
    for o in OUTCOMES:
        total = sum(v[o] for v in values.values())
        assert total == pytest.approx(odds[frozenset("abc")][o] - odds[frozenset()][o])


def test_the_table_on_the_baseline_is_consistent():
    from sim.config.compose import load_scenario

    scenario = load_scenario("baseline")
    assert worth.outside_actors(scenario) == ("Oman", "Israel", "UAE")
    table = worth.actor_worth(scenario, 300, 1).set_index("actor")
    every, none = table.loc["all"], table.loc["none"]
    for o in OUTCOMES:
        assert table.loc[["Oman", "Israel", "UAE"], f"shapley_{o}"].sum() == pytest.approx(
            every[f"p_{o}_without"] - none[f"p_{o}_without"]
        )
        for actor in ("Oman", "Israel", "UAE"):
            change = table.loc[actor, f"change_{o}"]
            assert change == pytest.approx(every[f"p_{o}_without"] - table.loc[actor, f"p_{o}_without"])
    assert "| Oman |" in worth.markdown(table.reset_index())
    with pytest.raises(ConfigError, match="'US' is not an outside actor"):
        worth.actor_worth(scenario, 10, 1, actors=("US",))
