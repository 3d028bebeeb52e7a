"""Issue 18, time and force side: one unit of time, pauses, coercion below war, ultimatums and allies.

Unit tests of each rule, and properties (Hypothesis) of the model with the mechanisms configured.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core import rules
from sim.core.model import DEAL, ESCALATION, STALEMATE, NegotiationModel
from sim.core.params import WEEKS_PER_ROUND, ConfigError, Issue, Principal, Scenario, Spoiler, Transition, World
from sim.core.runner import simulate
from tests.core.test_properties import SETTINGS, scenarios

# ------------------------------------------------------------------ rules


def test_one_round_is_one_week():
    assert WEEKS_PER_ROUND == 1
    t = Transition(week=10, pause_weeks=7, actor="Iran")
    assert (t.start_round, t.resume_round) == (10, 17)


def test_coercion_shift_moves_the_package_toward_the_coercer_when_the_other_loses():
    # the other's outside option falls by 0.1, the coercer's own is unchanged: half of it, at full trust
    assert rules.coercion_shift(1.0, 0.0, -0.1) == pytest.approx(0.05)
    assert rules.coercion_shift(0.0, 0.0, -0.1) == pytest.approx(0.0)  # no trust: the package is not counted on
    assert rules.coercion_shift(0.5, 0.02, 0.0) == pytest.approx(0.5 * 0.5 * 0.02 + 0.5 * 0.02)


def test_coercion_advantage_is_the_change_of_the_value_of_continuing():
    d, risk, nxt, out = np.array([0.98]), np.array([0.05]), np.array([0.6]), np.array([0.3])
    assert rules.coercion_advantage(d, risk, risk, nxt, 0.0, out, out)[0] == pytest.approx(0.0)
    assert rules.coercion_advantage(d, risk, risk, nxt, 0.02, out, out)[0] > 0  # a better package, no added risk
    assert rules.coercion_advantage(d, risk, risk + 0.1, nxt, 0.0, out, out)[0] < 0  # only tension: a loss
    expected = rules.waiting_value(d, risk + 0.01, nxt + 0.02, out) - rules.waiting_value(d, risk, nxt, out)
    assert rules.coercion_advantage(d, risk, risk + 0.01, nxt, 0.02, out, out) == pytest.approx(expected)


def test_sabotage_is_the_strike_rule_at_its_lower_cost():
    weights = (0.3, 0.3, 0.2, 0.2)
    args = (np.array([0.5]), np.array([0.6]), np.array([0.4]), np.array([0.1]))
    sab, wait = rules.sabotage_values(weights, 0.3, *args)
    strike, wait_strike = rules.spoiler_strike_values(weights, 0.5, *args)
    assert sab == pytest.approx(strike) and wait == pytest.approx(wait_strike - 0.2)


def test_force_over_no_deal_is_the_difference():
    assert rules.force_over_no_deal(np.array([0.4]), np.array([0.3]))[0] == pytest.approx(0.1)


def test_a_deadline_inside_a_pause_is_judged_when_the_talks_resume():
    deadline = np.array([0, 4, 5, 9, 12, 13])
    assert rules.deadline_after_pause(deadline, 5, 12).tolist() == [0, 4, 12, 12, 12, 13]


# ------------------------------------------------------------------ validation


def _toy(**world) -> Scenario:
    issues = (Issue("x", "nuclear", 0.5),)
    a = Principal("A", ideal={"x": 1.0}, salience={"x": 1.0}, red_lines={"x": (0.3, 1.0)}, resolve_spread=0.0)
    b = Principal("B", ideal={"x": 0.0}, salience={"x": 1.0}, red_lines={"x": (0.0, 0.7)}, resolve_spread=0.0)
    from sim.core.params import Mediator

    return Scenario("toy", issues, (a, b), mediators=(Mediator("M"),), world=World(**world), max_rounds=30)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transitions": (Transition(week=3, pause_weeks=2, actor="C"),)}, r"transitions\[0\].actor = 'C' is not a principal"),
        (
            {"transitions": (Transition(week=3, pause_weeks=2, actor="A", set={"war_cost": 0.1}),)},
            r"only a principal's state keys",
        ),
        ({"transitions": (Transition(week=3, pause_weeks=2, actor="A", set={"trust": 1.5}),)}, r"trust = 1.5 is out of range"),
        ({"transitions": (Transition(week=0, pause_weeks=2, actor="A"),)}, r"transitions\[0\].week = 0 is out of range"),
        ({"world": World(ultimatum_by="C", deadline=3)}, r"world.ultimatum_by = 'C' is not a principal"),
        ({"world": World(ultimatum_by="A")}, r"world.deadline is 0"),
    ],
)
def test_bad_mechanism_settings_are_one_line_errors(change, message):
    with pytest.raises(ConfigError, match=message) as err:
        dataclasses.replace(_toy(), **change).validate()
    assert "\n" not in str(err.value)


def test_a_bad_spoiler_ally_is_a_one_line_error():
    toy = _toy()
    spoiler = Spoiler("S", target="A", ally="Z")
    with pytest.raises(ConfigError, match=r"S.ally = 'Z' is not a principal"):
        dataclasses.replace(toy, spoilers=(spoiler,)).validate()


# ------------------------------------------------------------------ properties


@st.composite
def with_mechanisms(draw):
    """A random scenario of tests/core/test_properties.py with every mechanism of this side of issue 18 configured."""
    scenario = draw(scenarios())
    a, b = scenario.principals
    effects = {"tension": draw(st.floats(0, 0.1)), "sanctions": draw(st.floats(0, 0.1))}
    a = dataclasses.replace(a, coercion_propensity=draw(st.floats(0, 0.5)), coercion_effects=effects)
    b = dataclasses.replace(
        b, coercion_propensity=draw(st.floats(0, 0.5)), coercion_effects={"nuclear_progress": draw(st.floats(0, 0.1))}
    )
    spoilers = tuple(
        dataclasses.replace(
            s,
            sabotage_propensity=draw(st.floats(0, 0.5)),
            sabotage_effects={"nuclear_progress": -draw(st.floats(0, 0.1)), "tension": draw(st.floats(0, 0.1))},
            ally="A",
        )
        for s in scenario.spoilers
    )
    week = draw(st.integers(1, 8))
    transitions = (
        Transition(week=week, pause_weeks=draw(st.integers(0, 6)), actor="B", set={"trust": draw(st.floats(0, 1))}, why="t"),
    )
    world = scenario.world
    if world.deadline > 0:
        world = dataclasses.replace(world, ultimatum_by="A")
    return dataclasses.replace(
        scenario, principals=(a, b), spoilers=spoilers, transitions=transitions, world=world, max_rounds=scenario.max_rounds + 8
    ).validate()


def _shut(scenario: Scenario) -> Scenario:
    """Every escalation channel shut (force worth less than no deal, no strikes, no spiral, no collapse)."""
    return dataclasses.replace(
        scenario,
        principals=tuple(
            dataclasses.replace(p, force_posture_weight=0.0, force_progress_weight=0.0, war_cost=1.0) for p in scenario.principals
        ),
        spoilers=tuple(dataclasses.replace(s, strike_propensity=0.0) for s in scenario.spoilers),
        world=dataclasses.replace(scenario.world, tension_threshold=1.01, collapse_escalation=0.0),
    ).validate()


@SETTINGS
@given(with_mechanisms(), st.integers(0, 2**32 - 1))
def test_with_every_escalation_channel_shut_coercion_pauses_and_ultimatums_give_no_escalation(scenario, seed):
    """Coercion below war and lapsed ultimatums never end the talks in escalation by themselves."""
    model = NegotiationModel(_shut(scenario), 300, seed).run()
    assert not np.any(model.outcome == ESCALATION)
    assert np.all(model.outcome >= 0)
    assert not model.any_strike.any() and np.all(model.joined_strike < 0)


@SETTINGS
@given(with_mechanisms(), st.integers(0, 2**32 - 1))
def test_a_pause_never_ends_an_episode(scenario, seed):
    shut = _shut(scenario)
    model = NegotiationModel(shut, 300, seed).run()
    t = shut.transitions[0]
    paused = (model.end_round >= t.start_round) & (model.end_round < t.resume_round)
    causes = np.array(model.causes)[model.cause[paused]]
    assert np.all(causes == "horizon")  # only the run bound ends an episode inside a pause
    # every episode still running at the pause was paused for all its weeks
    through = model.end_round >= t.resume_round
    assert np.all(model.pauses[through] == t.resume_round - t.start_round)


def test_a_pause_delays_outcomes():
    """The textbook deal of round 1 comes at the round the talks resume when a pause starts at week 1."""
    toy = _toy()
    first = NegotiationModel(toy, 200, 3).run()
    assert np.all(first.outcome == DEAL) and np.all(first.end_round == 1)
    paused = dataclasses.replace(toy, transitions=(Transition(week=1, pause_weeks=6, actor="B", why="election"),)).validate()
    later = NegotiationModel(paused, 200, 3).run()
    assert np.all(later.outcome == DEAL) and np.all(later.end_round == 7) and np.all(later.pauses == 6)


def test_a_new_government_resumes_with_its_agenda_stance():
    toy = dataclasses.replace(_toy(), issues=(Issue("x", "nuclear", 0.5), Issue("y", "regional", 0.5)))
    a, b = toy.principals
    a = dataclasses.replace(a, ideal={"x": 1.0, "y": 1.0}, salience={"x": 0.5, "y": 0.5}, insists=("y",), agenda_flexibility=0.0)
    b = dataclasses.replace(b, ideal={"x": 0.0, "y": 0.0}, salience={"x": 0.5, "y": 0.5}, agenda_flexibility=0.0)
    toy = dataclasses.replace(toy, principals=(a, dataclasses.replace(b, refuses=())))
    refusing = Transition(week=1, pause_weeks=2, actor="B", set={"refuses": ["y"]}, why="a harder government")
    model = NegotiationModel(dataclasses.replace(toy, transitions=(refusing,)).validate(), 100, 1).run()
    assert np.all(model.end_round > 3)  # the reopened agenda is disputed after the pause (neither softens)
    assert np.all(model.outcome != DEAL)


def _lapsing(force_worth_more: bool) -> Scenario:
    """A toy whose talks always reach a deadline without a deal and lapse, with A's ultimatum attached."""
    toy = _toy(deadline=2, extension_probability=0.0, ultimatum_by="A", resume_probability=0.0, military_posture=1.0)
    a, b = toy.principals
    a = dataclasses.replace(
        a,
        red_lines={"x": (0.9, 1.0)},  # no overlap with B: no package is ever signed
        force_noise=0.0,
        force_posture_weight=1.0 if force_worth_more else 0.0,
        war_cost=0.1 if force_worth_more else 1.0,
        no_deal_value=0.5,
    )
    b = dataclasses.replace(b, force_posture_weight=0.0, war_cost=1.0)
    return dataclasses.replace(toy, principals=(a, b)).validate()


