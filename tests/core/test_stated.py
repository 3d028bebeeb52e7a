"""Stated public positions and the audience cost of backing down (mapping rule 22; Fearon 1994).

The rules (rules.stated_red_lines, rules.backs_down), the phase of the round that applies them, and the
properties they must keep: a deal never breaks a position its holder still holds; a position that gives way
only when a deal beats the holder's outside option by the audience cost; a position that narrows nothing
changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import load_scenario
from sim.core import rules
from sim.core.model import DEAL, NegotiationModel
from sim.core.params import ConfigError, Scenario
from tests.conftest import with_changes as _with
from tests.conftest import with_principals as _principals
from tests.core.test_properties import SETTINGS, scenarios

unit = st.floats(0.0, 1.0, allow_nan=False)


def draw_position(scenario: Scenario, data) -> tuple[str, object, object]:
    """Hypothesis: the first principal states a position on a drawn issue it requires (from a drawn point of its
    red line to its end, with a drawn audience cost), and the second does not refuse to discuss that issue."""
    a, b = scenario.principals
    issue = data.draw(st.sampled_from(scenario.issue_names))
    low, high = a.red_lines.get(issue, (0.0, 1.0))
    point = data.draw(st.floats(low, high))
    a = _with(a, stated={issue: (point, high)}, audience_cost=data.draw(unit), requires=(issue,))
    b = _with(b, refuses=tuple(i for i in b.refuses if i != issue))
    return issue, a, b


# ------------------------------------------------------------------ the rules


def test_a_stated_position_narrows_the_red_line_to_the_overlap():
    low, high = rules.stated_red_lines(np.array([0.5, 0.0]), np.array([1.0, 0.6]), np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert low.tolist() == [1.0, 0.0] and high.tolist() == [1.0, 0.0]


def test_it_backs_down_only_when_the_deal_beats_its_outside_option_by_the_audience_cost():
    value, outside = np.array([0.6, 0.6, 0.6]), np.array([0.3, 0.45, 0.5])
    assert rules.backs_down(value, 0.16, outside).tolist() == [True, False, False]
    assert rules.backs_down(value, 0.0, outside).tolist() == [True, True, True]


@given(unit, unit, unit, unit, st.floats(-0.5, 1.0))
def test_a_higher_audience_cost_or_a_better_outside_option_never_makes_it_back_down(value, cost, more, outside, better):
    """Hypothesis: backs_down is monotone: it falls in the audience cost and in the outside option."""
    if rules.backs_down(value, min(cost + more, 1.0), outside):
        assert rules.backs_down(value, cost, outside)
    if rules.backs_down(value, cost, max(outside, better)):
        assert rules.backs_down(value, cost, outside)


# ------------------------------------------------------------------ in the model


def _textbook_with_stated(audience_cost: float) -> Scenario:
    """The textbook case (deal in round 1), with Washington stating zero enrichment: no zone on a required issue."""
    s = load_scenario("textbook_complete_information")
    us, iran = s.principals
    us = _with(us, stated={"enrichment": (1.0, 1.0)}, audience_cost=audience_cost)
    assert "enrichment" in us.requires and iran.red_lines["enrichment"][1] < 1.0
    return _principals(s, us, iran)


def test_a_position_never_worth_dropping_leaves_no_deal_at_all():
    model = NegotiationModel(_textbook_with_stated(1.0), 2000, 3).run()
    assert not np.any(model.outcome == DEAL) and not np.any(model.backed_down)


def test_without_an_audience_cost_it_drops_the_position_and_the_textbook_deal_comes_in_round_1():
    model = NegotiationModel(_textbook_with_stated(0.0), 2000, 3).run()
    assert np.all(model.outcome == DEAL) and np.all(model.end_round == 1) and np.all(model.backed_down == 1)
    us = model.principals[0]
    assert not us.holds_stated.any()
    # the deal lies inside the red lines it fell back on, and outside the position it dropped
    k = model.issue_names.index("enrichment")
    assert np.all(model.terms[:, k] <= us.params.red_lines["enrichment"][1] + 1e-9)
    assert np.all(model.terms[:, k] < 1.0)


def test_a_stated_position_outside_its_own_red_line_is_a_one_line_error():
    s = load_scenario("baseline")
    us = s.principals[0]
    with pytest.raises(ConfigError, match=r"US.stated.enrichment = \[0.0, 0.2\] lies outside its own red line"):
        _principals(s, _with(us, stated={"enrichment": (0.0, 0.2)}))


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.data())
def test_no_deal_breaks_a_position_its_holder_still_holds(scenario, seed, data):
    """Hypothesis: where no principal backed down, every deal lies inside every stated position."""
    issue, a, b = draw_position(scenario, data)
    point = a.stated[issue][0]
    model = NegotiationModel(_principals(scenario, a, b), 300, seed).run()
    k = scenario.issue_names.index(issue)
    held = (model.outcome == DEAL) & (model.backed_down == 0)
    assert np.all(model.terms[held, k] >= point - 1e-9)
    # a deal the held position would have blocked comes only after the holder backed down
    dropped = (model.outcome == DEAL) & (model.terms[:, k] < point - 1e-9)
    assert np.all((model.backed_down[dropped] > 0) & (model.backed_down[dropped] <= model.end_round[dropped]))


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.data())
def test_a_position_that_narrows_nothing_changes_nothing(scenario, seed, data):
    """Hypothesis: stating the whole of one's own red line gives the same episodes as stating nothing."""
    a, b = scenario.principals
    issue = data.draw(st.sampled_from(scenario.issue_names))
    plain = NegotiationModel(scenario, 300, seed).run()
    stated = _with(a, stated={issue: a.red_lines.get(issue, (0.0, 1.0))}, audience_cost=data.draw(unit))
    model = NegotiationModel(_principals(scenario, stated, b), 300, seed).run()
    assert np.array_equal(model.outcome, plain.outcome) and np.array_equal(model.end_round, plain.end_round)
    assert np.allclose(model.terms, plain.terms, equal_nan=True, atol=1e-9)
    assert not np.any(model.backed_down)
