"""A known deadlock is not a failing negotiation (docs/stated_positions.md, section 8): rules.talks_about_talks.

Where a held public position leaves no zone of agreement on a required issue, a refused package was certain: it
adds no tension and is not a failed round in anyone's estimate that the talks are failing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim import load_scenario
from sim.core import model as model_module
from sim.core import rules
from sim.core.model import DEAL, NegotiationModel
from sim.core.params import Scenario
from tests.conftest import with_changes as _with
from tests.conftest import with_principals as _principals
from tests.core.test_properties import SETTINGS, scenarios

flags = st.lists(st.booleans(), min_size=1, max_size=12)


# ------------------------------------------------------------------ the rules


def test_a_deadlock_is_known_only_where_a_held_position_closes_a_required_issue():
    overlaps = np.array([[False, True], [False, True], [True, True], [False, False]])
    required = np.array([[True, False], [False, True], [True, True], [True, True]])
    held = np.array([[True, False], [True, True], [True, True], [False, True]])
    # row 0: required, no zone, held -> known; row 1: the closed issue is not required; row 2: every zone open;
    # row 3: the held issue is required and closed
    assert rules.known_deadlock(overlaps, required, held).tolist() == [True, False, False, True]
    # red lines that fail to overlap without a held position: a private matter, no known deadlock
    assert not rules.known_deadlock(overlaps, required, np.zeros_like(held)).any()


def test_a_refusal_at_a_known_deadlock_is_procedural_not_a_failure():
    failed, procedural = rules.talks_about_talks(np.array([True, True, False, False]), np.array([True, False, True, False]))
    assert failed.tolist() == [False, True, False, False]
    assert procedural.tolist() == [True, False, False, False]


@given(flags, st.data())
def test_every_refusal_is_either_failed_or_procedural_and_without_deadlock_all_fail(refused, data):
    """Hypothesis: the rule splits the refusals, and changes nothing where no deadlock is known."""
    refused = np.array(refused)
    deadlocked = np.array(data.draw(st.lists(st.booleans(), min_size=refused.size, max_size=refused.size)))
    failed, procedural = rules.talks_about_talks(refused, deadlocked)
    assert np.array_equal(failed | procedural, refused) and not (failed & procedural).any()
    assert not (procedural & ~deadlocked).any()
    same, none = rules.talks_about_talks(refused, np.zeros_like(refused))
    assert np.array_equal(same, refused) and not none.any()


# ------------------------------------------------------------------ in the model


def _textbook_deadlock(failed_round_tension: float) -> Scenario:
    """The textbook case (deal in round 1) with Washington holding zero enrichment for good: a known deadlock."""
    s = load_scenario("textbook_complete_information")
    us, iran = s.principals
    us = _with(us, stated={"enrichment": (1.0, 1.0)}, audience_cost=1.0)
    # adjourning the deadlock (section 10, world.deadlock_exit) is off here: this tests section 8's rule alone, over
    # six rounds in which no replication may end (tests/core/test_lapse.py tests the adjournment)
    world = dataclasses.replace(s.world, failed_round_tension=failed_round_tension, deadlock_exit=0)
    s = dataclasses.replace(s, world=world)
    return _principals(s, us, iran)


def test_a_held_deadlock_counts_no_failed_round_and_refusals_add_no_tension():
    calm, tense = (NegotiationModel(_textbook_deadlock(t), 300, 5) for t in (0.0, 0.5))
    for _ in range(6):
        calm.step()
        tense.step()
    assert calm.state.round == 6 and np.all(tense.state.procedural == 6) and not tense.state.failures.any()
    assert np.array_equal(calm.state.tension, tense.state.tension)  # the tension of a refusal never enters
    assert np.allclose(tense.state.drag, 0.5)  # no round of substance yet: the spoiler's prior, not certain failure
    calm.run(), tense.run()
    assert np.array_equal(calm.outcome, tense.outcome) and np.array_equal(calm.end_round, tense.end_round)
    assert not np.any(tense.outcome == DEAL)


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.data())
def test_where_positions_leave_a_zone_the_episodes_are_exactly_as_before(scenario, seed, data):
    """Hypothesis: a stated position inside the other side's red line (a zone remains on that issue) gives the same
    episodes with and without the rule: where no deadlock is known, every refusal is a failed round as before."""
    a, b = scenario.principals
    issue = data.draw(st.sampled_from(scenario.issue_names))
    low, high = a.red_lines.get(issue, (0.0, 1.0))
    b_low, b_high = b.red_lines.get(issue, (0.0, 1.0))
    lo, hi = max(low, b_low), min(high, b_high)
    if lo > hi:  # the red lines themselves leave no zone: state the whole red line (narrows nothing)
        lo, hi = low, high
    point = data.draw(st.floats(lo, hi))
    stated = _with(a, stated={issue: (lo, point)}, audience_cost=data.draw(st.floats(0.0, 1.0)))
    case = _principals(scenario, stated, b)
    with_rule = NegotiationModel(case, 200, seed).run()
    original = rules.talks_about_talks
    try:  # the rule switched off: every refusal a failed round
        model_module.rules.talks_about_talks = lambda refused, deadlocked: (refused, np.zeros_like(refused))
        without = NegotiationModel(case, 200, seed).run()
    finally:
        model_module.rules.talks_about_talks = original
    if with_rule.backed_down.any() or without.backed_down.any():
        return  # a position given way: the zone may have been the held position's only
    assert np.array_equal(with_rule.outcome, without.outcome)
    assert np.array_equal(with_rule.end_round, without.end_round)
    assert np.allclose(with_rule.terms, without.terms, equal_nan=True, atol=1e-9)