@pytest.mark.parametrize("force_worth_more", [True, False])
def test_an_ultimatum_lapse_escalates_only_when_force_is_worth_more_to_the_threatener(force_worth_more):
    scenario = _lapsing(force_worth_more)
    model = NegotiationModel(scenario, 500, 11).run()
    lapsed = model.ultimatum_lapsed
    assert lapsed.all()
    causes = np.array(model.causes)[model.cause]
    if force_worth_more:
        assert np.all(model.outcome == ESCALATION) and np.all(causes == "a_force")
        assert np.all(model.force_value > model.continue_value)  # force against the no deal the lapse leaves
    else:
        assert np.all(model.outcome == STALEMATE) and np.all(causes == "deadline_lapse")


@pytest.mark.parametrize("ally_gains", [True, False])
def test_an_ally_joins_a_strike_only_by_its_own_values(ally_gains):
    toy = _toy(military_posture=1.0, tension=0.9, resume_probability=0.0)
    a, b = toy.principals
    a = dataclasses.replace(
        a,
        red_lines={"x": (0.9, 1.0)},  # no deal can come before the strike
        force_noise=0.0,
        force_posture_weight=0.8 if ally_gains else 0.0,
        war_cost=0.1 if ally_gains else 1.0,
        walkout_propensity=0.0,
    )
    spoiler = Spoiler(
        "S", target="A", ally="A", strike_propensity=1.0, strike_threshold=0.0, strike_noise=0.0, weight_tension=1.0
    )
    scenario = dataclasses.replace(toy, principals=(a, b), spoilers=(spoiler,)).validate()
    model = NegotiationModel(scenario, 300, 5).run()
    struck = np.array(model.causes)[model.first_strike[model.first_strike >= 0]]
    assert len(struck) == 300 and np.all(struck == "s_strike")
    joined = model.joined_strike >= 0
    if ally_gains:  # A's force (0.8 - 0.1) beats its no deal (0.5): it joins every strike
        assert joined.all() and np.all(np.array(model.causes)[model.joined_strike] == "a_force")
    else:
        assert not joined.any()


