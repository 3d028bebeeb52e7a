"""Leaving a held deadlock (docs/stated_positions.md, section 11): rules.force_at_deadlock.

At a known deadlock a principal that leaves does so by force only where force is worth more than both no deal and
adjourning (valued as staying at the deadlock: waiting for a later round); otherwise it adjourns, a stalemate.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario
from sim.core import rules
from sim.core.agents import PrincipalAgent
from sim.core.model import ESCALATION, STALEMATE, NegotiationModel, cause_names

value = st.floats(-1.0, 1.0)
STATED = ["+actors.us.stated.enrichment=[1.0,1.0]"]  # Washington's zero-enrichment demand held against Tehran
QUIET = ["actors.us.force_noise=0.0", "actors.iran.force_noise=0.0"]


# ------------------------------------------------------------------ the rule


def test_force_is_taken_only_where_it_beats_no_deal_and_adjourning():
    force = np.array([0.5, 0.5, 0.5, 0.2, 0.5])
    no_deal = np.array([0.1, 0.1, 0.6, 0.1, 0.5])
    adjourning = np.array([0.3, 0.5, 0.3, 0.3, 0.1])
    # beats both; ties with adjourning (no force); below no deal; below adjourning; ties with no deal
    assert rules.force_at_deadlock(force, no_deal, adjourning).tolist() == [True, False, False, False, False]


@given(value, value, value)
def test_never_force_where_force_is_worth_no_more_than_adjourning_or_no_deal(force, no_deal, adjourning):
    """Hypothesis: force only where it beats both; it never adds force where force over no deal alone would not."""
    chosen = bool(rules.force_at_deadlock(force, no_deal, adjourning))
    assert chosen == (force > max(no_deal, adjourning))
    assert not chosen or bool(rules.force_over_no_deal(force, no_deal) > 0)


@given(value, value, value)
def test_without_choice_noise_the_form_of_leaving_is_the_same_as_before(force, no_deal, staying):
    """Hypothesis: with zero noise a side leaves only where its outside option beats staying, and then the new form
    (force over no deal and adjourning) is the old one (force over no deal): the rule acts only on noisy exits."""
    leaves = bool(rules.chooses(np.array([max(no_deal, force) - staying]), 0.0, 1.0, np.array([0.5]))[0])
    if leaves:
        assert bool(rules.force_at_deadlock(force, no_deal, staying)) == (force > no_deal)


# ------------------------------------------------------------------ in the model


def _run(overrides, n=2000, seed=5):
    scenario = load_scenario("baseline", overrides)
    return scenario, NegotiationModel(scenario, n, seed).run()


def _same(a, b) -> bool:
    return np.array_equal(a.outcome, b.outcome) and np.array_equal(a.cause, b.cause) and np.array_equal(a.end_round, b.end_round)


def test_off_or_without_a_stated_position_nothing_changes():
    on_scenario, on = _run([])
    assert on_scenario.world.deadlock_force == 1  # on in the baseline's world, inert: nobody states a position
    _, off = _run(["world.deadlock_force=0"])
    assert _same(on, off)


def test_without_choice_noise_the_switch_changes_no_episode():
    _, on = _run([*STATED, *QUIET])
    _, off = _run([*STATED, *QUIET, "world.deadlock_force=0"])
    assert _same(on, off)


def test_with_choice_noise_noisy_strikes_at_a_deadlock_become_adjournments():
    scenario, on = _run(STATED)
    _, off = _run([*STATED, "world.deadlock_force=0"])
    names = cause_names(scenario)
    adjourned = [names.index(c) for c in names if c.endswith("_adjourns")]
    assert np.mean(on.outcome == ESCALATION) < np.mean(off.outcome == ESCALATION)
    assert np.mean(np.isin(on.cause, adjourned)) > np.mean(np.isin(off.cause, adjourned))
    assert (on.outcome[np.isin(on.cause, adjourned)] == STALEMATE).all()


def _strikes_below_adjourning(overrides, seed) -> tuple[int, int]:
    """Run with a spy on the exit decision: (strikes at a known deadlock, those worth no more than adjourning)."""
    scenario = load_scenario("baseline", overrides)
    model = NegotiationModel(scenario, 400, seed)
    counts = [0, 0]
    original = PrincipalAgent.decide_exit

    def spy(self, rows, standing, draws, deadlocked=None):
        out = original(self, rows, standing, draws, deadlocked)
        if deadlocked is not None:
            struck = out[0] & deadlocked
            counts[0] += int(struck.sum())
            force = self.force[rows] + self.resolve[rows]  # its value of force, with its resolve (as its outside option)
            counts[1] += int((struck & (force <= out[3])).sum())
        return out

    PrincipalAgent.decide_exit = spy  # type: ignore[method-assign]
    try:
        model.run()
    finally:
        PrincipalAgent.decide_exit = original  # type: ignore[method-assign]
    return counts[0], counts[1]


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.005, 0.01, 0.05]))
def test_at_a_deadlock_a_side_never_strikes_where_force_is_worth_no_more_than_adjourning(seed, noise):
    """Hypothesis over seeds and choice noise: with the rule on, no strike at a known deadlock is worth no more than
    waiting for a later round (with it off, the noisy exits do strike there: the spy can see the difference)."""
    noisy = [f"actors.us.force_noise={noise}", f"actors.iran.force_noise={noise}"]
    _, below = _strikes_below_adjourning([*STATED, *noisy], seed)
    assert below == 0


def test_the_spy_sees_strikes_below_adjourning_when_the_rule_is_off():
    struck, below = _strikes_below_adjourning([*STATED, "world.deadlock_force=0"], 5)
    assert struck > 0 and below > 0
