"""A deal signed before the other side's scheduled change of government rests on its successor (keep_chance_before_turnover)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import rules
from sim.core.params import Transition
from sim.core.runner import simulate
from tests.conftest import toy_scenario

unit = st.floats(0.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(trust=unit, guarantee=unit, successor=unit)
def test_the_successor_can_only_lower_the_chance_a_deal_is_kept(trust, guarantee, successor):
    plain = rules.keep_chance(trust, guarantee)
    before = rules.keep_chance_before_turnover(trust, guarantee, successor)
    assert guarantee - 1e-12 <= before <= plain + 1e-12  # a guarantee binds the successor too; nothing raises it
    assert rules.keep_chance_before_turnover(trust, guarantee, 1.0) == pytest.approx(plain)
    assert rules.keep_chance_before_turnover(trust, guarantee, min(1.0, successor + 0.1)) >= before - 1e-12


def test_the_rule_by_hand():
    # kept if guaranteed (0.3), or, unbound (0.7), if the signer means to (0.6) and its successor honours it (0.5)
    assert rules.keep_chance_before_turnover(0.6, 0.3, 0.5) == pytest.approx(0.3 + 0.7 * 0.6 * 0.5)


def with_successor(scenario, name, successor_keeps, guarantee=None):
    principals = tuple(
        dataclasses.replace(p, successor_keeps=successor_keeps, **({} if guarantee is None else {"guarantee": guarantee}))
        if p.name == name
        else p
        for p in scenario.principals
    )
    return dataclasses.replace(scenario, principals=principals)


def turnover_toy():
    """The toy scenario over 30 weeks, B's government changing at week 12 after no pause (the same parameters);
    being cheated costs A 0.3 (with no cost the chance of being kept does not matter: rules.deal_value)."""
    toy = toy_scenario(max_rounds=30, transitions=(Transition(week=12, pause_weeks=0, actor="B"),))
    a, b = toy.principals
    return dataclasses.replace(toy, principals=(dataclasses.replace(a, betrayal_cost=0.3), b))


def test_an_unguaranteed_deal_is_never_signed_before_a_successor_that_never_honours_it():
    base = turnover_toy()
    ep = simulate(with_successor(base, "B", 0.0, guarantee=0.0), 4000, 5).episodes
    deals = ep[ep.outcome == "deal"]
    assert len(deals) > 0 and (deals["round"] >= 12).all()  # deals come, but only once the new government is in
    honoured = simulate(with_successor(base, "B", 1.0, guarantee=0.0), 4000, 5).episodes
    assert (honoured[honoured.outcome == "deal"]["round"] < 12).any()  # the same talks, a successor that keeps it


def test_a_less_faithful_successor_never_brings_more_deals_before_the_change():
    base = turnover_toy()
    early = []
    for successor in (0.2, 0.6, 1.0):
        ep = simulate(with_successor(base, "B", successor), 6000, 11).episodes
        early.append(float(((ep.outcome == "deal") & (ep["round"] < 12)).mean()))
    assert early == sorted(early) and early[0] < early[-1], early


def test_without_a_scheduled_change_the_successor_plays_no_part():
    base = toy_scenario(max_rounds=30)
    a = simulate(with_successor(base, "B", 0.0), 3000, 2).episodes
    b = simulate(with_successor(base, "B", 1.0), 3000, 2).episodes
    pd.testing.assert_frame_equal(a, b)
    assert np.isclose((a.outcome == "deal").mean(), (b.outcome == "deal").mean())