def test_coercion_steps_are_recorded_and_never_end_the_talks():
    toy = _toy(tension=0.1)
    a, b = toy.principals
    a = dataclasses.replace(a, coercion_propensity=1.0, coercion_effects={"sanctions": 0.05}, force_noise=0.0, trust=1.0)
    b = dataclasses.replace(b, pressure={"sanctions": 0.5}, resolve_spread=0.2)
    scenario = dataclasses.replace(toy, principals=(a, b)).validate()
    model = NegotiationModel(scenario, 300, 2).run()
    assert model.coercion_steps.sum() > 0  # lowering B's outside option at no risk is worth it to A
    assert not np.any(model.outcome == ESCALATION)


def test_same_seed_same_results_whatever_the_workers():
    scenario = _with_all_mechanisms()
    one = simulate(scenario, 3000, 9, block_size=700, workers=1).episodes
    two = simulate(scenario, 3000, 9, block_size=700, workers=2).episodes
    pd.testing.assert_frame_equal(one, two)
    for column in ("pauses", "coercion_steps", "ultimatum_lapsed", "joined_strike"):
        assert column in one
    assert one["pauses"].max() > 0 and one["coercion_steps"].max() > 0 and one["ultimatum_lapsed"].any()


def _with_all_mechanisms() -> Scenario:
    from sim.config.compose import load_scenario

    base = load_scenario("baseline", ["world.deadline=9", "world.ultimatum_by=US"])
    transition = Transition(week=5, pause_weeks=4, actor="Iran", set={"trust": 0.3}, why="test")
    return dataclasses.replace(base, transitions=(transition,)).validate()


