"""Adjourning a held deadlock (docs/stated_positions.md, section 10): rules.awaiting_value, rules.deadlock_staying.

At a known deadlock a principal weighs leaving against its own rule of the deadlock (the holder: holding on; the
other side: its belief that the holder gives way), not against a package neither side can sign; leaving there is
an adjournment, a stalemate.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim import load_scenario
from sim.core import rules
from sim.core.model import ESCALATION, STALEMATE, NegotiationModel, cause_names

unit = st.floats(0.0, 1.0)


@given(unit, unit, st.floats(0.9, 0.9999), unit, st.floats(0.01, 1.0))
def test_the_waiting_side_stays_only_while_its_hope_pays_for_the_delay(g, prize, discount, risk, outside):
    value = rules.awaiting_value(g, prize, discount, risk, outside)
    # no hope: a round of delay, then the outside option, is worth less than leaving now
    assert rules.awaiting_value(0.0, prize, discount, risk, outside) < outside
    # certainty that the holder gives way this round: the deal it would bring
    assert np.isclose(rules.awaiting_value(1.0, prize, discount, risk, outside), prize)
    # more hope never makes staying worth less where the deal beats waiting
    if prize >= discount * outside:
        assert rules.awaiting_value(min(1.0, g + 0.1), prize, discount, risk, outside) >= value - 1e-12


def test_deadlock_staying_reads_the_deadlock_value_only_at_a_known_deadlock():
    out = rules.deadlock_staying(np.array([True, False]), np.array([0.5, 0.5]), np.array([0.1, 0.1]))
    assert out.tolist() == [0.1, 0.5]


def _run(overrides, n=3000, seed=3):
    scenario = load_scenario("baseline", overrides)
    return scenario, NegotiationModel(scenario, n, seed).run()


def test_off_or_without_a_stated_position_nothing_changes():
    on_scenario, on = _run([])
    off_scenario, off = _run(["world.deadlock_exit=0"])
    assert on_scenario.world.deadlock_exit == 1  # on in the baseline's world, inert: nobody states a position
    assert cause_names(on_scenario) == cause_names(off_scenario)
    assert not any(c.endswith("_adjourns") for c in cause_names(on_scenario))
    assert np.array_equal(on.outcome, off.outcome) and np.array_equal(on.cause, off.cause)


def test_a_held_deadlock_is_adjourned_as_a_stalemate_and_never_escalates_by_it():
    stated = ["+actors.us.stated.enrichment=[1.0,1.0]"]
    scenario, on = _run(stated)
    _, off = _run([*stated, "world.deadlock_exit=0"])
    names = cause_names(scenario)
    adjourned = np.isin(on.cause, [names.index(c) for c in names if c.endswith("_adjourns")])
    assert adjourned.any()
    assert (on.outcome[adjourned] == STALEMATE).all()
    assert np.mean(on.outcome == STALEMATE) > np.mean(off.outcome == STALEMATE)
    assert np.mean(on.outcome == ESCALATION) <= np.mean(off.outcome == ESCALATION) + 0.02