def test_the_baseline_configuration_composes_transitions_from_yaml():
    from sim.config.compose import load_scenario

    scenario = load_scenario(
        "baseline", ["transitions=[{week: 10, pause_weeks: 7, actor: iran, set: {trust: 0.3}, why: election}]"]
    )
    assert scenario.transitions == (Transition(week=10, pause_weeks=7, actor="Iran", set={"trust": 0.3}, why="election"),)
    with pytest.raises(ConfigError, match=r"transitions\[0\].actor = 'irn': use the config key of a principal"):
        load_scenario("baseline", ["transitions=[{week: 10, pause_weeks: 7, actor: irn}]"])


def test_talks_resume_after_an_ultimatum_strike_when_the_ceasefire_holds():
    """A lapse that turns into a limited strike and a ceasefire is not also a lapse into stalemate."""
    scenario = _lapsing(True)
    scenario = dataclasses.replace(
        scenario, world=dataclasses.replace(scenario.world, resume_probability=1.0, retaliation_probability=0.0)
    ).validate()
    model = NegotiationModel(scenario, 200, 4).run()
    assert model.ultimatum_lapsed.all() and model.resumed.all()
    causes = np.array(model.causes)[model.cause]
    assert not np.any(causes == "deadline_lapse")
    assert np.all(model.end_round > scenario.world.deadline)
